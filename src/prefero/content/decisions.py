"""The exposure log: every choice a slot made, for the experiments that read it.

The request path never writes a row itself: a choice waits in its process until
``Settings.content_decision_batch`` of them are due or the oldest has waited
``FLUSH_SECONDS``, then all go in one unit of work (and when a worker stops: the API's
lifespan calls ``flush_decisions``). On SQLite every write takes the one writer's turn; one
per page view would queue every shopper behind it. A process that dies loses what waits;
a database too busy to take the batch loses that batch rather than failing a page.

A row names the customer only when the request named a known customer who consented to
tracking when the choice was made, and the customer still exists when the batch is written
(``customer_id`` cascades on the customer's deletion; erasure deletes the rows).
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy import Pool, select
from sqlalchemy.orm import Session

from prefero.content.models import ContentDecision
from prefero.customers.models import Customer
from prefero.errors import Overloaded

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["FLUSH_SECONDS", "ContentDecisionRecord", "Pending", "exported_decisions",
           "flush_decisions", "log_decision", "write_decisions"]

#: Longest a choice waits in its process before it is written.
FLUSH_SECONDS = 10.0


@dataclass(frozen=True)
class Pending:
    """A choice made, not yet written."""

    id: str
    slot_key: str
    variant_key: str | None
    strategy: str
    control: bool
    reasons: tuple[str, ...]
    context_used: bool
    customer_id: str | None
    at: datetime


@dataclass
class _Waiting:
    since: float
    items: list[Pending] = field(default_factory=list)


_lock = threading.Lock()
# Per database, by its connection pool, held weakly (see prefero.search.popular).
_waiting: weakref.WeakKeyDictionary[Pool, _Waiting] = weakref.WeakKeyDictionary()


def write_decisions(session: Session, pending: list[Pending]) -> int:
    """Insert ``pending`` in the caller's unit of work; a customer gone since (erased) is
    left out of their row. Answers the rows written."""
    named = {p.customer_id for p in pending if p.customer_id is not None}
    existing: set[str] = set()
    if named:
        existing = set(session.scalars(select(Customer.id).where(Customer.id.in_(named))))
    session.add_all(ContentDecision(
        id=p.id, slot_key=p.slot_key, variant_key=p.variant_key, strategy=p.strategy,
        control=p.control, reasons=list(p.reasons), context_used=p.context_used,
        customer_id=p.customer_id if p.customer_id in existing else None, at=p.at)
        for p in pending)
    session.flush()
    return len(pending)


def log_decision(runtime: Runtime, decision: Pending) -> None:
    """Keep ``decision`` for the next batch; write the batch when it is due.

    >>> log_decision(runtime, Pending(id="…", slot_key="home-hero", …))  # doctest: +SKIP
    """
    now = time.monotonic()
    with _lock:
        waiting = _waiting.setdefault(runtime.engine.pool, _Waiting(since=now))
        waiting.items.append(decision)
        due = (len(waiting.items) >= runtime.settings.content_decision_batch
               or now - waiting.since >= FLUSH_SECONDS)
    if due:
        flush_decisions(runtime)


def flush_decisions(runtime: Runtime) -> int:
    """Write the choices waiting in this process in one unit of work; answer how many were
    written (0 when none waited or the database was too busy)."""
    with _lock:
        waiting = _waiting.pop(runtime.engine.pool, None)
    if waiting is None or not waiting.items:
        return 0
    try:
        with runtime.session(write=True) as session:
            return write_decisions(session, waiting.items)
    except Overloaded:
        return 0


class ContentDecisionRecord(BaseModel):
    """One logged content choice that names the customer (the data export's form)."""

    slot: str
    variant: str | None = Field(description="null: nothing was shown")
    control: bool = Field(description="In a test's control group")
    reasons: list[str] = Field(description="The reason codes the choice was explained by")
    context_used: bool
    at: datetime


def exported_decisions(session: Session, customer_id: str) -> list[ContentDecisionRecord]:
    """The logged choices that name the customer, oldest first (for the data export).

    >>> exported_decisions(session, "c1")[0].slot  # doctest: +SKIP
    'home-hero'
    """
    return [ContentDecisionRecord(slot=row.slot_key, variant=row.variant_key,
                                  control=row.control, reasons=list(row.reasons),
                                  context_used=row.context_used, at=row.at)
            for row in session.scalars(select(ContentDecision)
                                       .where(ContentDecision.customer_id == customer_id)
                                       .order_by(ContentDecision.at, ContentDecision.id))]

"""Retention: behavioural data older than ``Settings.event_retention_days`` is deleted.

Deletion runs in bounded batches, each its own short transaction, so that the service's
writers never wait long behind it (on SQLite there is one writer at a time). What expires:

* ``events`` whose ``occurred_at`` is before the cut-off (the start of the UTC day
  ``event_retention_days`` ago);
* ``product_activity`` counter rows for days before that same day, so the counters that
  remain agree with the events that remain;
* ``event_receipts`` received before the cut-off: a client that re-sends an event more than
  the retention window after first sending it is no longer de-duplicated (documented).

Receipts in the pre-keyed form (``prefero.events.service.legacy_receipt_key``) are rekeyed
in place by ``rekey_legacy_receipts``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.service import RECEIPT_PREFIX, rekey_receipt

__all__ = ["DEFAULT_BATCH", "RetentionReport", "expire_behaviour", "rekey_legacy_receipts",
           "retention_cutoff"]

DEFAULT_BATCH = 5_000
Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class RetentionReport:
    """Rows deleted per kind, and the cut-off they were older than (None: retention off)."""

    cutoff: datetime | None
    events: int = 0
    counters: int = 0
    receipts: int = 0
    batches: int = 0


def retention_cutoff(days: int, *, now: datetime) -> datetime:
    """The start of the UTC day ``days`` before ``now``: everything earlier expires.

    >>> retention_cutoff(2, now=datetime(2026, 3, 10, 15, 30, tzinfo=UTC)).isoformat()
    '2026-03-08T00:00:00+00:00'
    """
    day = (now.astimezone(UTC) - timedelta(days=days)).date()
    return datetime.combine(day, time(), tzinfo=UTC)


def expire_behaviour(sessions: Sessions, *, days: int | None, now: datetime | None = None,
                     batch: int = DEFAULT_BATCH) -> RetentionReport:
    """Delete what is older than ``days`` in batches of at most ``batch`` rows, committing
    after each (``sessions()`` is a unit of work that commits on exit, e.g.
    ``runtime.session``). ``days=None`` keeps everything.

    >>> expire_behaviour(runtime.session, days=730).events  # doctest: +SKIP
    1234
    """
    if days is None:
        return RetentionReport(cutoff=None)
    if batch < 1:
        raise ValueError("batch must be at least 1")
    cutoff = retention_cutoff(days, now=now or utcnow())
    batches = 0

    def drain(pick: Callable[[Session], list[Any]], remove: Callable[[Session, list[Any]], object]
              ) -> int:
        nonlocal batches
        total = 0
        while True:
            with sessions() as session:
                keys = pick(session)
                if keys:
                    remove(session, keys)
            if not keys:
                return total
            total += len(keys)
            batches += 1

    events = drain(
        lambda s: list(s.scalars(select(Event.id).where(Event.occurred_at < cutoff)
                                 .order_by(Event.id).limit(batch))),
        lambda s, ids: s.execute(delete(Event).where(Event.id.in_(ids))),
    )
    counters = drain(
        lambda s: [tuple(row) for row in s.execute(
            select(ProductActivity.product_id, ProductActivity.day, ProductActivity.type)
            .where(ProductActivity.day < cutoff.date())
            .order_by(ProductActivity.day, ProductActivity.product_id, ProductActivity.type)
            .limit(batch))],
        _delete_counters,
    )
    receipts = drain(
        lambda s: list(s.scalars(select(EventReceipt.key)
                                 .where(EventReceipt.received_at < cutoff)
                                 .order_by(EventReceipt.key).limit(batch))),
        lambda s, keys: s.execute(delete(EventReceipt).where(EventReceipt.key.in_(keys))),
    )
    return RetentionReport(cutoff=cutoff, events=events, counters=counters, receipts=receipts,
                           batches=batches)


def _delete_counters(session: Session, keys: list[Any]) -> None:
    for product_id, day, kind in keys:
        session.execute(delete(ProductActivity).where(
            ProductActivity.product_id == product_id, ProductActivity.day == day,
            ProductActivity.type == kind))


def rekey_legacy_receipts(sessions: Sessions, *, key: str, batch: int = DEFAULT_BATCH) -> int:
    """Turn receipts stored before keying (64 bare hex digits) into the keyed form, in
    batches; returns how many were rekeyed. After this, no stored receipt can be confirmed
    by hashing a guessed event id.

    >>> rekey_legacy_receipts(runtime.session, key=settings.erasure_key)  # doctest: +SKIP
    0
    """
    total = 0
    while True:
        with sessions() as session:
            # Every legacy key sorts below the keyed prefix ("0"-"f" < "h"): an index range.
            rows = list(session.execute(
                select(EventReceipt.key, EventReceipt.received_at)
                .where(EventReceipt.key < RECEIPT_PREFIX).order_by(EventReceipt.key)
                .limit(batch)))
            if not rows:
                return total
            legacy = [old for old, _ in rows]
            keyed = {rekey_receipt(old, key=key): received for old, received in rows
                     if _is_hex_digest(old)}
            known = set(session.scalars(select(EventReceipt.key)
                                        .where(EventReceipt.key.in_(list(keyed)))))
            session.execute(delete(EventReceipt).where(EventReceipt.key.in_(legacy)))
            session.add_all(EventReceipt(key=new, received_at=received)
                            for new, received in keyed.items() if new not in known)
        total += len(rows)


def _is_hex_digest(key: str) -> bool:
    return len(key) == 64 and all(c in "0123456789abcdef" for c in key)

"""Which customers' segment membership may have changed: noticed where their data is written,
queued in the process once the write commits, and re-evaluated in batches
(``prefero.segments.membership.flush_dirty``), never a rescan per change.

The writes are noticed from the unit of work itself, so that no service has to remember to
say so: every ORM object of a watched table that is added, changed or deleted, and every
Core ``INSERT``/``UPDATE``/``DELETE`` on one (the event stores' batches, a preference
removed by a query, an identity merge moving events) marks the customer ids it names. What
a rolled-back unit of work marked is forgotten with it.

A queue lives in the process (per database), like popular searches' counts: a process
that dies loses what waits, and ``prefero maintain``'s sweep or ``prefero segments refresh
--all`` puts it right; the API worker flushes its queue when it stops.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import BindParameter, ColumnClause, Engine, Pool, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression

from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.db.session import after_release
from prefero.events.models import Event
from prefero.quizzes.models import CustomerTrait, QuizSession

__all__ = ["WATCHED_TABLES", "mark", "on_due", "put_back", "take", "waiting"]

#: The tables whose rows are facts a condition reads (``prefero.segments.facts``).
WATCHED_TABLES = frozenset({"customers", "preferences", "consent_records", "customer_traits",
                            "quiz_sessions", "events"})
_WITH_CUSTOMER = (Preference, ConsentRecord, CustomerTrait, QuizSession, Event)
_PENDING = "prefero_segments_dirty"


@dataclass
class _Queue:
    since: float
    ids: set[str] = field(default_factory=set)


_lock = threading.Lock()
_queues: weakref.WeakKeyDictionary[Pool, _Queue] = weakref.WeakKeyDictionary()
# What to call once a unit of work that marked customers has let go of its locks (the
# membership module registers the flush that runs when a batch is due).
_on_due: list[Callable[[Pool], None]] = []


def _pool(session: Session) -> Pool | None:
    bind: Any = session.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    return engine.pool if engine is not None else None


def mark(session: Session, customer_ids: Iterable[str]) -> None:
    """Note that these customers' facts change in ``session``'s unit of work; they join the
    process's queue when it commits. The listeners below call it; a writer the listeners
    cannot see may call it too."""
    ids = {cid for cid in customer_ids if isinstance(cid, str) and cid}
    if not ids:
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        pool = _pool(session)
        if pool is None:
            return
        fresh: set[str] = set()
        pending = session.info[_PENDING] = (pool, fresh)
        # Runtime.session runs these once the commit has let go of SQLite's write lock.
        after_release(session, lambda: _released(pool))
    pending[1].update(ids)


def _released(pool: Pool) -> None:
    for action in _on_due:
        action(pool)


def on_due(action: Callable[[Pool], None]) -> None:
    """Call ``action(pool)`` after each released unit of work that marked customers."""
    if action not in _on_due:
        _on_due.append(action)


def waiting(pool: Pool) -> tuple[int, float]:
    """How many customers wait in the queue of ``pool``'s database, and for how long (s)."""
    with _lock:
        queue = _queues.get(pool)
        if queue is None or not queue.ids:
            return 0, 0.0
        return len(queue.ids), time.monotonic() - queue.since


def take(pool: Pool, limit: int | None = None) -> list[str]:
    """Up to ``limit`` (all) queued customer ids, taken off the queue, in a stable order."""
    with _lock:
        queue = _queues.get(pool)
        if queue is None:
            return []
        ids = sorted(queue.ids)
        taken = ids if limit is None else ids[:limit]
        queue.ids.difference_update(taken)
        if not queue.ids:
            del _queues[pool]
        return taken


def put_back(pool: Pool, customer_ids: Iterable[str]) -> None:
    """Queue again what a failed refresh took."""
    ids = set(customer_ids)
    if ids:
        with _lock:
            queue = _queues.setdefault(pool, _Queue(since=time.monotonic()))
            queue.ids.update(ids)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        put_back(*pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_flush")
def _objects(session: Session, _context: Any, _instances: Any) -> None:
    ids: set[str] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Customer):
            ids.add(obj.id)
        elif isinstance(obj, _WITH_CUSTOMER) and obj.customer_id is not None:
            ids.add(obj.customer_id)
    if ids:
        mark(session, ids)


def _named(values: object, into: set[str]) -> None:
    if isinstance(values, str):
        into.add(values)
    elif isinstance(values, list | tuple):
        into.update(v for v in values if isinstance(v, str))


def _compared(clause: Any, prefixes: tuple[str, ...], into: set[str]) -> None:
    """The values a WHERE clause compares a customer column with (``=`` or ``IN``)."""
    for element in visitors.iterate(clause):
        if isinstance(element, BinaryExpression) and isinstance(element.right, BindParameter):
            left = element.left
            if isinstance(left, ColumnClause) and left.name in prefixes:
                _named(element.right.value, into)


@event.listens_for(Session, "do_orm_execute")
def _statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    statement: Any = state.statement
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in WATCHED_TABLES:
        return
    # The customers table names a customer by its id, the others by customer_id.
    prefixes = ("id", "customer_id") if name == "customers" else ("customer_id",)
    ids: set[str] = set()
    rows = state.parameters
    # The parameters it is executed with: an executemany's rows, PostgreSQL's arrays (the
    # event stores' batches, on the ingest path: read without compiling anything).
    for row in rows if isinstance(rows, list | tuple) else [rows] if rows else []:
        for key in prefixes:
            if isinstance(row, dict) and key in row:
                _named(row[key], ids)
    if getattr(statement, "whereclause", None) is not None:
        _compared(statement.whereclause, prefixes, ids)
    if state.is_update or (state.is_insert and not rows):
        # Values written into the statement itself (``insert().values(rows)``, an update's
        # new customer id): only compiling shows them; these statements are rare.
        bound = statement.compile(dialect=state.session.get_bind().dialect).params
        for key, value in bound.items():
            if key in prefixes or key.startswith(tuple(f"{p}_" for p in prefixes)):
                _named(value, ids)
    if ids:
        mark(state.session, ids)

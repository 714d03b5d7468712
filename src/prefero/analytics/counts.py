"""Counting recommendation impressions and clicks into ``recommendation_daily``.

Impressions are counted where a row is served (the API's recommendations, the storefront's
rows): one per shown item, under its placement and leading reason code. That is the hottest
path Prefero has, so a count there is a few dictionary additions in this process's memory,
with no I/O; the counts go to the database in one upsert (``flush_impressions``) once
``Settings.recommendation_impression_batch`` of them wait or the oldest has waited
``FLUSH_SECONDS``, on a thread of its own so that no request waits for the write, and
when a worker stops. The keys are few (days × placements × reasons), so what waits stays
small however busy the process is; a write that fails puts its counts back for the next.
A process that dies loses what waits (at most a batch, or ``FLUSH_SECONDS``' worth).

Clicks come from ``rec_click`` events, counted in the transaction that ingests them
(``add_clicks``): exactly once per new event id, with the batch or not at all. Every
click counts, with or without tracking consent: a row here names no person, session or
product (as ``ProductActivity``'s counters, which count every event for everyone); the
consent decides only whether the event itself is kept against the person, which is what
the attribution of carts and purchases needs (``prefero.analytics.attribution``).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Pool, case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.analytics.models import RecommendationDaily
from prefero.analytics.reasons import UNKNOWN_REASON, placement_of
from prefero.db.base import utcnow
from prefero.events.models import Event
from prefero.events.schemas import EventIn
from prefero.recommend.query import RecommendedItem
from prefero.types import EventType

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = [
    "FLUSH_SECONDS",
    "Key",
    "add_clicks",
    "add_counts",
    "click_counts",
    "count_impressions",
    "finish_impressions",
    "flush_impressions",
    "uncount_clicks",
    "waiting_impressions",
]

#: Longest an impression waits in its process before a count starts its write.
FLUSH_SECONDS = 10.0

#: (UTC day, placement, reason code): one row of ``recommendation_daily``.
Key = tuple[date, str, str]

_log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    """Impressions of one database waiting in this process."""

    since: float
    total: int = 0
    counts: dict[Key, int] = field(default_factory=dict)
    #: The flush thread started and not finished yet: counts go on waiting meanwhile.
    flushing: threading.Thread | None = None


_lock = threading.Lock()
# Per database, by its connection pool (a runtime's engine and its write-marked copy share
# it), held weakly as prefero.search.popular does: a closed runtime's counts go with it.
_waiting: weakref.WeakKeyDictionary[Pool, _Waiting] = weakref.WeakKeyDictionary()


def count_impressions(runtime: Runtime, *, placement: str,
                      items: Sequence[RecommendedItem]) -> int:
    """Count one impression for each of ``items``, shown together on ``placement``, under
    its leading reason; answer how many were counted. Cheap enough for every answer: the
    write, when one is due, runs on a thread of its own.

    >>> count_impressions(runtime, placement="home", items=result.items)  # doctest: +SKIP
    10
    """
    if not items:
        return 0
    day = utcnow().date()
    now = time.monotonic()
    with _lock:
        waiting = _waiting.get(runtime.engine.pool)
        if waiting is None:
            waiting = _waiting[runtime.engine.pool] = _Waiting(since=now)
        counts = waiting.counts
        for item in items:
            key = (day, placement, item.reasons[0].code if item.reasons else UNKNOWN_REASON)
            counts[key] = counts.get(key, 0) + 1
        waiting.total += len(items)
        if waiting.flushing is None and (
                waiting.total >= runtime.settings.recommendation_impression_batch
                or now - waiting.since >= FLUSH_SECONDS):
            # Started under the lock, so that whoever finds it here can join it; its own
            # first step waits for this lock, so it cannot finish before it is recorded.
            waiting.flushing = threading.Thread(
                target=_flush_in_background, args=(runtime,), name="prefero-impressions",
                daemon=True)
            waiting.flushing.start()
    return len(items)


def _flush_in_background(runtime: Runtime) -> None:
    try:
        flush_impressions(runtime)
    finally:
        with _lock:
            waiting = _waiting.get(runtime.engine.pool)
            if waiting is not None:
                waiting.flushing = None


def finish_impressions(runtime: Runtime, *, timeout: float = 30.0) -> int:
    """For a worker that stops: wait for a flush under way (at most ``timeout`` seconds),
    then write what still waits; answer how many impressions this call wrote.

    >>> finish_impressions(runtime)  # doctest: +SKIP
    0
    """
    with _lock:
        waiting = _waiting.get(runtime.engine.pool)
        running = waiting.flushing if waiting is not None else None
    if running is not None and running is not threading.current_thread():
        running.join(timeout)
    return flush_impressions(runtime)


def waiting_impressions(runtime: Runtime) -> dict[Key, int]:
    """What this process counted for ``runtime``'s database and has not written yet."""
    with _lock:
        waiting = _waiting.get(runtime.engine.pool)
        return dict(waiting.counts) if waiting is not None else {}


def flush_impressions(runtime: Runtime) -> int:
    """Write the impressions waiting in this process in one upsert; answer how many were
    written. Concurrent flushes each take what waits when they start, so none writes a
    count twice and, as the upsert adds, none is lost. A failed write (the database busy
    or away) puts its counts back to wait for the next flush.

    >>> flush_impressions(runtime)  # doctest: +SKIP
    0
    """
    with _lock:
        waiting = _waiting.get(runtime.engine.pool)
        if waiting is None or not waiting.counts:
            return 0
        taken = waiting.counts
        waiting.counts, waiting.total, waiting.since = {}, 0, time.monotonic()
    try:
        with runtime.session(write=True) as session:
            add_counts(session, {key: (n, 0) for key, n in taken.items()})
    except Exception:
        _log.warning("recommendation impressions not written yet; kept for the next flush",
                     exc_info=True)
        with _lock:
            waiting = _waiting.get(runtime.engine.pool)
            if waiting is None:
                waiting = _waiting[runtime.engine.pool] = _Waiting(since=time.monotonic())
            for key, n in taken.items():
                waiting.counts[key] = waiting.counts.get(key, 0) + n
                waiting.total += n
        return 0
    return sum(taken.values())


def click_counts(events: Iterable[EventIn]) -> dict[Key, int]:
    """What ``events`` add to the clicks: each ``rec_click`` under its UTC day, placement
    (``placement_of``) and reason (``unknown`` when it did not say).

    >>> click_counts([EventIn(event_id="e", type="rec_click", anonymous_id="v",
    ...                       product_id="p", placement="home", reason="trending",
    ...                       occurred_at="2026-11-20T10:00:00Z")])
    {(datetime.date(2026, 11, 20), 'home', 'trending'): 1}
    """
    counts: dict[Key, int] = {}
    for event in events:
        if event.type is EventType.REC_CLICK:
            key = (event.occurred_at.date(), placement_of(event.placement),
                   event.reason or UNKNOWN_REASON)
            counts[key] = counts.get(key, 0) + 1
    return counts


def add_clicks(session: Session, events: Sequence[EventIn]) -> int:
    """Count the ``rec_click`` events among ``events`` (new ones: the caller has dropped
    repeated ids) in the caller's transaction; answer how many.

    >>> add_clicks(session, fresh)  # doctest: +SKIP
    1
    """
    counts = click_counts(events)
    add_counts(session, {key: (0, n) for key, n in counts.items()})
    return sum(counts.values())


def uncount_clicks(session: Session, customer_id: str) -> int:
    """Take the customer's stored ``rec_click`` events back out of the click counts, as
    erasure takes their events out of the product counters; answer how many. Clicks never
    linked to the customer (no tracking consent) cannot be told from anyone's and stay.

    >>> uncount_clicks(session, "c1")  # doctest: +SKIP
    2
    """
    counts: dict[Key, int] = {}
    for occurred_at, placement, reason in session.execute(
            select(Event.occurred_at, Event.placement, Event.reason)
            .where(Event.customer_id == customer_id, Event.type == EventType.REC_CLICK.value)):
        key = (occurred_at.date(), placement_of(placement), reason or UNKNOWN_REASON)
        counts[key] = counts.get(key, 0) + 1
    table = RecommendationDaily.__table__.c
    # Sorted like add_counts, so that concurrent writers lock the rows in one order.
    for (day, placement, reason), n in sorted(counts.items()):
        session.execute(
            update(RecommendationDaily)
            .where(table.day == day, table.placement == placement, table.reason == reason)
            .values(clicks=case((table.clicks > n, table.clicks - n), else_=0))
            .execution_options(synchronize_session=False))
    return sum(counts.values())


def add_counts(session: Session, counts: Mapping[Key, tuple[int, int]]) -> None:
    """Add (impressions, clicks) to each key's row, creating it when missing: one statement
    that inserts or adds, so concurrent writers never lose a count nor collide, on SQLite
    and PostgreSQL alike. Keys go in sorted, so that two writers lock shared rows in the
    same order (no deadlock on PostgreSQL)."""
    if not counts:
        return
    rows = [{"day": day, "placement": placement, "reason": reason, "impressions": shown,
             "clicks": clicked}
            for (day, placement, reason), (shown, clicked) in sorted(counts.items())]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RecommendationDaily)
    table = RecommendationDaily.__table__.c
    session.execute(statement.on_conflict_do_update(
        index_elements=["day", "placement", "reason"],
        set_={"impressions": table.impressions + statement.excluded.impressions,
              "clicks": table.clicks + statement.excluded.clicks}), rows)


"""Popular searches: how often each query found products, per day, with nobody's name on
it, and the most searched queries offered back in the search box as completions.

What is stored, and only this: a query's words (as ``search_terms`` reads them, joined by a
space), a day (UTC) and a count (``PopularSearch``). No customer id, session, address,
device or time of day, so that no row can be traced back to anyone.

Why it needs no consent: such a row is an anonymous aggregate, not personal data. A query is
counted only when every one of its words is a word of the catalogue's own text (titles,
brands, category names: ``Vocabulary``): whatever a shopper types about themselves (their
name, an e-mail address, a phone or order number) is never stored, so a popular term can
only repeat what the shop itself printed. A query is shown to shoppers only once searched at
least ``minimum`` times within the window (a k-anonymity-style floor: a query hardly anyone
used is never displayed), and erasing a customer has nothing to remove here. The floor
counts searches, not people (counting people would mean storing who searched).

Reading sits on the type-ahead's path (one call per keystroke), so each process keeps the
window's popular queries in memory and a keystroke costs a bisection, no database read. This
process's own searches update that copy as they are counted; other processes' show once it
is read again (after ``CACHE_SECONDS``, by a thread of its own while the old copy serves).
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Container
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Pool, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.errors import Overloaded
from prefero.search.fulltext import search_terms
from prefero.search.models import PopularSearch
from prefero.search.vocabulary import Vocabulary, vocabulary_of

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["CACHE_SECONDS", "FLUSH_SECONDS", "MINIMUM", "RETENTION_DAYS", "WINDOW_DAYS",
           "count_search", "countable_query", "flush_searches", "popular_completions",
           "prune_popular", "record_search", "with_popular"]

#: Days a query's searches count towards "popular" (today included).
WINDOW_DAYS = 30
#: Searches within the window before a query is ever shown (``Settings.popular_search_minimum``).
MINIMUM = 5
#: Days of counts kept; ``prefero maintain`` deletes older ones (``prune_popular``).
RETENTION_DAYS = 90
#: Longest normalised query counted: the column's length. A longer one is not counted
#: rather than cut, since a cut query is not what anybody searched.
MAX_QUERY_LENGTH = 200
#: How long a process serves its copy of the popular queries before reading them again.
CACHE_SECONDS = 300.0
#: Longest a count waits in its process before it is written (``count_search``).
FLUSH_SECONDS = 10.0
#: Most queries a process keeps (the most searched); a completion further down the long
#: tail would never make the few shown anyway.
CACHED_QUERIES = 10_000

Sessions = Callable[[], AbstractContextManager[Session]]


def countable_query(query: str, *, found: int, known: Container[str]) -> str | None:
    """The normalised form of ``query`` to count, or ``None`` when it must not be counted:
    it found nothing, has no words, is longer than ``MAX_QUERY_LENGTH``, or holds a word
    not in ``known`` (the catalogue's words, ``Vocabulary.count``; whole words only: a name
    is not a catalogue word because some catalogue word starts with it).

    >>> known = {"apple", "macbook", "air"}
    >>> countable_query("Apple  MacBook!", found=2, known=known)
    'apple macbook'
    >>> countable_query("macbook jan.kowalski@example.com", found=2, known=known) is None
    True
    >>> countable_query("macbook", found=0, known=known) is None
    True
    >>> countable_query("1 2 3", found=2, known={"1", "2", "3"}) is None
    True
    """
    terms = search_terms(query)
    if found <= 0 or not terms or not all(term in known for term in terms):
        return None
    if not any(letter.isalpha() for term in terms for letter in term):
        return None  # numbers alone say nothing of a product, and could be anyone's
    normalised = " ".join(terms)
    return normalised if len(normalised) <= MAX_QUERY_LENGTH else None


def record_search(session: Session, *, query: str, found: int, vocabulary: Vocabulary,
                  day: date | None = None, times: int = 1) -> str | None:
    """Count one search (or ``times`` alike) of ``query`` that found ``found`` products, on
    ``day`` (today, UTC), when ``countable_query`` allows it; answer what was counted, or
    ``None``. Only the query's words and the day are written (see the module's docstring
    for why that is safe without consent). One statement that inserts or adds, so
    concurrent searches of one query never lose a count nor collide on SQLite or
    PostgreSQL.

    >>> record_search(session, query="Apple MacBook", found=2,
    ...               vocabulary=vocabulary_of(index))  # doctest: +SKIP
    'apple macbook'
    """
    counted = countable_query(query, found=found, known=vocabulary.count)
    if counted is None:
        return None
    day = day or utcnow().date()
    values = {"query": counted, "day": day, "count": times}
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(PopularSearch).values(values)
        session.execute(pg.on_conflict_do_update(
            index_elements=["query", "day"], set_={"count": PopularSearch.count + times}))
    else:
        lite = sqlite_insert(PopularSearch).values(values)
        session.execute(lite.on_conflict_do_update(
            index_elements=["query", "day"], set_={"count": PopularSearch.count + times}))
    _count_in_memory(session, counted, day, times=times)
    return counted


def count_search(runtime: Runtime, *, query: str, corrected_query: str | None,
                 found: int) -> str | None:
    """Count a search that found ``found`` products (``query``, or ``corrected_query`` when
    search answered for that one instead): for a route to run after it answered (a
    background task), so that the search's own session only reads. Counts wait in the
    process until ``Settings.popular_search_batch`` of them are due or the oldest has
    waited ``FLUSH_SECONDS``, then go in one unit of work (``flush_searches``): on SQLite
    each write takes the one writer's turn, and a count is worth less than that turn. A
    process that dies loses what waits (an anonymous tally, not an acknowledged write);
    a database too busy to take the write loses that batch rather than failing anything.

    >>> background.add_task(count_search, runtime, query=q, found=result.total_hits,
    ...                     corrected_query=result.corrected_query)  # doctest: +SKIP
    """
    query = corrected_query or query
    if found <= 0 or not search_terms(query):
        return None
    index = runtime.recommender.held_index
    if index is None:
        with runtime.session() as session:
            index, _model = runtime.recommender.snapshot(session)
    counted = countable_query(query, found=found, known=vocabulary_of(index).count)
    if counted is None:
        return None
    now = time.monotonic()
    with _lock:
        waiting = _waiting.setdefault(runtime.engine.pool, _Waiting(since=now))
        waiting.counts[(counted, utcnow().date())] += 1
        due = (sum(waiting.counts.values()) >= runtime.settings.popular_search_batch
               or now - waiting.since >= FLUSH_SECONDS)
    if due:
        flush_searches(runtime)
    return counted


def flush_searches(runtime: Runtime) -> int:
    """Write the counts waiting in this process, in one unit of work; answer how many
    searches were written (0 when nothing waited or the database was too busy)."""
    with _lock:
        waiting = _waiting.pop(runtime.engine.pool, None)
    if waiting is None or not waiting.counts:
        return 0
    try:
        with runtime.session() as session:
            index, _model = runtime.recommender.snapshot(session)
        vocabulary = vocabulary_of(index)
        with runtime.session(write=True) as session:
            for (query, day), times in sorted(waiting.counts.items()):
                record_search(session, query=query, found=1, vocabulary=vocabulary, day=day,
                              times=times)
    except Overloaded:
        return 0
    return sum(waiting.counts.values())


@dataclass
class _Waiting:
    """Counts of one database waiting in this process: (query, day) → searches."""

    since: float
    counts: Counter[tuple[str, date]] = field(default_factory=Counter)


def popular_completions(session: Session, *, prefix_terms: list[str], limit: int,
                        days: int = WINDOW_DAYS, minimum: int = MINIMUM,
                        today: date | None = None) -> list[str]:
    """The queries searched at least ``minimum`` times in the last ``days`` days (today
    included) that start with the typed words (``prefix_terms``; the last may be half
    typed), most searched first, ties alphabetically; at most ``limit``.

    >>> popular_completions(session, prefix_terms=["apple", "mac"],
    ...                     limit=5)  # doctest: +SKIP
    ['apple macbook air', 'apple macbook']
    """
    prefix = " ".join(prefix_terms)
    if not prefix or limit < 1:
        return []
    today = today or utcnow().date()
    kept = _popular(session, today=today, days=days, minimum=minimum)
    with _lock:
        found = []
        at = bisect.bisect_left(kept.ordered, prefix)
        while at < len(kept.ordered) and kept.ordered[at].startswith(prefix):
            found.append((-kept.counts[kept.ordered[at]], kept.ordered[at]))
            at += 1
    found.sort()
    return [query for _count, query in found[:limit]]


def with_popular(session: Session, *, prefix_terms: list[str], completions: list[str],
                 limit: int, minimum: int = MINIMUM) -> list[str]:
    """``completions`` with the popular ones completing ``prefix_terms`` in front, each
    once, at most ``limit``: what the search box offers.

    >>> with_popular(session, prefix_terms=["mac"], completions=["macbook"],
    ...              limit=5)  # doctest: +SKIP
    ['macbook air', 'macbook']
    """
    popular = popular_completions(session, prefix_terms=prefix_terms, limit=limit,
                                  minimum=minimum)
    return list(dict.fromkeys([*popular, *completions]))[:limit]


def prune_popular(sessions: Sessions, *, keep_days: int = RETENTION_DAYS,
                  today: date | None = None) -> int:
    """Delete the counts of days before the last ``keep_days`` (today included), one day
    per transaction so that no writer waits long; answer the rows deleted.

    >>> prune_popular(partial(runtime.session, write=True))  # doctest: +SKIP
    0
    """
    cutoff = (today or utcnow().date()) - timedelta(days=keep_days - 1)
    with sessions() as session:
        old = list(session.scalars(select(PopularSearch.day).where(PopularSearch.day < cutoff)
                                   .distinct().order_by(PopularSearch.day)))
    deleted = 0
    for day in old:
        with sessions() as session:
            result = session.execute(delete(PopularSearch).where(PopularSearch.day == day))
            deleted += int(getattr(result, "rowcount", 0))
    return deleted


@dataclass
class _Kept:
    """One process's copy of a window's popular queries (changed only under ``_lock``)."""

    since: date
    until: date
    minimum: int
    loaded_at: float
    counts: dict[str, int]
    ordered: list[str]  # the same queries, sorted, for bisection by prefix
    #: A newer copy is being read (by a thread of its own) while this one still serves.
    reloading: bool = False


_lock = threading.Lock()
# Per database: by its connection pool, which a runtime's engine and its write-marked copy
# share; held weakly, so that a runtime closed and a new one opened on the same URL (every
# test on PostgreSQL) never reads another's copy.
_kept: weakref.WeakKeyDictionary[Pool, dict[tuple[int, int], _Kept]] = (
    weakref.WeakKeyDictionary())
# Per database, as ``_kept``: the counts waiting for ``flush_searches``.
_waiting: weakref.WeakKeyDictionary[Pool, _Waiting] = weakref.WeakKeyDictionary()
_log = logging.getLogger(__name__)


def _engine(session: Session) -> Engine:
    bind: Any = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _database(session: Session) -> Pool:
    return _engine(session).pool


def _popular(session: Session, *, today: date, days: int, minimum: int) -> _Kept:
    """The copy for this window: kept; when old, still served while a thread reads anew
    (aggregating a month of counts took 0.1-0.3 s at 270,000 rows on SQLite, too long for
    a keystroke); read here only the first time, or on a new day."""
    database, now = _database(session), time.monotonic()
    with _lock:
        kept = _kept.get(database, {}).get((days, minimum))
        if kept is not None and kept.until == today:
            if now - kept.loaded_at >= CACHE_SECONDS and not kept.reloading:
                kept.reloading = True
                threading.Thread(target=_reload, args=(_engine(session), today, days, minimum),
                                 name="prefero-popular-searches", daemon=True).start()
            return kept
    return _load(session, today=today, days=days, minimum=minimum)


def _reload(engine: Engine, today: date, days: int, minimum: int) -> None:
    try:
        with Session(engine) as session:
            _load(session, today=today, days=days, minimum=minimum)
    except Exception:
        # The old copy goes on serving; the next keystroke past its age tries again.
        _log.exception("reading the popular searches failed")
        with _lock:
            kept = _kept.get(engine.pool, {}).get((days, minimum))
            if kept is not None:
                kept.reloading = False


def _load(session: Session, *, today: date, days: int, minimum: int) -> _Kept:
    since = today - timedelta(days=days - 1)
    now = time.monotonic()
    total = func.sum(PopularSearch.count)
    rows = session.execute(
        select(PopularSearch.query, total).where(PopularSearch.day >= since,
                                                 PopularSearch.day <= today)
        .group_by(PopularSearch.query).having(total >= minimum)
        .order_by(total.desc(), PopularSearch.query).limit(CACHED_QUERIES)).all()
    counts = {str(query): int(count) for query, count in rows}
    kept = _Kept(since=since, until=today, minimum=minimum, loaded_at=now, counts=counts,
                 ordered=sorted(counts))
    with _lock:
        _kept.setdefault(_database(session), {})[(days, minimum)] = kept
    return kept


def _count_in_memory(session: Session, query: str, day: date, *, times: int = 1) -> None:
    """Bring this process's copies up to date with one search just counted: one more for a
    query already popular; a query that has just reached its floor joins (one indexed
    read: its days in the window). Others' searches arrive with the next reload."""
    with _lock:
        copies = list(_kept.get(_database(session), {}).values())
    for kept in copies:
        if not kept.since <= day <= kept.until:
            continue
        with _lock:
            if query in kept.counts:
                kept.counts[query] += times
                continue
        total = int(session.scalar(select(func.coalesce(func.sum(PopularSearch.count), 0))
                                   .where(PopularSearch.query == query,
                                          PopularSearch.day >= kept.since,
                                          PopularSearch.day <= kept.until)) or 0)
        if total >= kept.minimum:
            with _lock:
                if query not in kept.counts:
                    kept.counts[query] = total
                    bisect.insort(kept.ordered, query)

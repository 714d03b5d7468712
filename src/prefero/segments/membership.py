"""Stored segment membership: which segments a customer is in now (``segments_of``, the
request path's one read), kept fresh three ways:

- incrementally: customers whose facts changed (``prefero.segments.dirty``) are
  re-evaluated in batches with the in-memory evaluator, and only the differences written
  (``refresh``, ``flush_dirty``);
- by the periodic sweep (``prefero maintain``): segments whose membership changes with time
  alone ("2 purchases in 30 days") are re-read with the SQL compiler (``sweep``);
- in full when a segment is created or its condition changes (``rebuild``).

Anonymous visitors are customers too and belong to segments (content can target "new
visitors who looked at running shoes"); exports leave them out (``prefero.segments.export``).
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy import Pool, and_, delete, exists, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import consent_defaults
from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, Overloaded
from prefero.segments import dirty
from prefero.segments.compile import compile_condition
from prefero.segments.conditions import (
    Behaviour,
    Condition,
    ConsentCondition,
    Declared,
    QuizAnswer,
    Rfm,
    TraitCondition,
    leaves,
    parse_condition,
)
from prefero.segments.evaluate import evaluate
from prefero.segments.facts import load_facts
from prefero.segments.models import Segment, SegmentMember

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = [
    "Changes",
    "LiveSegment",
    "SegmentMembershipRecord",
    "count_waiting",
    "defaults_of",
    "exported_memberships",
    "flush_dirty",
    "install_refresh",
    "live_segments",
    "maintain_segments",
    "rebuild",
    "refresh",
    "segments_of",
    "sweep",
]

_log = logging.getLogger("prefero.segments")
_CHUNK = 900


@dataclass(frozen=True)
class LiveSegment:
    """A stored segment with its condition parsed."""

    id: int
    key: str
    condition: Condition
    windowed: bool


@dataclass(frozen=True)
class Changes:
    """What a refresh wrote: customers looked at, memberships begun and ended."""

    customers: int = 0
    joined: int = 0
    left: int = 0

    def __add__(self, other: Changes) -> Changes:
        return Changes(self.customers + other.customers, self.joined + other.joined,
                       self.left + other.left)


def segments_of(session: Session, customer_id: str) -> frozenset[str]:
    """The keys of the segments the customer belongs to now (stored membership: one indexed
    read).

    >>> segments_of(session, "c1")  # doctest: +SKIP
    frozenset({'vegans', 'new-visitors'})
    """
    return frozenset(session.scalars(
        select(Segment.key).join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .where(SegmentMember.customer_id == customer_id)))


class SegmentMembershipRecord(BaseModel):
    """A segment the customer is in, for the customer's own data export."""

    segment: str = Field(description="The segment's key")
    name: str
    since: datetime = Field(description="When the customer joined it")


def exported_memberships(session: Session, customer_id: str) -> list[SegmentMembershipRecord]:
    """The customer's segments, by key: what their data export lists."""
    return [SegmentMembershipRecord(segment=key, name=name, since=since)
            for key, name, since in session.execute(
                select(Segment.key, Segment.name, SegmentMember.since)
                .join(SegmentMember, SegmentMember.segment_id == Segment.id)
                .where(SegmentMember.customer_id == customer_id).order_by(Segment.key))]


# Parsed conditions by their JSON text: the text is the whole key, so that a segment
# changed, or deleted and its id reused, never meets another's parsed tree.
_parsed: dict[str, Condition] = {}


def live_segments(session: Session) -> list[LiveSegment]:
    """Every stored segment, its condition parsed (each distinct condition parsed once per
    process)."""
    out = []
    for sid, key, raw, windowed in session.execute(
            select(Segment.id, Segment.key, Segment.condition, Segment.windowed)
            .order_by(Segment.id)):
        text = json.dumps(raw, sort_keys=True)
        condition = _parsed.get(text)
        if condition is None:
            try:
                condition = parse_condition(raw)
            except InvalidInput:
                # Stored under other rules (a limit tightened since): the others stay fresh.
                _log.error("segment %r holds a condition that no longer parses", key)
                continue
            if len(_parsed) > 10_000:
                _parsed.clear()
            _parsed[text] = condition
        out.append(LiveSegment(sid, key, condition, bool(windowed)))
    return out


def _longest_window(segments: Sequence[LiveSegment]) -> int | None:
    days = [leaf.days for s in segments for leaf in leaves(s.condition)
            if isinstance(leaf, Behaviour | Rfm)]
    return max(days) if days else None


def _reads(segments: Sequence[LiveSegment]) -> set[str]:
    """The kinds of fact the segments' leaves read (``prefero.segments.facts``)."""
    reads: set[str] = set()
    for segment in segments:
        for leaf in leaves(segment.condition):
            if isinstance(leaf, Declared):
                reads.add("preferences")
            elif isinstance(leaf, ConsentCondition | Behaviour | Rfm):
                reads.add("consents")  # behaviour counts only with tracking consent
            elif isinstance(leaf, TraitCondition):
                reads.add("traits")
            elif isinstance(leaf, QuizAnswer):
                reads.add("quizzes")
    return reads


def _insert(session: Session) -> type:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert  # type: ignore[return-value]


def refresh(session: Session, customer_ids: Sequence[str], *, defaults: Mapping[str, bool],
            now: datetime | None = None) -> Changes:
    """Re-evaluate every segment for these customers (in memory, facts read in a few
    queries) and write only the differences; a customer who no longer exists is skipped.

    >>> refresh(session, ["c1", "c2"], defaults=consent_defaults(settings))  # doctest: +SKIP
    Changes(customers=2, joined=1, left=0)
    """
    now = now or utcnow()
    segments = live_segments(session)
    ids = sorted(set(customer_ids))
    if not segments or not ids:
        return Changes(customers=len(ids))
    window = _longest_window(segments)
    reads = _reads(segments)
    evaluated = {s.id for s in segments}
    since = now - timedelta(days=window) if window is not None else None
    total = Changes()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        facts = load_facts(session, chunk, events_since=since, now=now, reads=reads)
        have: dict[str, set[int]] = {}
        for sid, cid in session.execute(
                select(SegmentMember.segment_id, SegmentMember.customer_id)
                .where(SegmentMember.customer_id.in_(chunk))):
            have.setdefault(cid, set()).add(sid)
        joining: list[dict[str, object]] = []
        leaving: dict[int, list[str]] = {}
        for cid, fact in facts.items():
            want = {s.id for s in segments
                    if evaluate(s.condition, fact, now=now, defaults=defaults)}
            # Only the segments evaluated here: one whose condition no longer parses keeps
            # its members rather than losing them all.
            current = have.get(cid, set()) & evaluated
            joining.extend({"segment_id": sid, "customer_id": cid, "since": now}
                           for sid in sorted(want - current))
            for sid in current - want:
                leaving.setdefault(sid, []).append(cid)
        for sid, gone in leaving.items():
            session.execute(delete(SegmentMember).where(SegmentMember.segment_id == sid,
                                                        SegmentMember.customer_id.in_(gone)))
        if joining:
            # Another process refreshing the same customer at once writes the same rows.
            session.execute(_insert(session)(SegmentMember).on_conflict_do_nothing(
                index_elements=["segment_id", "customer_id"]), joining)
        total += Changes(len(chunk), len(joining), sum(map(len, leaving.values())))
    return total


def rebuild(session: Session, segment_id: int, condition: Condition, *,
            defaults: Mapping[str, bool], now: datetime | None = None) -> Changes:
    """Make the segment's stored members exactly those the compiled condition selects now:
    two statements, whatever the number of customers.

    >>> rebuild(session, 3, condition, defaults=consent_defaults(settings))  # doctest: +SKIP
    Changes(customers=0, joined=120, left=4)
    """
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    holds = compile_condition(condition, now=now, defaults=defaults, dialect=dialect)
    members = select(Customer.id).where(holds)
    # On the connection: the ORM's bulk paths do not report PostgreSQL's row counts.
    connection = session.connection()
    left = connection.execute(delete(SegmentMember).where(
        SegmentMember.segment_id == segment_id,
        SegmentMember.customer_id.not_in(members)))
    absent = ~exists().where(SegmentMember.segment_id == segment_id,
                             SegmentMember.customer_id == Customer.id)
    joined = connection.execute(_insert(session)(SegmentMember).from_select(
        ["segment_id", "customer_id", "since"],
        select(literal(segment_id), Customer.id, literal(now, SegmentMember.since.type))
        .where(and_(holds, absent))).on_conflict_do_nothing(
            index_elements=["segment_id", "customer_id"]),
        execution_options={"preserve_rowcount": True})
    return Changes(0, int(getattr(joined, "rowcount", 0) or 0),
                   int(getattr(left, "rowcount", 0) or 0))


def sweep(session: Session, *, defaults: Mapping[str, bool], now: datetime | None = None
          ) -> Changes:
    """Rebuild every segment whose membership changes with time alone (behaviour and RFM
    windows, a profile's age): what ``prefero maintain`` runs, so that "2 purchases in 30
    days" stops holding once the 30 days pass without another event."""
    now = now or utcnow()
    total = Changes()
    for segment in live_segments(session):
        if segment.windowed:
            total += rebuild(session, segment.id, segment.condition, defaults=defaults,
                             now=now)
    return total


# --------------------------------------------------------------------------- the queue

_runtimes: weakref.WeakKeyDictionary[Pool, weakref.ref[Runtime]] = weakref.WeakKeyDictionary()
_flushing = threading.Lock()


def install_refresh(runtime: Runtime) -> None:
    """Let the writes of ``runtime``'s sessions flush the queue when a batch is due (the API
    calls it at start-up; a process that never does flushes only when told)."""
    _runtimes[runtime.engine.pool] = weakref.ref(runtime)
    dirty.on_due(_maybe_flush)


def _maybe_flush(pool: Pool) -> None:
    ref = _runtimes.get(pool)
    runtime = ref() if ref is not None else None
    if runtime is None:
        return
    count, age = dirty.waiting(pool)
    settings = runtime.settings
    if (count >= settings.segment_refresh_batch or (
            count and age >= settings.segment_refresh_seconds)) and not _flushing.locked():
        # On a thread of its own: the write that made the batch due has its answer to give,
        # and must not wait for a batch of other customers' refreshes.
        threading.Thread(target=_flush_quietly, args=(runtime,), daemon=True,
                         name="prefero-segments").start()


def _flush_quietly(runtime: Runtime) -> None:
    try:
        flush_dirty(runtime)
    except Exception:
        # The changes that triggered it are committed; membership catches up with the
        # next flush or the sweep.
        _log.exception("segment membership refresh failed")


def flush_dirty(runtime: Runtime, *, now: datetime | None = None) -> Changes:
    """Re-evaluate the customers queued in this process, a batch per unit of work; a
    database too busy to take a batch keeps it queued for the next flush.

    >>> flush_dirty(runtime).customers  # doctest: +SKIP
    12
    """
    if not _flushing.acquire(blocking=False):
        return Changes()  # another thread of this process is on it
    try:
        pool = runtime.engine.pool
        defaults = defaults_of(runtime.settings)
        total = Changes()
        while batch := dirty.take(pool, runtime.settings.segment_refresh_batch):
            try:
                with runtime.session(write=True) as session:
                    total += refresh(session, batch, defaults=defaults, now=now)
            except Overloaded:
                dirty.put_back(pool, batch)
                break
            except BaseException:
                dirty.put_back(pool, batch)
                raise
        return total
    finally:
        _flushing.release()


def defaults_of(settings: Settings) -> dict[str, bool]:
    """The shop's consent defaults, as the evaluator and compiler take them."""
    return {purpose: granted for purpose, granted in consent_defaults(settings).items()}


def count_waiting(runtime: Runtime) -> int:
    """Customers queued in this process for a refresh."""
    return dirty.waiting(runtime.engine.pool)[0]



def maintain_segments(runtime: Runtime, *, now: datetime | None = None) -> Changes:
    """The periodic step (``prefero maintain``): what waits in this process's queue, then
    the sweep of the segments that change with time."""
    changes = flush_dirty(runtime, now=now)
    with runtime.session(write=True) as session:
        return changes + sweep(session, defaults=defaults_of(runtime.settings), now=now)

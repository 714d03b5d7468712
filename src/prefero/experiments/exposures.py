"""The exposure log: a unit shown an arm, logged when the arm is actually rendered or served
(not when assigned), once per render.

The request path never writes a row, nor waits for one. Renders wait in their process,
already summed per (experiment, unit, arm), until ``Settings.experiment_exposure_batch``
renders are due or the oldest has waited ``FLUSH_SECONDS``; then the process's one flusher
thread (started with the first render, woken when a batch is due, else when the oldest
render is) adds them in one unit of work: one upsert for the units measured as themselves
(``renders`` += the renders, ``first_at`` the earliest, ``last_at`` the latest) and one for
the anonymous tallies, their rows in key order, so that two processes writing batches at
once on PostgreSQL lock the rows they share in the same order rather than deadlocking.
The API's lifespan flushes what waits when a worker stops (``flush_exposures``, which waits
for a write of the flusher under way, so that what was exposed before it is written when it
returns). A process that dies loses what waits; a batch the database does not take (too
busy, or failing) is logged with its size and dropped rather than kept growing or failing a
page (``prefero.content.decisions`` does the same, for the same reason: on SQLite every
write takes the one writer's turn).

A unit whose customer row is gone by the time the batch is written (erased) is left out:
an erased customer leaves no trace.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Pool, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.db.upsert import upsert
from prefero.errors import Overloaded
from prefero.experiments.models import ExperimentExposure, ExperimentTally
from prefero.experiments.running import Assignment

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["FLUSH_SECONDS", "RENDERS", "Renders", "expose", "flush_exposures",
           "write_exposures"]

_log = logging.getLogger(__name__)

#: Longest a render waits in its process before it is written.
FLUSH_SECONDS = 10.0
#: The tallies' metric for renders of units measured anonymously.
RENDERS = "renders"


@dataclass
class _Seen:
    first: datetime
    last: datetime
    renders: int = 0


@dataclass
class Renders:
    """Renders waiting to be written: per (experiment id, unit, arm) for measured units, per
    (experiment id, arm, day) for anonymous ones."""

    since: float
    count: int = 0
    units: dict[tuple[int, str, str], _Seen] = field(default_factory=dict)
    anonymous: dict[tuple[int, str, date], int] = field(default_factory=dict)

    def add(self, assignment: Assignment, *, unit: str, at: datetime) -> None:
        experiment, arm = assignment.experiment.id, assignment.arm.key
        self.count += 1
        if assignment.measured == "anonymous":
            key = (experiment, arm, at.date())
            self.anonymous[key] = self.anonymous.get(key, 0) + 1
            return
        seen = self.units.get((experiment, unit, arm))
        if seen is None:
            seen = self.units[(experiment, unit, arm)] = _Seen(first=at, last=at)
        seen.last = max(seen.last, at)
        seen.renders += 1


_lock = threading.Lock()
# Per database, by its connection pool, held weakly (see prefero.search.popular).
_waiting: weakref.WeakKeyDictionary[Pool, Renders] = weakref.WeakKeyDictionary()
# The runtime each database's renders are written through, held weakly too: a runtime that is
# gone, or closed (its engine has a new pool), takes what it waited for with it.
_owners: weakref.WeakKeyDictionary[Pool, weakref.ref[Runtime]] = weakref.WeakKeyDictionary()
# Held from taking a batch to having written it (outside ``_lock``, which renders take):
# a flush waits for the flusher's write under way instead of racing it.
_writing = threading.Lock()


def write_exposures(session: Session, renders: Renders) -> int:
    """Add ``renders`` in the caller's unit of work; a unit whose customer row is gone is
    left out. Answers the renders written.

    >>> # write_exposures(session, renders) -> 3
    """
    written = 0
    if renders.units:
        named = {unit for _, unit, _ in renders.units}
        existing = set(session.scalars(select(Customer.id).where(Customer.id.in_(named))))
        # In key order: two batches upserting rows they share lock them in the same order.
        rows = [{"experiment_id": experiment, "unit_id": unit, "arm_key": arm,
                 "first_at": seen.first, "last_at": seen.last, "renders": seen.renders}
                for (experiment, unit, arm), seen in sorted(renders.units.items())
                if unit in existing]
        if rows:
            table = ExperimentExposure
            # SQLite's two-argument min/max are PostgreSQL's least/greatest.
            postgres = session.get_bind().dialect.name == "postgresql"
            earliest, latest = ((func.least, func.greatest) if postgres
                                else (func.min, func.max))
            upsert(session, table, rows, keys=["experiment_id", "unit_id", "arm_key"], updates={
                "renders": lambda new: table.renders + new.renders,
                "first_at": lambda new: earliest(table.first_at, new.first_at),
                "last_at": lambda new: latest(table.last_at, new.last_at)})
            written += sum(seen.renders for (_, unit, _), seen in renders.units.items()
                           if unit in existing)
    if renders.anonymous:
        tally = ExperimentTally
        upsert(session, tally, [
            {"experiment_id": experiment, "arm_key": arm, "day": day, "metric": RENDERS,
             "count": count, "amount": 0}
            for (experiment, arm, day), count in sorted(renders.anonymous.items())],
            keys=["experiment_id", "arm_key", "day", "metric"],
            updates={"count": lambda new: tally.count + new.count})
        written += sum(renders.anonymous.values())
    session.flush()
    return written


def expose(runtime: Runtime, assignment: Assignment | None, *, unit: str | None,
           at: datetime | None = None) -> None:
    """Log one render of ``assignment``'s arm to ``unit`` (nothing for ``None``: the unit
    takes no part). In memory only: the flusher thread writes the batch when it is due.

    >>> # expose(runtime, running.assign(experiment, unit="c1", tracking=True), unit="c1")
    """
    if assignment is None or unit is None:
        return
    with _lock:
        pool = runtime.engine.pool
        waiting = _waiting.get(pool)
        started = waiting is None
        if waiting is None:
            waiting = _waiting[pool] = Renders(since=time.monotonic())
            _owners[pool] = weakref.ref(runtime)
        waiting.add(assignment, unit=unit, at=at or utcnow())
        # A first render starts the flusher's clock; a full batch is due now.
        if started or waiting.count >= runtime.settings.experiment_exposure_batch:
            _flusher.wake()


def flush_exposures(runtime: Runtime) -> int:
    """Write the renders waiting in this process for ``runtime``'s database in one unit of
    work, after the flusher's write under way, if any; answer how many were written (0 when
    none waited or the batch was dropped).

    >>> # flush_exposures(runtime) -> 12
    """
    with _writing:
        with _lock:
            waiting = _waiting.pop(runtime.engine.pool, None)
        if waiting is None or waiting.count == 0:
            return 0
        return _write(runtime, waiting)


def _write(runtime: Runtime, renders: Renders) -> int:
    try:
        with runtime.session(write=True) as session:
            return write_exposures(session, renders)
    except (Overloaded, SQLAlchemyError):
        # Kept, a batch the database refuses would grow and be refused again; a lost batch
        # shows as fewer renders, and the warning says how many.
        _log.warning("experiment exposures dropped: a batch of %d renders was not written",
                     renders.count, exc_info=True)
        return 0


def _write_due() -> None:
    """Write every batch that is due (full, or its oldest render ``FLUSH_SECONDS`` old)."""
    with _writing:
        now = time.monotonic()
        due: list[tuple[Pool, Runtime | None, Renders]] = []
        with _lock:
            for pool, renders in list(_waiting.items()):
                ref = _owners.get(pool)
                owner = ref() if ref is not None else None
                if (owner is None or now - renders.since >= FLUSH_SECONDS
                        or renders.count >= owner.settings.experiment_exposure_batch):
                    del _waiting[pool]
                    due.append((pool, owner, renders))
        for pool, owner, renders in due:
            if owner is not None and owner.engine.pool is pool:
                _write(owner, renders)


def _next_due() -> float | None:
    """Seconds until the oldest render waiting is due (``None``: nothing waits)."""
    with _lock:
        oldest = min((renders.since for renders in _waiting.values()), default=None)
    return None if oldest is None else max(0.0, oldest + FLUSH_SECONDS - time.monotonic())


class _Flusher:
    """The process's one writer of due batches: a daemon thread, started with the first
    render (and again in a forked worker, where no thread of its parent runs)."""

    def __init__(self) -> None:
        self._due = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for a look at the batches now (called under ``_lock``)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="prefero-exposures",
                                            daemon=True)
            self._thread.start()
        self._due.set()

    def _run(self) -> None:
        while True:
            self._due.wait(_next_due())
            # Cleared before the look: a render that wakes it after this line is seen by it.
            self._due.clear()
            try:
                _write_due()
            except Exception:
                # Never the end of the thread: the next batch has its own chance.
                _log.exception("experiment exposures: the flusher failed")


_flusher = _Flusher()

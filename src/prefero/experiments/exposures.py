"""The exposure log: a unit shown an arm, logged when the arm is actually rendered or served
(not when assigned), once per render.

The request path never writes a row itself. Renders wait in their process, already summed
per (experiment, unit, arm), until ``Settings.experiment_exposure_batch`` renders are due or
the oldest has waited ``FLUSH_SECONDS``; then one unit of work adds them: one upsert for the
units measured as themselves (``renders`` += the renders, ``first_at`` the earliest,
``last_at`` the latest) and one for the anonymous tallies. The API's lifespan flushes what
waits when a worker stops. A process that dies loses what waits; a database too busy to take
a batch loses that batch rather than failing a page (``prefero.content.decisions`` does the
same, for the same reason: on SQLite every write takes the one writer's turn).

A unit whose customer row is gone by the time the batch is written (erased) is left out:
an erased customer leaves no trace.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Pool, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.errors import Overloaded
from prefero.experiments.models import ExperimentExposure, ExperimentTally
from prefero.experiments.running import Assignment

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["FLUSH_SECONDS", "RENDERS", "Renders", "expose", "flush_exposures",
           "write_exposures"]

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


def _upsert(session: Session, model: Any, rows: list[dict[str, Any]], *,
            keys: list[str], adds: Mapping[str, Any]) -> None:
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)
    statement = insert(model)
    session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={name: make(statement.excluded) for name, make in
                                   adds.items()}), rows)


def write_exposures(session: Session, renders: Renders) -> int:
    """Add ``renders`` in the caller's unit of work; a unit whose customer row is gone is
    left out. Answers the renders written.

    >>> # write_exposures(session, renders) -> 3
    """
    written = 0
    if renders.units:
        named = {unit for _, unit, _ in renders.units}
        existing = set(session.scalars(select(Customer.id).where(Customer.id.in_(named))))
        rows = [{"experiment_id": experiment, "unit_id": unit, "arm_key": arm,
                 "first_at": seen.first, "last_at": seen.last, "renders": seen.renders}
                for (experiment, unit, arm), seen in renders.units.items()
                if unit in existing]
        if rows:
            table = ExperimentExposure
            # SQLite's two-argument min/max are PostgreSQL's least/greatest.
            postgres = session.get_bind().dialect.name == "postgresql"
            earliest, latest = ((func.least, func.greatest) if postgres
                                else (func.min, func.max))
            _upsert(session, table, rows, keys=["experiment_id", "unit_id", "arm_key"], adds={
                "renders": lambda new: table.renders + new.renders,
                "first_at": lambda new: earliest(table.first_at, new.first_at),
                "last_at": lambda new: latest(table.last_at, new.last_at)})
            written += sum(seen.renders for (_, unit, _), seen in renders.units.items()
                           if unit in existing)
    if renders.anonymous:
        tally = ExperimentTally
        _upsert(session, tally, [
            {"experiment_id": experiment, "arm_key": arm, "day": day, "metric": RENDERS,
             "count": count, "amount": 0}
            for (experiment, arm, day), count in renders.anonymous.items()],
            keys=["experiment_id", "arm_key", "day", "metric"],
            adds={"count": lambda new: tally.count + new.count})
        written += sum(renders.anonymous.values())
    session.flush()
    return written


def expose(runtime: Runtime, assignment: Assignment | None, *, unit: str | None,
           at: datetime | None = None) -> None:
    """Log one render of ``assignment``'s arm to ``unit`` (nothing for ``None``: the unit
    takes no part); write the batch when it is due.

    >>> # expose(runtime, running.assign(experiment, unit="c1", tracking=True), unit="c1")
    """
    if assignment is None or unit is None:
        return
    now = time.monotonic()
    with _lock:
        waiting = _waiting.get(runtime.engine.pool)
        if waiting is None:
            waiting = _waiting[runtime.engine.pool] = Renders(since=now)
        waiting.add(assignment, unit=unit, at=at or utcnow())
        due = (waiting.count >= runtime.settings.experiment_exposure_batch
               or now - waiting.since >= FLUSH_SECONDS)
    if due:
        flush_exposures(runtime)


def flush_exposures(runtime: Runtime) -> int:
    """Write the renders waiting in this process in one unit of work; answer how many were
    written (0 when none waited or the database was too busy)."""
    with _lock:
        waiting = _waiting.pop(runtime.engine.pool, None)
    if waiting is None or waiting.count == 0:
        return 0
    try:
        with runtime.session(write=True) as session:
            return write_exposures(session, waiting)
    except Overloaded:
        return 0

"""The outcomes of units measured without tracking consent, added at event ingest to the
anonymous per-arm tallies (``experiment_tallies``).

Such a unit's events feed only anonymous counters; for each running experiment that allows
anonymous measurement and would place the unit (``RunningExperiments.assign`` with
``tracking=False``), its outcomes add to that arm's totals of the event's day: ``count``
events of each outcome type and, for purchases, ``amount`` (price × quantity). Nothing names
the unit. A unit with tracking consent adds nothing here: its events are stored, and its
outcomes are read from them. When its consent is withdrawn, its next events come here.

Cheap when nothing applies: without an untracked outcome in the batch nothing is read, and
without a running experiment that measures anonymously nothing is written. Otherwise one
upsert per batch, its keys sorted so that concurrent batches lock the few, hot rows in the
same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.events.schemas import EventIn
from prefero.experiments.models import ExperimentTally
from prefero.experiments.running import Book
from prefero.types import EventType

__all__ = ["OUTCOMES", "Tallies", "add_outcomes", "outcome_tallies"]

#: The event types the tallies count: each is its own metric.
OUTCOMES = frozenset({EventType.REC_CLICK, EventType.ADD_TO_CART, EventType.PURCHASE,
                      EventType.REC_DISMISS})

#: (experiment id, arm, day, metric) -> (events, amount).
Tallies = dict[tuple[int, str, date, str], tuple[int, Decimal]]


def _amount(event: EventIn) -> Decimal:
    if event.type is not EventType.PURCHASE or event.price is None:
        return Decimal(0)
    return event.price * (event.quantity or 1)


def outcome_tallies(session: Session, experiments: Book, events: Sequence[EventIn], *,
                    tracked: Mapping[str, bool]) -> Tallies:
    """What ``events`` add to the tallies; ``tracked``: each person's tracking consent.

    >>> # outcome_tallies(session, runtime.experiments, events, tracked={"v1": False})
    >>> # {(1, 'treatment', date(2026, 12, 6), 'purchase'): (1, Decimal('59.98'))}
    """
    untracked = [e for e in events if e.type in OUTCOMES and not tracked[e.person]]
    if not untracked:
        return {}
    running = experiments.running(session)
    measured = [e for e in running.experiments if e.anonymous_measurement]
    if not measured:
        return {}
    tallies: Tallies = {}
    for event in untracked:
        for experiment in measured:
            placed = running.assign(experiment, unit=event.person, tracking=False)
            if placed is None:
                continue
            key = (experiment.id, placed.arm.key, event.occurred_at.date(), event.type.value)
            count, amount = tallies.get(key, (0, Decimal(0)))
            tallies[key] = (count + 1, amount + _amount(event))
    return dict(sorted(tallies.items()))


def add_outcomes(session: Session, experiments: Book, events: Sequence[EventIn], *,
                 tracked: Mapping[str, bool]) -> int:
    """Add the untracked outcomes of ``events`` to the tallies in the caller's transaction
    (one statement, or none); answers the events counted (once per experiment).

    >>> # add_outcomes(session, runtime.experiments, fresh, tracked=tracked) -> 2
    """
    tallies = outcome_tallies(session, experiments, events, tracked=tracked)
    if not tallies:
        return 0
    rows = [{"experiment_id": experiment, "arm_key": arm, "day": day, "metric": metric,
             "count": count, "amount": amount}
            for (experiment, arm, day, metric), (count, amount) in tallies.items()]
    insert: Any = (pg_insert if session.get_bind().dialect.name == "postgresql"
                   else sqlite_insert)
    statement = insert(ExperimentTally)
    table = ExperimentTally
    session.execute(statement.on_conflict_do_update(
        index_elements=["experiment_id", "arm_key", "day", "metric"],
        set_={"count": table.count + statement.excluded.count,
              "amount": table.amount + statement.excluded.amount}), rows)
    return sum(count for count, _ in tallies.values())

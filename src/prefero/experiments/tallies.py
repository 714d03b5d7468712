"""The outcomes of units measured without tracking consent, added at event ingest to the
anonymous per-arm tallies (``experiment_tallies``), and those tallies read back per arm.

Such a unit's events feed only anonymous counters; for each running experiment that allows
anonymous measurement and would place the unit (``RunningExperiments.assign`` with
``tracking=False``), its outcomes add to that arm's totals of the event's day: ``count``
events of each outcome type and, for purchases, ``amount`` (price × quantity). Nothing names
the unit. A unit with tracking consent adds nothing here: its events are stored, and its
outcomes are read from them. When its consent is withdrawn, its next events come here.

What the totals mean: nothing ties an anonymous outcome to a render (that would take the
unit's identity), so every shopper without tracking consent whom an arm's share places
counts in that arm, shown the arm or not: an intention-to-treat total over all of them.
Placement is a hash, so each arm gets its share of those shoppers, and arms compare as
totals per share of shoppers (``vs_control``), never per render: renders count how often an
arm was shown, not who then bought. Shoppers who never met the experiment dilute a
difference; no test is made on the totals (one shopper's many events are not independent).

Refunds: a refund that carries a price subtracts price × quantity from the arm's revenue
(metric ``refund``). One without a price cannot be valued (the purchase it undoes is not
stored with a name to look it up, unlike a tracked unit's), so it subtracts nothing and is
counted apart (``refund_unpriced``) for the results to say so.

Cheap when nothing applies: without an untracked outcome in the batch nothing is read, and
without a running experiment that measures anonymously nothing is written. Otherwise one
upsert per batch, its keys sorted so that concurrent batches lock the few, hot rows in the
same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.db.upsert import upsert
from prefero.events.schemas import EventIn
from prefero.experiments.exposures import RENDERS
from prefero.experiments.models import ExperimentTally
from prefero.experiments.running import Book
from prefero.types import EventType

__all__ = ["COMPARED", "OUTCOMES", "REFUND", "UNPRICED_REFUND", "AnonymousArm", "Tallies",
           "add_outcomes", "anonymous_totals", "outcome_tallies"]

#: The outcome event types the tallies count, each its own metric, in the results' order.
OUTCOMES = (EventType.REC_CLICK, EventType.ADD_TO_CART, EventType.PURCHASE,
            EventType.REC_DISMISS)
#: The tallies' metric of refunds with a price (``amount``: their value, to subtract).
REFUND = "refund"
#: The tallies' metric of refunds without a price (counted; their value is unknown).
UNPRICED_REFUND = "refund_unpriced"
#: What ``AnonymousArm.vs_control`` compares: each outcome, and the revenue.
COMPARED = (*(kind.value for kind in OUTCOMES), "revenue")

_COUNTED = frozenset({*OUTCOMES, EventType.REFUND})

#: (experiment id, arm, day, metric) -> (events, amount).
Tallies = dict[tuple[int, str, date, str], tuple[int, Decimal]]


def _metric(event: EventIn) -> tuple[str, Decimal]:
    """The tallies' metric of an outcome event, and what it adds to ``amount``."""
    if event.type is EventType.REFUND:
        if event.price is None:
            return UNPRICED_REFUND, Decimal(0)
        return REFUND, event.price * (event.quantity or 1)
    if event.type is EventType.PURCHASE and event.price is not None:
        return event.type.value, event.price * (event.quantity or 1)
    return event.type.value, Decimal(0)


def outcome_tallies(session: Session, experiments: Book, events: Sequence[EventIn], *,
                    tracked: Mapping[str, bool]) -> Tallies:
    """What ``events`` add to the tallies; ``tracked``: each person's tracking consent.

    >>> # outcome_tallies(session, runtime.experiments, events, tracked={"v1": False})
    >>> # {(1, 'treatment', date(2026, 12, 6), 'purchase'): (1, Decimal('59.98'))}
    """
    untracked = [e for e in events if e.type in _COUNTED and not tracked[e.person]]
    if not untracked:
        return {}
    running = experiments.running(session)
    measured = [e for e in running.experiments if e.anonymous_measurement]
    if not measured:
        return {}
    tallies: Tallies = {}
    for event in untracked:
        metric, worth = _metric(event)
        for experiment in measured:
            placed = running.assign(experiment, unit=event.person, tracking=False)
            if placed is None:
                continue
            key = (experiment.id, placed.arm.key, event.occurred_at.date(), metric)
            count, amount = tallies.get(key, (0, Decimal(0)))
            tallies[key] = (count + 1, amount + worth)
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
    table = ExperimentTally
    upsert(session, table, rows, keys=["experiment_id", "arm_key", "day", "metric"],
           updates={"count": lambda new: table.count + new.count,
                    "amount": lambda new: table.amount + new.amount})
    return sum(count for count, _ in tallies.values())


class AnonymousArm(BaseModel):
    """An arm's totals of the shoppers without tracking consent whom its share places, shown
    the arm or not (intention to treat): compared with the control per share of shoppers,
    never per render, and without a test."""

    arm: str
    share: float = Field(description="The arm's share of the experiment's shoppers")
    renders: int = Field(description="Times the arm was shown to them (reach, not a "
                                     "denominator)")
    outcomes: dict[str, int] = Field(description="Events by kind: rec_click, add_to_cart, "
                                                 "purchase, rec_dismiss")
    revenue: float = Field(description="Purchases' value minus that of the refunds that "
                                       "carry a price")
    unpriced_refunds: int = Field(description="Refunds without a price: their value is "
                                              "unknown, so not subtracted from revenue")
    vs_control: dict[str, float | None] = Field(
        description="Each outcome and the revenue per share of shoppers, relative to the "
                    "control's (0.1: 10 % more); null for the control itself and where the "
                    "control has none")


def _relative(value: float, share: float, base: float, base_share: float) -> float | None:
    """``value`` per share against ``base`` per share, as a relative difference."""
    if base <= 0:
        return None
    return (value / share) / (base / base_share) - 1.0


def anonymous_totals(session: Session, experiment_id: int,
                     arms: Sequence[tuple[str, float, bool]]) -> list[AnonymousArm]:
    """The anonymous totals of each of ``arms`` (key, share, control), in their order, from
    one query; empty when nothing was tallied.

    >>> # anonymous_totals(session, 7, [("control", 0.5, True), ("promo", 0.5, False)])
    >>> # [AnonymousArm(arm='control', ...), AnonymousArm(arm='promo', ...,
    >>> #  vs_control={'purchase': 0.12, ...})]
    """
    totals: dict[tuple[str, str], tuple[int, Decimal]] = {
        (arm, metric): (int(count or 0), Decimal(amount or 0))
        for arm, metric, count, amount in session.execute(
            select(ExperimentTally.arm_key, ExperimentTally.metric,
                   func.sum(ExperimentTally.count), func.sum(ExperimentTally.amount))
            .where(ExperimentTally.experiment_id == experiment_id)
            .group_by(ExperimentTally.arm_key, ExperimentTally.metric))}
    if not totals:
        return []

    def total(arm: str, metric: str) -> tuple[int, Decimal]:
        return totals.get((arm, metric), (0, Decimal(0)))

    def revenue(arm: str) -> Decimal:
        return total(arm, EventType.PURCHASE.value)[1] - total(arm, REFUND)[1]

    def compared(arm: str) -> dict[str, float]:
        return {**{kind.value: float(total(arm, kind.value)[0]) for kind in OUTCOMES},
                "revenue": float(revenue(arm))}

    whole = sum(share for _, share, _ in arms)
    control = next(((key, share) for key, share, is_control in arms if is_control), None)
    base = compared(control[0]) if control is not None else None
    answer = []
    for key, share, is_control in arms:
        mine = compared(key)
        answer.append(AnonymousArm(
            arm=key, share=share / whole, renders=total(key, RENDERS)[0],
            outcomes={kind.value: total(key, kind.value)[0] for kind in OUTCOMES},
            revenue=float(revenue(key)), unpriced_refunds=total(key, UNPRICED_REFUND)[0],
            vs_control={name: None if base is None or control is None or is_control
                        else _relative(mine[name], share, base[name], control[1])
                        for name in COMPARED}))
    return answer

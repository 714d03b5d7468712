"""The in-memory evaluator: does one customer's ``Facts`` meet a condition now? For the
request path and the incremental refresh; ``prefero.segments.compile`` answers the same
question in SQL for counts and exports (the meaning of each condition is in
``prefero.segments.conditions``)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prefero.segments.conditions import (
    And,
    Behaviour,
    Condition,
    ConsentCondition,
    Declared,
    Not,
    Or,
    ProfileCondition,
    QuizAnswer,
    Rfm,
    TraitCondition,
)
from prefero.segments.facts import Facts

__all__ = ["COMPARE", "consent_in_force", "evaluate", "purchase_cents"]

#: The comparison each ``op`` names.
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
    "gt": operator.gt, "gte": operator.ge,
}


def consent_in_force(facts: Facts, purpose: str, defaults: Mapping[str, bool]) -> bool:
    """The newest ledger row's answer, else the shop's default."""
    return facts.consents.get(purpose, defaults.get(purpose, False))


def purchase_cents(price: Decimal | None, quantity: int | None) -> int:
    """A purchase's value in hundredths (a missing price is 0, a missing quantity 1): whole
    numbers, so that sums are exact on SQLite's floating-point columns too."""
    cents = 0 if price is None else int((Decimal(price) * 100).to_integral_value())
    return cents * (1 if quantity is None else quantity)


def _profile(condition: ProfileCondition, facts: Facts, now: datetime) -> bool:
    if condition.field == "created_days_ago":
        if facts.created_at is None:
            return False
        # Whole days elapsed: floor, so that "30" holds for the whole 30th day.
        days = (now - facts.created_at) // timedelta(days=1)
        actual: Any = days
    else:
        actual = getattr(facts, condition.field)
    if condition.op == "exists":
        return (actual is not None) == condition.value
    if actual is None:
        return False
    values = condition.values()
    if condition.op == "in":
        return any(actual == value for value in values)
    return COMPARE[condition.op](actual, values[0])


def _window(facts: Facts, event: str, days: int, now: datetime,
            defaults: Mapping[str, bool]) -> list[Any]:
    if not consent_in_force(facts, "tracking", defaults):
        return []  # behaviour counts only while the customer lets it be linked to them
    start = now - timedelta(days=days)
    return [e for e in facts.events if e.type == event and start < e.occurred_at <= now]


def _rfm(condition: Rfm, facts: Facts, now: datetime, defaults: Mapping[str, bool]) -> bool:
    purchases = _window(facts, "purchase", condition.days, now, defaults)
    compare = COMPARE[condition.op]
    if condition.measure == "frequency":
        return compare(len(purchases), condition.value)
    if condition.measure == "monetary":
        total = sum(purchase_cents(e.price, e.quantity) for e in purchases)
        return compare(Decimal(total), Decimal(str(condition.value)) * 100)
    if not purchases:
        return False
    latest = max(e.occurred_at for e in purchases)
    # recency < v  ⇔  latest > now - v days: compared as times, as the SQL does.
    cutoff = now - timedelta(days=condition.value)
    flipped = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}[condition.op]
    return COMPARE[flipped](latest, cutoff)


def evaluate(condition: Condition, facts: Facts, *, now: datetime,
             defaults: Mapping[str, bool]) -> bool:
    """Whether the customer of ``facts`` meets ``condition`` at ``now``; ``defaults`` are
    the shop's consent defaults (``prefero.customers.consent.consent_defaults``).

    >>> from prefero.segments.conditions import parse_condition
    >>> vegan = parse_condition({"type": "declared", "kind": "like", "facet": "diet",
    ...                          "value": "vegan"})
    >>> evaluate(vegan, Facts("c1", preferences={("like", "diet", "vegan")}),
    ...          now=datetime(2026, 1, 1), defaults={})
    True
    """
    if isinstance(condition, And):
        return all(evaluate(c, facts, now=now, defaults=defaults) for c in condition.conditions)
    if isinstance(condition, Or):
        return any(evaluate(c, facts, now=now, defaults=defaults) for c in condition.conditions)
    if isinstance(condition, Not):
        return not evaluate(condition.condition, facts, now=now, defaults=defaults)
    if isinstance(condition, ProfileCondition):
        return _profile(condition, facts, now)
    if isinstance(condition, Declared):
        return (condition.kind, condition.facet, condition.value) in facts.preferences
    if isinstance(condition, TraitCondition):
        score = facts.traits.get(condition.trait)
        return score is not None and COMPARE[condition.op](score, condition.value)
    if isinstance(condition, ConsentCondition):
        return consent_in_force(facts, condition.purpose, defaults) == condition.granted
    if isinstance(condition, QuizAnswer):
        chosen = facts.quiz_answers.get(condition.quiz_id, {}).get(condition.question, set())
        return condition.option in chosen
    if isinstance(condition, Behaviour):
        count = len(_window(facts, condition.event.value, condition.days, now, defaults))
        return condition.min <= count and (condition.max is None or count <= condition.max)
    if isinstance(condition, Rfm):
        return _rfm(condition, facts, now, defaults)
    raise TypeError(f"not a condition: {condition!r}")  # pragma: no cover

"""The in-memory evaluator on facts with a known answer: the boundaries of each definition
(whole days of a profile's age, the window's open start, the newest consent row, the
default for a purpose never answered, tracking consent gating behaviour, money in cents)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from prefero.segments.conditions import parse_condition
from prefero.segments.evaluate import evaluate
from prefero.segments.facts import EventFact, Facts

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEFAULTS = {"tracking": False, "personalization": True, "marketing_email": False}


def holds(raw: dict[str, Any], facts: Facts) -> bool:
    return evaluate(parse_condition(raw), facts, now=NOW, defaults=DEFAULTS)


def bought(*ages: float, price: str | None = "10.00", quantity: int | None = 1,
           tracked: bool = True) -> Facts:
    return Facts("c1", consents={"tracking": tracked}, events=[
        EventFact("purchase", NOW - timedelta(days=age),
                  None if price is None else Decimal(price), quantity) for age in ages])


def test_profile_fields_and_missing_values() -> None:
    facts = Facts("c1", level=None, budget_max=Decimal("25.50"),
                  created_at=NOW - timedelta(days=30))
    assert not holds({"type": "profile", "field": "level", "op": "ne", "value": "full"}, facts)
    assert holds({"type": "not", "condition": {"type": "profile", "field": "level",
                                               "op": "eq", "value": "full"}}, facts)
    assert holds({"type": "profile", "field": "level", "op": "exists", "value": False}, facts)
    assert holds({"type": "profile", "field": "budget_max", "op": "eq", "value": 25.5}, facts)
    assert holds({"type": "profile", "field": "budget_max", "op": "in", "value": [1, 25.5]},
                 facts)
    # Exactly 30 days old: the 30th day has begun, the 31st has not.
    age = {"type": "profile", "field": "created_days_ago"}
    assert holds({**age, "op": "eq", "value": 30}, facts)
    assert holds({**age, "op": "gte", "value": 30}, facts)
    assert not holds({**age, "op": "gt", "value": 30}, facts)
    younger = Facts("c1", created_at=NOW - timedelta(days=30) + timedelta(seconds=1))
    assert holds({**age, "op": "eq", "value": 29}, younger)


def test_declared_likes_and_dislikes_by_the_weights_sign() -> None:
    facts = Facts("c1", preferences={("like", "diet", "vegan"), ("dislike", "brand", "acme"),
                                     ("never", "allergen", "gluten")})
    declared = {"type": "declared"}
    assert holds({**declared, "kind": "like", "facet": "diet", "value": "vegan"}, facts)
    assert not holds({**declared, "kind": "dislike", "facet": "diet", "value": "vegan"}, facts)
    assert holds({**declared, "kind": "dislike", "facet": "brand", "value": "acme"}, facts)
    assert holds({**declared, "kind": "never", "facet": "allergen", "value": "gluten"}, facts)
    assert not holds({**declared, "kind": "must", "facet": "allergen", "value": "gluten"},
                     facts)


def test_consent_in_force_is_the_newest_row_else_the_default() -> None:
    email = {"type": "consent", "purpose": "marketing_email", "granted": True}
    personal = {"type": "consent", "purpose": "personalization", "granted": True}
    assert not holds(email, Facts("c1"))
    assert holds(personal, Facts("c1"))
    assert not holds(personal, Facts("c1", consents={"personalization": False}))
    assert holds(email, Facts("c1", consents={"marketing_email": True}))


def test_behaviour_windows_and_tracking_consent() -> None:
    twice = {"type": "behaviour", "event": "purchase", "min": 2, "days": 30}
    assert holds(twice, bought(1, 29.9))
    # The window's start is open: an event exactly 30 days old is out of "the last 30 days".
    assert not holds(twice, bought(1, 30))
    assert not holds(twice, bought(1, -0.5))  # a future event is not behaviour yet
    assert not holds(twice, bought(1, 2, tracked=False))
    at_most = {"type": "behaviour", "event": "purchase", "min": 0, "max": 1, "days": 30}
    assert holds(at_most, bought()) and holds(at_most, bought(3))
    assert not holds(at_most, bought(3, 4))
    assert holds(at_most, bought(3, 4, tracked=False))  # without consent, no behaviour


def test_recency_frequency_monetary() -> None:
    rfm = {"type": "rfm", "days": 365}
    facts = bought(2, 40, price="9.99", quantity=3)
    assert holds({**rfm, "measure": "recency_days", "op": "lt", "value": 2.5}, facts)
    assert not holds({**rfm, "measure": "recency_days", "op": "gt", "value": 2}, facts)
    assert holds({**rfm, "measure": "frequency", "op": "gte", "value": 2}, facts)
    # 2 × 3 × 9.99 = 59.94, exactly, in cents.
    assert holds({**rfm, "measure": "monetary", "op": "gte", "value": 59.94}, facts)
    assert not holds({**rfm, "measure": "monetary", "op": "gt", "value": 59.94}, facts)
    assert not holds({**rfm, "measure": "recency_days", "op": "gt", "value": 0}, bought())
    assert holds({**rfm, "measure": "monetary", "op": "lte", "value": 0},
                 bought(1, price=None))


def test_quiz_answers_come_from_the_latest_stored_session() -> None:
    facts = Facts("c1", quiz_answers={"diet-quiz": {"diet": {"vegan"}}})
    answer = {"type": "quiz_answer", "quiz_id": "diet-quiz", "question": "diet"}
    assert holds({**answer, "option": "vegan"}, facts)
    assert not holds({**answer, "option": "meat"}, facts)
    assert not holds({**answer, "quiz_id": "other", "option": "vegan"}, facts)

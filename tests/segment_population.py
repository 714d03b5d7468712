"""Small random populations of customers for the segment tests, the strategies that draw
them and condition trees over them, and a naive evaluator: a third reading of the condition
language that applies each definition of ``prefero.segments.conditions`` literally to the
raw rows, sharing no code with the evaluator or the compiler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from sqlalchemy.orm import Session

from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.events.models import Event
from prefero.quizzes.models import CustomerTrait, QuizSession

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PURPOSES = ("tracking", "personalization", "context", "marketing_email", "marketing_push")
# The shop's defaults as prefero.config has them: personalization granted, the rest not.
DEFAULTS = {"tracking": False, "personalization": True, "context": False,
            "marketing_email": False, "marketing_push": False}
TRAITS = ("openness", "conscientiousness")
# Ages in days, boundaries of the windows below included (exactly 30 days, a future event).
AGES = (-1.0, 0.1, 1.0, 1.5, 29.9, 30.0, 30.1, 89.0, 91.0, 400.0)


@dataclass
class Person:
    id: str
    anonymous: bool = False
    level: str | None = None
    exploration: bool = True
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    time_zone: str | None = None
    created_days: float = 10.0
    # (kind, facet, value, weight)
    preferences: list[tuple[str, str, str, float | None]] = field(default_factory=list)
    consents: list[tuple[str, bool]] = field(default_factory=list)  # in ledger order
    traits: dict[str, float] = field(default_factory=dict)
    # (session id, stored?, age in days, {question: [options]})
    quizzes: list[tuple[str, bool, float, dict[str, list[str]]]] = field(default_factory=list)
    # (type, age in days, price, quantity)
    events: list[tuple[str, float, Decimal | None, int | None]] = field(default_factory=list)


_PREFERENCES = (("like", "diet", "vegan"), ("never", "allergen", "gluten"),
                ("must", "diet", "vegan"), ("size", "shoes", "42"), ("like", "brand", "acme"))


@st.composite
def people(draw: st.DrawFn, max_size: int = 6) -> list[Person]:
    """A population of up to ``max_size`` customers with every kind of fact."""
    size = draw(st.integers(0, max_size))
    out = []
    for n in range(size):
        person = Person(
            id=f"c{n}", anonymous=draw(st.booleans()),
            level=draw(st.sampled_from([None, "off", "declared", "balanced", "full"])),
            exploration=draw(st.booleans()),
            budget_min=draw(st.sampled_from([None, Decimal("10.00"), Decimal("25.50")])),
            budget_max=draw(st.sampled_from([None, Decimal("25.50"), Decimal("100.00")])),
            time_zone=draw(st.sampled_from([None, "Europe/Warsaw", "UTC"])),
            created_days=draw(st.sampled_from([0.5, 1.0, 29.5, 30.0, 31.0, 400.0])))
        for kind, facet, value in draw(st.lists(st.sampled_from(_PREFERENCES), unique=True,
                                                max_size=3)):
            weight = draw(st.sampled_from([1.0, 0.5, -0.5])) if kind == "like" else None
            person.preferences.append((kind, facet, value, weight))
        # Tracking granted first more often than not: behaviour counts only with it.
        person.consents = ([("tracking", True)] if draw(st.integers(0, 3)) else []) + draw(
            st.lists(st.tuples(st.sampled_from(PURPOSES), st.booleans()), max_size=3))
        person.traits = draw(st.dictionaries(st.sampled_from(TRAITS),
                                             st.sampled_from([0.0, 0.5, 1.0, 3.0]), max_size=2))
        for q in range(draw(st.integers(0, 2))):
            chosen = draw(st.lists(st.sampled_from(["vegan", "meat"]), unique=True,
                                   max_size=2))
            person.quizzes.append((f"s-{n}-{q}", draw(st.booleans()),
                                   draw(st.sampled_from([1.0, 2.0, 2.0])),
                                   {"diet": chosen} if chosen else {}))
        person.events = draw(st.lists(st.tuples(
            st.sampled_from(["view", "purchase", "add_to_cart"]), st.sampled_from(AGES),
            st.sampled_from([None, Decimal("9.99"), Decimal("20.00")]),
            st.sampled_from([None, 1, 3])), max_size=6))
        out.append(person)
    return out


def write(session: Session, population: list[Person], *, now: datetime = NOW) -> None:
    """The population's rows, through the ORM."""
    for p in population:
        session.add(Customer(id=p.id, anonymous=p.anonymous, level=p.level,
                             exploration=p.exploration, budget_min=p.budget_min,
                             budget_max=p.budget_max, time_zone=p.time_zone,
                             created_at=now - timedelta(days=p.created_days)))
    session.flush()
    for p in population:
        for kind, facet, value, weight in p.preferences:
            session.add(Preference(customer_id=p.id, kind=kind, facet=facet, value=value,
                                   weight=weight))
        for purpose, granted in p.consents:
            session.add(ConsentRecord(customer_id=p.id, purpose=purpose, granted=granted,
                                      policy_version="test"))
            session.flush()  # ids in ledger order
        for trait, value in p.traits.items():
            session.add(CustomerTrait(customer_id=p.id, trait=trait, value=value,
                                      source="quiz:t@1"))
        for sid, stored, age, answers in p.quizzes:
            at = now - timedelta(days=age)
            session.add(QuizSession(
                id=sid, quiz_id="q1", version=1, customer_id=p.id, status="completed",
                stored=stored, started_at=at, updated_at=at, completed_at=at,
                answers=[{"question_id": q, "option_ids": o, "answered_at": at.isoformat()}
                         for q, o in answers.items()]))
        for kind, age, price, quantity in p.events:
            session.add(Event(customer_id=p.id, type=kind, product_id="p1", price=price,
                              quantity=quantity, occurred_at=now - timedelta(days=age)))
    session.flush()


# ------------------------------------------------------------------------------ conditions

_OPS = ("eq", "ne", "lt", "lte", "gt", "gte")
_ORDER = ("lt", "lte", "gt", "gte")


def _profile() -> st.SearchStrategy[dict[str, Any]]:
    text = st.one_of(
        st.fixed_dictionaries({"type": st.just("profile"), "field": st.just("level"),
                               "op": st.sampled_from(["eq", "ne"]),
                               "value": st.sampled_from(["off", "full", "balanced"])}),
        st.fixed_dictionaries({"type": st.just("profile"), "field": st.just("time_zone"),
                               "op": st.just("in"),
                               "value": st.lists(st.sampled_from(["UTC", "Europe/Warsaw"]),
                                                 min_size=1, max_size=2)}),
        st.fixed_dictionaries({"type": st.just("profile"),
                               "field": st.sampled_from(["level", "time_zone", "budget_min",
                                                         "budget_max"]),
                               "op": st.just("exists"), "value": st.booleans()}))
    flags = st.fixed_dictionaries({"type": st.just("profile"),
                                   "field": st.sampled_from(["anonymous", "exploration"]),
                                   "op": st.sampled_from(["eq", "ne"]),
                                   "value": st.booleans()})
    money = st.fixed_dictionaries({"type": st.just("profile"),
                                   "field": st.sampled_from(["budget_min", "budget_max"]),
                                   "op": st.sampled_from(_OPS),
                                   "value": st.sampled_from([10, 25.5, 50, 100])})
    age = st.fixed_dictionaries({"type": st.just("profile"), "field": st.just("created_days_ago"),
                                 "op": st.sampled_from([*_OPS, "in"]),
                                 "value": st.sampled_from([0, 1, 29, 30, 31])})
    return st.one_of(text, flags, money, age).map(
        lambda c: {**c, "value": [c["value"]]} if c["op"] == "in"
        and not isinstance(c["value"], list) else c)


def leaves_strategy() -> st.SearchStrategy[dict[str, Any]]:
    declared = st.builds(lambda kf, kind: {"type": "declared", "kind": kind, "facet": kf[0],
                                           "value": kf[1]},
                         st.sampled_from([("diet", "vegan"), ("allergen", "gluten"),
                                          ("shoes", "42"), ("brand", "acme")]),
                         st.sampled_from(["like", "dislike", "never", "must", "size"]))
    trait = st.fixed_dictionaries({"type": st.just("trait"), "trait": st.sampled_from(TRAITS),
                                   "op": st.sampled_from(_ORDER),
                                   "value": st.sampled_from([0.0, 0.5, 1.0])})
    consent = st.fixed_dictionaries({"type": st.just("consent"),
                                     "purpose": st.sampled_from(PURPOSES),
                                     "granted": st.booleans()})
    quiz = st.fixed_dictionaries({"type": st.just("quiz_answer"),
                                  "quiz_id": st.sampled_from(["q1", "q2"]),
                                  "question": st.just("diet"),
                                  "option": st.sampled_from(["vegan", "meat"])})
    behaviour = st.builds(
        lambda event, low, span, days: {"type": "behaviour", "event": event, "min": low,
                                        "max": None if span is None else low + span,
                                        "days": days},
        st.sampled_from(["view", "purchase"]), st.integers(0, 2),
        st.one_of(st.none(), st.integers(0, 2)), st.sampled_from([1, 30, 90]))
    rfm = st.fixed_dictionaries({"type": st.just("rfm"),
                                 "measure": st.sampled_from(["recency_days", "frequency",
                                                             "monetary"]),
                                 "op": st.sampled_from(_ORDER),
                                 "value": st.sampled_from([0, 1, 1.5, 30, 9.99, 29.97]),
                                 "days": st.sampled_from([30, 365])})
    return st.one_of(_profile(), declared, trait, consent, quiz, behaviour, rfm)


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    """Random condition trees (as JSON) over the facts ``people`` draws."""
    return st.recursive(
        leaves_strategy(),
        lambda inner: st.one_of(
            st.builds(lambda cs: {"type": "and", "conditions": cs},
                      st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda cs: {"type": "or", "conditions": cs},
                      st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda c: {"type": "not", "condition": c}, inner)),
        max_leaves=6)


# --------------------------------------------------------------------------- naive reading


def _consent(p: Person, purpose: str) -> bool:
    answer = DEFAULTS[purpose]
    for name, granted in p.consents:  # the last row for the purpose wins
        if name == purpose:
            answer = granted
    return answer


def _compare(op: str, a: Any, b: Any) -> bool:
    return {"eq": a == b, "ne": a != b, "lt": a < b, "lte": a <= b, "gt": a > b,
            "gte": a >= b}[op]


def _window(p: Person, kind: str, days: int) -> list[tuple[str, float, Decimal | None,
                                                          int | None]]:
    if not _consent(p, "tracking"):
        return []
    return [e for e in p.events if e[0] == kind and 0 <= e[1] < days]


def naive(c: dict[str, Any], p: Person) -> bool:
    """Whether ``p`` meets ``c``, the definitions applied word for word."""
    kind = c["type"]
    if kind == "and":
        return all(naive(x, p) for x in c["conditions"])
    if kind == "or":
        return any(naive(x, p) for x in c["conditions"])
    if kind == "not":
        return not naive(c["condition"], p)
    if kind == "profile":
        if c["field"] == "created_days_ago":
            actual: Any = int(p.created_days // 1)
        else:
            actual = getattr(p, c["field"])
        if c["op"] == "exists":
            return (actual is not None) == c["value"]
        if actual is None:
            return False
        if isinstance(actual, Decimal):
            value = ([Decimal(str(v)) for v in c["value"]] if c["op"] == "in"
                     else Decimal(str(c["value"])))
        else:
            value = c["value"]
        if c["op"] == "in":
            return actual in value
        return _compare(c["op"], actual, value)
    if kind == "declared":
        for k, facet, value, weight in p.preferences:
            if (facet, value) != (c["facet"], c["value"]):
                continue
            if c["kind"] == "like" and k == "like" and weight is not None and weight > 0:
                return True
            if c["kind"] == "dislike" and k == "like" and weight is not None and weight < 0:
                return True
            if c["kind"] == k and k != "like":
                return True
        return False
    if kind == "trait":
        return c["trait"] in p.traits and _compare(c["op"], p.traits[c["trait"]], c["value"])
    if kind == "consent":
        return _consent(p, c["purpose"]) == c["granted"]
    if kind == "quiz_answer":
        if c["quiz_id"] != "q1":
            return False
        stored = [q for q in p.quizzes if q[1]]
        if not stored:
            return False
        # The newest: the smallest age, then the greatest id.
        latest = min(stored, key=lambda q: (q[2], [-ord(ch) for ch in q[0]]))
        return c["option"] in latest[3].get(c["question"], [])
    if kind == "behaviour":
        n = len(_window(p, c["event"], c["days"]))
        return c["min"] <= n and (c["max"] is None or n <= c["max"])
    if kind == "rfm":
        bought = _window(p, "purchase", c["days"])
        if c["measure"] == "frequency":
            return _compare(c["op"], len(bought), c["value"])
        if c["measure"] == "monetary":
            total = sum(((price or Decimal(0)) * 100) * (1 if q is None else q)
                        for _k, _a, price, q in bought)
            return _compare(c["op"], Decimal(total), Decimal(str(c["value"])) * 100)
        if not bought:
            return False
        return _compare(c["op"], min(age for _k, age, _p, _q in bought), c["value"])
    raise AssertionError(kind)

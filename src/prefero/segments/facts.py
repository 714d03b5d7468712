"""What evaluating segments for a customer reads: the profile row, preferences, the consent
ledger's newest rows, traits, the latest stored quiz answers and the events of a window,
loaded for a batch of customers in one query per kind of fact."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.events.models import Event
from prefero.quizzes.models import CustomerTrait, QuizSession

__all__ = ["FACT_KINDS", "EventFact", "Facts", "load_facts"]

#: The kinds of fact besides the profile row and the events, each read by one query.
FACT_KINDS = frozenset({"preferences", "consents", "traits", "quizzes"})
# Bound parameters per IN list, below SQLite's and PostgreSQL's limits.
_CHUNK = 900


@dataclass(frozen=True)
class EventFact:
    type: str
    occurred_at: datetime
    price: Decimal | None
    quantity: int | None


@dataclass
class Facts:
    """One customer as the segment conditions see them."""

    customer_id: str
    level: str | None = None
    exploration: bool = True
    anonymous: bool = False
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    time_zone: str | None = None
    created_at: datetime | None = None
    #: (kind, facet, value) with kind like/dislike (by the weight's sign), never, must, size.
    preferences: set[tuple[str, str, str]] = field(default_factory=set)
    #: The newest ledger row's answer per purpose (purposes never answered are absent).
    consents: dict[str, bool] = field(default_factory=dict)
    traits: dict[str, float] = field(default_factory=dict)
    #: quiz id → question id → options chosen, from the latest stored session of each quiz.
    quiz_answers: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: Events in the loaded window, any order.
    events: list[EventFact] = field(default_factory=list)


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _preference_kind(kind: str, weight: float | None) -> str | None:
    if kind != "like":
        return kind if kind in ("never", "must", "size") else None
    if weight is None or weight == 0:
        return None
    return "like" if weight > 0 else "dislike"


def load_facts(session: Session, customer_ids: Sequence[str], *, events_since: datetime | None,
               now: datetime, reads: Collection[str] = FACT_KINDS) -> dict[str, Facts]:
    """The facts of each customer that exists among ``customer_ids``; events only from
    ``events_since`` (exclusive) to ``now`` (inclusive), none when it is ``None`` (no
    segment counts behaviour); of the other kinds (``FACT_KINDS``) only those in ``reads``
    (what the shop's segments ask about: a query less for each kind none does).

    >>> load_facts(session, ["c1"], events_since=None, now=utcnow())["c1"].level
    ... # doctest: +SKIP
    'balanced'
    """
    facts: dict[str, Facts] = {}
    ids = sorted(set(customer_ids))
    for chunk in _chunks(ids):
        for row in session.execute(select(
                Customer.id, Customer.level, Customer.exploration, Customer.anonymous,
                Customer.budget_min, Customer.budget_max, Customer.time_zone,
                Customer.created_at).where(Customer.id.in_(chunk))):
            facts[row.id] = Facts(
                customer_id=row.id, level=row.level, exploration=bool(row.exploration),
                anonymous=bool(row.anonymous), budget_min=row.budget_min,
                budget_max=row.budget_max, time_zone=row.time_zone, created_at=row.created_at)
    known = sorted(facts)
    loaders = [loader for kind, loader in _LOADERS.items() if kind in reads]
    for chunk in _chunks(known):
        for loader in loaders:
            loader(session, chunk, facts)
        if events_since is not None:
            for cid, kind, at, price, quantity in session.execute(
                    select(Event.customer_id, Event.type, Event.occurred_at, Event.price,
                           Event.quantity)
                    .where(Event.customer_id.in_(chunk), Event.occurred_at > events_since,
                           Event.occurred_at <= now)):
                facts[cid].events.append(EventFact(kind, at, price, quantity))
    return facts


def _load_preferences(session: Session, chunk: Sequence[str], facts: dict[str, Facts]) -> None:
    for cid, kind, facet, value, weight in session.execute(
            select(Preference.customer_id, Preference.kind, Preference.facet,
                   Preference.value, Preference.weight)
            .where(Preference.customer_id.in_(chunk))):
        named = _preference_kind(kind, weight)
        if named is not None:
            facts[cid].preferences.add((named, facet, value))


def _load_consents(session: Session, chunk: Sequence[str], facts: dict[str, Facts]) -> None:
    for cid, purpose, granted in session.execute(
            select(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.granted)
            .where(ConsentRecord.customer_id.in_(chunk)).order_by(ConsentRecord.id)):
        facts[cid].consents[purpose] = bool(granted)  # the newest row comes last


def _load_traits(session: Session, chunk: Sequence[str], facts: dict[str, Facts]) -> None:
    for cid, trait, score in session.execute(
            select(CustomerTrait.customer_id, CustomerTrait.trait, CustomerTrait.value)
            .where(CustomerTrait.customer_id.in_(chunk))):
        facts[cid].traits[trait] = float(score)


def _load_quizzes(session: Session, chunk: Sequence[str], facts: dict[str, Facts]) -> None:
    latest: dict[tuple[str, str], tuple[datetime, str, list[object]]] = {}
    for cid, quiz_id, sid, completed_at, answers in session.execute(
            select(QuizSession.customer_id, QuizSession.quiz_id, QuizSession.id,
                   QuizSession.completed_at, QuizSession.answers)
            .where(QuizSession.customer_id.in_(chunk), QuizSession.status == "completed",
                   QuizSession.stored.is_(True), QuizSession.completed_at.is_not(None))):
        key = (cid, quiz_id)
        if key not in latest or (completed_at, sid) > latest[key][:2]:
            latest[key] = (completed_at, sid, list(answers or []))
    for (cid, quiz_id), (_at, _sid, answers) in latest.items():
        chosen: dict[str, set[str]] = {}
        for answer in answers:
            if isinstance(answer, dict) and isinstance(answer.get("question_id"), str):
                options = answer.get("option_ids") or []
                chosen.setdefault(answer["question_id"], set()).update(
                    o for o in options if isinstance(o, str))
        facts[cid].quiz_answers[quiz_id] = chosen


_LOADERS: dict[str, Callable[[Session, Sequence[str], dict[str, Facts]], None]] = {
    "preferences": _load_preferences, "consents": _load_consents, "traits": _load_traits,
    "quizzes": _load_quizzes}

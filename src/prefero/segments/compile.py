"""The SQL compiler: a condition as a predicate over the ``customers`` table, for counts,
exports and rebuilding a segment's members, on SQLite and PostgreSQL alike. It means exactly
what ``prefero.segments.evaluate`` means (tests/segments/test_equivalence.py).

Every leaf compiles to a predicate that is true or false, never NULL: a ``not`` of a
NULL would stay NULL in SQL where Python says True. Behaviour and purchases are read as
``customers.id IN (SELECT customer_id FROM events … GROUP BY customer_id HAVING …)``, one
pass over the window's events through ``ix_events_type_time`` rather than one probe per
customer; a count that zero events would satisfy ("at most 2 views") is the complement
of the customers whose count fails it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.events.models import Event
from prefero.quizzes.models import CustomerTrait, QuizSession
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
from prefero.segments.evaluate import COMPARE

__all__ = ["compile_condition", "count_query", "members_query"]

_SQL_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


class _Compiler:
    def __init__(self, *, now: datetime, defaults: Mapping[str, bool], dialect: str) -> None:
        self.now = now
        self.defaults = defaults
        self.dialect = dialect

    def __call__(self, condition: Condition) -> ColumnElement[bool]:
        if isinstance(condition, And):
            return and_(*(self(c) for c in condition.conditions))
        if isinstance(condition, Or):
            return or_(*(self(c) for c in condition.conditions))
        if isinstance(condition, Not):
            return not_(self(condition.condition))
        if isinstance(condition, ProfileCondition):
            return self.profile(condition)
        if isinstance(condition, Declared):
            return self.declared(condition)
        if isinstance(condition, TraitCondition):
            return exists().where(
                CustomerTrait.customer_id == Customer.id,
                CustomerTrait.trait == condition.trait,
                _SQL_COMPARE[condition.op](CustomerTrait.value, condition.value))
        if isinstance(condition, ConsentCondition):
            return self.consent(condition.purpose, granted=condition.granted)
        if isinstance(condition, QuizAnswer):
            return self.quiz_answer(condition)
        if isinstance(condition, Behaviour) and condition.min == 1 and condition.max is None:
            # "At least once": any event of the window will do, so no count per customer
            # (a GROUP BY over every event of the window, spilling to disk on a large shop).
            return and_(self.tracked(), Customer.id.in_(self.window(condition.event.value,
                                                                    condition.days)))
        if isinstance(condition, Behaviour):
            return self.counted(condition.event.value, condition.days, func.count(),
                                lambda n: and_(n >= condition.min, *(
                                    [n <= condition.max] if condition.max is not None else [])),
                                zero_holds=condition.min == 0)
        if isinstance(condition, Rfm):
            return self.rfm(condition)
        raise TypeError(f"not a condition: {condition!r}")  # pragma: no cover

    # ------------------------------------------------------------------ leaves

    def profile(self, condition: ProfileCondition) -> ColumnElement[bool]:
        if condition.field == "created_days_ago":
            return self.created_days_ago(condition)
        column: Any = getattr(Customer, condition.field)
        if condition.op == "exists":
            found: ColumnElement[bool] = (column.is_not(None) if condition.value
                                          else column.is_(None))
            return found
        values = condition.values()
        if condition.op == "in":
            test = column.in_(values)
        else:
            test = _SQL_COMPARE[condition.op](column, values[0])
        # A field that is not set matches no comparison (and the predicate is never NULL).
        return and_(column.is_not(None), test)

    def created_days_ago(self, condition: ProfileCondition) -> ColumnElement[bool]:
        # floor(days since creation) compared with a whole number v, as times:
        # days >= v ⇔ created_at <= now - v days; days < v ⇔ created_at > now - v days.
        def at_least(v: int) -> ColumnElement[bool]:
            return Customer.created_at <= self.now - timedelta(days=v)

        def exactly(v: int) -> ColumnElement[bool]:
            return and_(at_least(v), not_(at_least(v + 1)))

        values = condition.values()
        v = values[0]
        choices: dict[str, Callable[[], ColumnElement[bool]]] = {
            "gte": lambda: at_least(v), "gt": lambda: at_least(v + 1),
            "lt": lambda: not_(at_least(v)), "lte": lambda: not_(at_least(v + 1)),
            "eq": lambda: exactly(v), "ne": lambda: not_(exactly(v)),
            "in": lambda: or_(*(exactly(x) for x in values)),
        }
        built = choices[condition.op]()
        return and_(Customer.created_at.is_not(None), built)

    def declared(self, condition: Declared) -> ColumnElement[bool]:
        kind = "like" if condition.kind in ("like", "dislike") else condition.kind
        where = [Preference.customer_id == Customer.id, Preference.kind == kind,
                 Preference.facet == condition.facet, Preference.value == condition.value]
        if condition.kind == "like":
            where.append(Preference.weight > 0)
        elif condition.kind == "dislike":
            where.append(Preference.weight < 0)
        return exists().where(*where)

    def consent(self, purpose: str, *, granted: bool) -> ColumnElement[bool]:
        def newest_is(answer: bool) -> ColumnElement[bool]:
            newer = aliased(ConsentRecord)
            row = aliased(ConsentRecord)
            return exists().where(
                row.customer_id == Customer.id, row.purpose == purpose,
                row.granted.is_(true()) if answer else row.granted.is_(false()),
                ~exists().where(newer.customer_id == row.customer_id,
                                newer.purpose == purpose, newer.id > row.id))

        if self.defaults.get(purpose, False) == granted:
            # The default already answers so: only a newest row saying otherwise changes it.
            return not_(newest_is(not granted))
        return newest_is(granted)

    def quiz_answer(self, condition: QuizAnswer) -> ColumnElement[bool]:
        quiz, newer = aliased(QuizSession), aliased(QuizSession)

        def stored(s: Any) -> list[ColumnElement[bool]]:
            return [s.quiz_id == condition.quiz_id, s.status == "completed",
                    s.stored.is_(true()), s.completed_at.is_not(None)]

        latest = ~exists().where(
            newer.customer_id == quiz.customer_id, *stored(newer),
            or_(newer.completed_at > quiz.completed_at,
                and_(newer.completed_at == quiz.completed_at, newer.id > quiz.id)))
        return exists().where(quiz.customer_id == Customer.id, *stored(quiz), latest,
                              self.answered(quiz, condition))

    def answered(self, quiz: Any, condition: QuizAnswer) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            # Containment: some answer holds the question and the option among its options.
            wanted = [{"question_id": condition.question, "option_ids": [condition.option]}]
            return cast(quiz.answers, JSONB).contains(cast(literal(wanted, JSON), JSONB))
        answers = func.json_each(quiz.answers).table_valued("value").alias("answer")
        options = func.json_each(answers.c.value, "$.option_ids").table_valued(
            "value", "type").alias("option")
        return exists(
            select(literal(1)).select_from(answers).join(options, true())
            .where(func.json_extract(answers.c.value, "$.question_id") == condition.question,
                   options.c.type == "text", options.c.value == condition.option))

    def tracked(self) -> ColumnElement[bool]:
        return self.consent("tracking", granted=True)

    def window(self, event: str, days: int) -> Select[str]:
        """The customer ids of ``event`` events in the last ``days`` days (repeated)."""
        return select(Event.customer_id).where(
            Event.type == event, Event.occurred_at > self.now - timedelta(days=days),
            Event.occurred_at <= self.now)

    def counted(self, event: str, days: int, measure: Any,
                holds: Callable[[Any], ColumnElement[bool]], *, zero_holds: bool
                ) -> ColumnElement[bool]:
        """Customers whose ``measure`` over their ``event`` events of the window ``holds``;
        ``zero_holds``: whether a customer without any (or without tracking consent) does."""
        def having(test: ColumnElement[bool]) -> ColumnElement[bool]:
            return Customer.id.in_(
                self.window(event, days).group_by(Event.customer_id).having(test))

        if zero_holds:
            return not_(and_(self.tracked(), having(not_(holds(measure)))))
        return and_(self.tracked(), having(holds(measure)))

    def rfm(self, condition: Rfm) -> ColumnElement[bool]:
        compare = _SQL_COMPARE[condition.op]
        if condition.measure == "frequency":
            return self.counted("purchase", condition.days, func.count(),
                                lambda n: compare(n, condition.value),
                                zero_holds=COMPARE[condition.op](0, condition.value))
        if condition.measure == "monetary":
            cents = func.sum(func.round(func.coalesce(Event.price, 0) * 100)
                             * func.coalesce(Event.quantity, 1))
            limit = Decimal(str(condition.value)) * 100
            return self.counted("purchase", condition.days, cents,
                                lambda total: compare(total, limit),
                                zero_holds=COMPARE[condition.op](0, limit))
        cutoff = self.now - timedelta(days=condition.value)
        flipped = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}[condition.op]
        return self.counted("purchase", condition.days, func.max(Event.occurred_at),
                            lambda latest: _SQL_COMPARE[flipped](latest, cutoff),
                            zero_holds=False)


def compile_condition(condition: Condition, *, now: datetime, defaults: Mapping[str, bool],
                      dialect: str) -> ColumnElement[bool]:
    """``condition`` as a predicate over ``customers`` (correlated on ``customers.id``);
    ``dialect``: ``"sqlite"`` or ``"postgresql"``.

    >>> from prefero.segments.conditions import parse_condition
    >>> vegan = parse_condition({"type": "declared", "kind": "must", "facet": "diet",
    ...                          "value": "vegan"})
    >>> str(compile_condition(vegan, now=datetime(2026, 1, 1), defaults={},
    ...                       dialect="sqlite")).startswith("EXISTS")
    True
    """
    return _Compiler(now=now, defaults=defaults, dialect=dialect)(condition)


def members_query(condition: Condition, *, now: datetime, defaults: Mapping[str, bool],
                  dialect: str) -> Select[str]:
    """The ids of the customers meeting ``condition``, unordered."""
    return select(Customer.id).where(
        compile_condition(condition, now=now, defaults=defaults, dialect=dialect))


def count_query(condition: Condition, *, now: datetime, defaults: Mapping[str, bool],
                dialect: str) -> Select[int]:
    """How many customers meet ``condition``."""
    return select(func.count()).select_from(Customer).where(
        compile_condition(condition, now=now, defaults=defaults, dialect=dialect))

"""Quiz sessions: start, answer, go back, resume, complete — and what completion writes.

No HTTP here: every function takes a SQLAlchemy ``Session`` inside the caller's unit of work,
raises ``PreferoError`` subclasses and commits nothing.

On completion the outcome becomes part of the customer's profile with the source
``quiz:<id>@<version>``, and only with ``personalization`` consent; without it (or without a
customer id) the results are answered and nothing is written to the profile. Retaking a quiz
replaces that quiz's earlier rows (any version) and leaves everything else alone; a value the
customer already holds from elsewhere stays theirs (declared beats quiz) and the answer says
so. A session keeps the quiz version it started with.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from prefero.catalog.facets import FacetSchema
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import preference_rows
from prefero.customers.repository import ensure_customers, require_customer
from prefero.customers.schemas import Budget, Constraint, Like, SizeSet
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.quizzes.definition import Question, QuizDefinition
from prefero.quizzes.engine import (
    Answer,
    Outcome,
    next_question,
    outcome,
    progress,
    validate_answer,
)
from prefero.quizzes.models import CustomerTrait, QuizSession
from prefero.quizzes.publish import get_version
from prefero.quizzes.results import Narrowing, QuizResults, Reason, narrowing, quiz_results
from prefero.quizzes.texts import localized
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.runtime import Runtime

__all__ = [
    "AnswerOut",
    "EmptiedOut",
    "KeptOut",
    "OptionOut",
    "ProgressOut",
    "QuestionOut",
    "QuizPreferenceGroup",
    "QuizPreferencesOut",
    "QuizPreferencesRemoved",
    "QuizSessionOut",
    "RangeOut",
    "ReasonOut",
    "ReasonParamsOut",
    "RemainingOut",
    "RemovedMostOut",
    "ResultOut",
    "ServiceOut",
    "TradeOffOut",
    "TraitOut",
    "answer",
    "back",
    "check_owner",
    "get",
    "quiz_preferences",
    "quiz_source",
    "remove_quiz_preferences",
    "start",
]

# The stored form's limits (see customers.preferences): longer values are not stored.
_MAX_VALUE = 200
_MAX_CATEGORY = 500
_VALUES_PER_GROUP = 100
# Numeric(14, 2) holds up to 10^12.
_MAX_BUDGET = Decimal("999999999999.99")


# --------------------------------------------------------------------------- shapes


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionOut(_Out):
    id: str
    label: str
    image: str | None = None


class RangeOut(_Out):
    min: float
    max: float
    step: float
    unit: str | None = None
    default: float | None = None


class QuestionOut(_Out):
    id: str
    type: Literal["single", "multiple", "range", "image", "text"]
    text: str
    help: str | None = None
    required: bool
    options: list[OptionOut] = Field(default_factory=list)
    range: RangeOut | None = None


class ProgressOut(_Out):
    answered: int
    total: int = Field(description="The most questions this session can come to")


class RemainingOut(_Out):
    count: int = Field(description="Products in the quiz's scope matching every answer")
    of: int = Field(description="Products in the quiz's scope before any answer")


class RemovedMostOut(_Out):
    question_id: str
    question: str
    answer: str
    removed: int


class EmptiedOut(_Out):
    """Nothing in the quiz's scope is left: what emptied it, and what the shopper can do."""

    by: Literal["rules", "answer", "catalogue"] = Field(
        description="rules: the customer's own rules, before any answer; answer: the answer "
                    "to question_id; catalogue: nothing in scope is available")
    question_id: str | None = None
    answer: str | None = None
    message: str = Field(description="In the session's language, e.g. 'Your budget of "
                                     "50,00 zł leaves no cameras: raise it or go on.'")


class ReasonParamsOut(_Out):
    """The evidence a quiz reason rests on (prefero.quizzes.results.ReasonFacts says which
    fields each code fills); fields a code does not use are null."""

    question_id: str | None = None
    answer: str | None = Field(default=None, description="The answer's label, in the "
                                                          "session's language")
    facet: str | None = None
    value: str | None = Field(default=None, description="The stored value (what rules and "
                                                        "filters compare)")
    value_label: str | None = Field(default=None, description="The value as the shopper "
                                                              "reads it")
    amount: float | None = Field(default=None, description="The product's figure for "
                                                           "``facet``")
    limit: float | None = Field(default=None, description="The bound the answer set")
    budget_min: float | None = None
    budget_max: float | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the budget")
    word: str | None = None
    misses: list[str] = Field(default_factory=list)


class ReasonOut(_Out):
    code: str
    text: str = Field(description="The reason in the session's language")
    params: ReasonParamsOut = Field(default_factory=ReasonParamsOut)

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        return cls(code=reason.code, text=reason.text,
                   params=ReasonParamsOut.model_validate(asdict(reason.params)))


class TradeOffOut(_Out):
    code: str
    text: str
    against: str = Field(description="The other pick's product id")
    facet: str
    difference: float


class ResultOut(_Out):
    product_id: str
    title: str
    price: float
    currency: str = Field(description="ISO 4217 code of ``price``: the shop's currency")
    match: Literal["exact", "closest"]
    reasons: list[ReasonOut]
    trade_offs: list[TradeOffOut] = Field(default_factory=list)
    misses: list[str] = Field(default_factory=list,
                              description="What a closest match does not meet")


class ServiceOut(_Out):
    product_id: str
    title: str
    price: float
    currency: str = Field(description="ISO 4217 code of ``price``: the shop's currency")
    label: Literal["add_on_service"] = "add_on_service"
    preselected: Literal[False] = False
    reasons: list[ReasonOut]


class KeptOut(_Out):
    """A quiz answer not written because the profile already says something about it."""

    kind: str
    facet: str
    value: str
    source: str = Field(description="Where the value that was kept came from")
    reason: str


class AnswerOut(_Out):
    question_id: str
    option_ids: list[str] = Field(default_factory=list)
    value: float | None = None
    text: str | None = None


class QuizSessionOut(_Out):
    session_id: str
    quiz_id: str
    version: int
    kind: Literal["quiz", "guided_selling"]
    customer_id: str | None
    status: Literal["active", "completed"]
    completed: bool
    question: QuestionOut | None = Field(description="The question to answer now")
    progress: ProgressOut
    remaining: RemainingOut | None = Field(default=None,
                                           description="Guided selling: products left")
    removed_most: RemovedMostOut | None = None
    emptied: EmptiedOut | None = Field(
        default=None, description="Set while the rules and answers leave nothing in scope; "
                                  "the results are then the closest matches")
    answers: list[AnswerOut] = Field(default_factory=list)
    results: list[ResultOut] | None = None
    closest_matches: bool | None = Field(
        default=None, description="Completed: no result matches every rule and answer, so "
                                  "the results are the closest matches, each with its misses")
    add_on_services: list[ServiceOut] | None = None
    exact_matches: int | None = None
    stored: bool | None = Field(default=None,
                                description="Completed: whether the profile was updated")
    kept: list[KeptOut] = Field(default_factory=list)


class TraitOut(_Out):
    trait: str
    value: float
    source: str


class QuizPreferenceGroup(_Out):
    source: str
    quiz_id: str
    version: int | None
    likes: list[Like] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)
    sizes: list[SizeSet] = Field(default_factory=list)
    budget: Budget | None = None
    traits: list[TraitOut] = Field(default_factory=list)


class QuizPreferencesOut(_Out):
    customer_id: str
    quizzes: list[QuizPreferenceGroup]


class QuizPreferencesRemoved(_Out):
    customer_id: str
    quiz_id: str
    preferences: int
    traits: int
    budget: bool


# --------------------------------------------------------------------------- helpers


# A session completed without personalization consent: unlinked from the person once its
# result has been shown. Both statuses count as finished.
DISCARDED = "discarded"
FINISHED = ("completed", DISCARDED)


def quiz_source(quiz_id: str, version: int) -> str:
    """The ``source`` of what a quiz wrote.

    >>> quiz_source("camera-finder", 2)
    'quiz:camera-finder@2'
    """
    return f"quiz:{quiz_id}@{version}"


def _of_quiz(column: QueryableAttribute[str], quiz_id: str) -> ColumnElement[bool]:
    # autoescape: "_" in a quiz id is a LIKE wildcard and must match only itself.
    return or_(column.startswith(f"quiz:{quiz_id}@", autoescape=True),
               column == f"quiz:{quiz_id}")


def _question_out(question: Question) -> QuestionOut:
    spec = question.range
    return QuestionOut(
        id=question.id, type=question.type, text=question.text, help=question.help,
        required=question.required,
        options=[OptionOut(id=o.id, label=o.label, image=o.image) for o in question.options],
        range=RangeOut(min=spec.min, max=spec.max, step=spec.step, unit=spec.unit,
                       default=spec.default) if spec is not None else None)


def _answers(row: QuizSession) -> list[Answer]:
    return [Answer.from_json(raw) for raw in row.answers or []]


def _load(session: Session, session_id: str, *, lock: bool = False
          ) -> tuple[QuizSession, QuizDefinition]:
    query = select(QuizSession).where(QuizSession.id == session_id)
    if lock:
        # Two answers to one session at once must queue, not both append to the same list.
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no quiz session {session_id!r}")
    _, definition = get_version(session, row.quiz_id, row.version)
    return row, definition


def check_owner(session: Session, *, session_id: str, customer_id: str) -> None:
    """``NotFound`` unless the quiz session belongs to ``customer_id``: a customer token reaches
    only its own sessions, and the answer does not tell another's apart from a missing one."""
    owner = session.scalar(select(QuizSession.customer_id).where(QuizSession.id == session_id))
    if owner is None or owner != customer_id:
        raise NotFound(f"no quiz session {session_id!r}")


def _context(session: Session, runtime: Runtime, customer_id: str | None
             ) -> tuple[CatalogIndex, CustomerProfile]:
    index, _ = runtime.recommender.snapshot(session)
    return index, runtime.recommender.profile(session, customer_id)


def _view(session: Session, row: QuizSession, definition: QuizDefinition, runtime: Runtime,
          *, kept: Sequence[KeptOut] = (), language: str = "en") -> QuizSessionOut:
    answers = _answers(row)
    index, profile = _context(session, runtime, row.customer_id)
    schema = runtime.facet_schema
    guided = definition.kind == "guided_selling"
    # Texts in the shopper's language; ids and effects are the same in every language.
    shown = localized(definition, language)
    currency = runtime.shop_currency
    # Every kind: a quiz too says which answer left nothing; only guided selling counts.
    narrowed_all: Narrowing = narrowing(index, shown, answers, customer=profile,
                                        schema=schema, language=language, currency=currency)
    narrowed = narrowed_all if guided else None
    emptied = narrowed_all.emptied
    completed = row.status in FINISHED
    question = None if completed else next_question(shown, answers)
    out = QuizSessionOut(
        session_id=row.id, quiz_id=row.quiz_id, version=row.version, kind=definition.kind,
        customer_id=row.customer_id, status="completed" if completed else "active",
        completed=completed,
        question=_question_out(question) if question is not None else None,
        progress=ProgressOut(**progress(definition, answers)),
        remaining=(RemainingOut(count=narrowed.count, of=narrowed.of)
                   if narrowed is not None else None),
        removed_most=(RemovedMostOut(**vars(narrowed.removed_most))
                      if narrowed is not None and narrowed.removed_most is not None else None),
        emptied=(EmptiedOut(by="rules" if emptied.by == "rules" else
                            "answer" if emptied.by == "answer" else "catalogue",
                            question_id=emptied.question_id, answer=emptied.answer,
                            message=emptied.message) if emptied is not None else None),
        answers=[AnswerOut(question_id=a.question_id, option_ids=list(a.option_ids),
                           value=a.value, text=a.text) for a in answers],
        kept=list(kept),
    )
    if row.status == "completed":
        found = quiz_results(index, shown, answers, customer=profile, schema=schema,
                             language=language, currency=currency)
        out = out.model_copy(update=_results_fields(found, stored=row.stored, index=index))
    elif completed:
        # Discarded: the result was shown once; without the customer's own rules it cannot
        # be shown again safely, and keeping it would be keeping their answers.
        out = out.model_copy(update={"stored": False, "results": [], "add_on_services": []})
    return out


def _currency(index: CatalogIndex, product_id: str) -> str:
    position = index.position.get(product_id)
    return "" if position is None else index.currency_of(position)


def _results_fields(found: QuizResults, *, stored: bool, index: CatalogIndex
                    ) -> dict[str, object]:
    return {
        "results": [ResultOut(
            product_id=p.product_id, title=p.title, price=p.price,
            currency=_currency(index, p.product_id),
            match="closest" if p.match == "closest" else "exact",
            reasons=[ReasonOut.of(r) for r in p.reasons],
            trade_offs=[TradeOffOut(code=t.code, text=t.text, against=t.against,
                                    facet=t.facet, difference=t.difference)
                        for t in p.trade_offs],
            misses=list(p.misses)) for p in found.picks],
        "add_on_services": [ServiceOut(
            product_id=s.product_id, title=s.title, price=s.price,
            currency=_currency(index, s.product_id),
            reasons=[ReasonOut.of(r) for r in s.reasons])
            for s in found.add_on_services],
        "exact_matches": found.exact,
        "closest_matches": found.closest_matches,
        "stored": stored,
    }


# --------------------------------------------------------------------------- the flow


def start(session: Session, *, quiz_id: str, customer_id: str | None, runtime: Runtime,
          language: str = "en") -> QuizSessionOut:
    """Start a session on the quiz's latest version; ``NotFound`` for an unknown quiz. Texts
    are in ``language`` where the definition translates them (here and below).

    >>> start(session, quiz_id="camera-finder", customer_id="c1", runtime=runtime
    ...       ).question.id  # doctest: +SKIP
    'use'
    """
    version, definition = get_version(session, quiz_id)
    if customer_id is not None:
        ensure_customers(session, {customer_id: False})
    now = utcnow()
    row = QuizSession(id=str(uuid.uuid4()), quiz_id=version.quiz_id, version=version.version,
                      customer_id=customer_id, answers=[], status="active", stored=False,
                      started_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _view(session, row, definition, runtime, language=language)


def get(session: Session, *, session_id: str, runtime: Runtime, language: str = "en"
        ) -> QuizSessionOut:
    """The session as it stands (resume later); a completed one answers its results again.

    >>> get(session, session_id=sid, runtime=runtime).progress.answered  # doctest: +SKIP
    2
    """
    row, definition = _load(session, session_id)
    return _view(session, row, definition, runtime, language=language)


def answer(session: Session, *, session_id: str, given: Answer, runtime: Runtime,
           language: str = "en") -> QuizSessionOut:
    """Record the answer to the current question and move on; the last one completes the
    session. ``Conflict`` for a completed session or a question that is not the current one;
    ``InvalidInput`` (locs from the answer's root) for an answer that does not fit.

    >>> answer(session, session_id=sid, runtime=runtime,
    ...        given=Answer("budget", value=2000)).remaining.count  # doctest: +SKIP
    12
    """
    row, definition = _load(session, session_id, lock=True)
    if row.status in FINISHED:
        raise Conflict(f"quiz session {session_id!r} is already completed")
    answers = _answers(row)
    current = next_question(definition, answers)
    if given.question_id not in {q.id for q in definition.questions}:
        raise InvalidInput("unknown question", [FieldError(
            ("question_id",), f"quiz {row.quiz_id!r} has no question {given.question_id!r}")])
    if current is None or current.id != given.question_id:
        expected = f"; the current one is {current.id!r}" if current is not None else ""
        raise Conflict(f"question {given.question_id!r} is not the current question"
                       f"{expected}")
    checked = validate_answer(current, given)
    now = utcnow()
    row.answers = [*(row.answers or []), {**checked.as_json(), "answered_at": now.isoformat()}]
    row.updated_at = now
    answers.append(checked)
    kept: list[KeptOut] = []
    if next_question(definition, answers) is None:
        kept = _complete(session, row, definition, answers, runtime)
    session.flush()
    out = _view(session, row, definition, runtime, kept=kept, language=language)
    if row.status == "completed" and not row.stored and row.customer_id is not None:
        # No personalization consent: the result is shown this once and nothing stays
        # linked to the person. The answers remain, anonymous, for the shop's analytics.
        row.customer_id = None
        row.status = DISCARDED
        session.flush()
    return out


def back(session: Session, *, session_id: str, runtime: Runtime, language: str = "en"
         ) -> QuizSessionOut:
    """Undo the last answer and show its question again (nothing to undo: the first question).
    ``Conflict`` for a completed session, whose outcome may already be in the profile.

    >>> back(session, session_id=sid, runtime=runtime).question.id  # doctest: +SKIP
    'use'
    """
    row, definition = _load(session, session_id, lock=True)
    if row.status in FINISHED:
        raise Conflict(f"quiz session {session_id!r} is completed; start a new one to retake "
                       "the quiz")
    if row.answers:
        row.answers = list(row.answers)[:-1]
        row.updated_at = utcnow()
        session.flush()
    return _view(session, row, definition, runtime, language=language)


def _complete(session: Session, row: QuizSession, definition: QuizDefinition,
              answers: Sequence[Answer], runtime: Runtime) -> list[KeptOut]:
    now = utcnow()
    row.status = "completed"
    row.completed_at = now
    row.stored = False
    if row.customer_id is None:
        return []
    consents = current_consents(session, customer_id=row.customer_id,
                                settings=runtime.settings)
    if not consents["personalization"]:
        return []
    result = outcome(definition, answers, schema=runtime.facet_schema)
    kept = _store(session, customer_id=row.customer_id, quiz_id=row.quiz_id,
                  version=row.version, result=result, schema=runtime.facet_schema)
    row.stored = True
    return kept


# --------------------------------------------------------------------------- the profile


_Row = tuple[str, str, str, float | None]  # (kind, facet, value, weight)


def _wanted(result: Outcome, schema: FacetSchema) -> list[_Row]:
    def usable(facet: str, value: str) -> bool:
        definition = schema.get(facet)
        return (definition is not None and definition.preferable and 0 < len(value) <= _MAX_VALUE
                and "\x00" not in value)

    rows: list[_Row] = []
    for (facet, value), weight in result.likes.items():
        # A like the same quiz also excludes would contradict it: the exclusion wins.
        if weight != 0 and usable(facet, value) and not (weight > 0
                                                         and (facet, value) in result.never):
            rows.append(("like", facet, value, weight))
    rows.extend(("never", facet, value, None) for facet, value in sorted(result.never)
                if usable(facet, value))
    for facet, values in result.must.items():
        rows.extend(("must", facet, value, None) for value in values
                    if usable(facet, value) and (facet, value) not in result.never)
    for category, sizes in result.sizes.items():
        if 0 < len(category) <= _MAX_CATEGORY:
            rows.extend(("size", category, size, None) for size in sorted(sizes)
                        if 0 < len(size) <= _MAX_VALUE)
    return rows


def _contradiction(kind: str, facet: str, value: str, weight: float | None,
                   existing: dict[tuple[str, str, str], Preference]) -> Preference | None:
    """An existing row that the quiz row would contradict (a like of an excluded value...)."""
    if kind == "like" and (weight or 0) > 0:
        return existing.get(("never", facet, value))
    if kind == "never":
        liked = existing.get(("like", facet, value))
        if liked is not None and (liked.weight or 0) > 0:
            return liked
        return existing.get(("must", facet, value))
    if kind == "must":
        return existing.get(("never", facet, value))
    return None


def _store(session: Session, *, customer_id: str, quiz_id: str, version: int,
           result: Outcome, schema: FacetSchema) -> list[KeptOut]:
    source = quiz_source(quiz_id, version)
    customer = session.scalars(select(Customer).where(Customer.id == customer_id)
                               .with_for_update()).one()
    now = utcnow()
    _remove(session, customer, quiz_id)
    existing = {(r.kind, r.facet, r.value): r for r in preference_rows(session, customer_id)}
    kept: list[KeptOut] = []
    for kind, facet, value, weight in _wanted(result, schema):
        same = existing.get((kind, facet, value))
        if same is not None:
            kept.append(KeptOut(kind=kind, facet=facet, value=value, source=same.source,
                                reason="you already said this yourself; yours is kept"))
            continue
        clash = _contradiction(kind, facet, value, weight, existing)
        if clash is not None:
            kept.append(KeptOut(kind=kind, facet=facet, value=value, source=clash.source,
                                reason=f"contradicts your '{clash.kind}' for it; yours is "
                                       "kept"))
            continue
        row = Preference(customer_id=customer_id, kind=kind, facet=facet, value=value,
                         weight=weight, source=source, created_at=now, updated_at=now)
        session.add(row)
        existing[(kind, facet, value)] = row
    kept.extend(_store_budget(customer, result, source, now))
    for trait, points in sorted(result.traits.items()):
        # One score per trait: the latest quiz measuring it wins (traits are never declared).
        trait_row = session.get(CustomerTrait, (customer_id, trait))
        if trait_row is None:
            session.add(CustomerTrait(customer_id=customer_id, trait=trait, value=points,
                                      source=source, updated_at=now))
        else:
            trait_row.value, trait_row.source, trait_row.updated_at = points, source, now
    customer.updated_at = now
    session.flush()
    return kept


def _money(amount: float | None) -> Decimal | None:
    return None if amount is None else Decimal(str(round(amount, 2)))


def _store_budget(customer: Customer, result: Outcome, source: str, now: datetime
                  ) -> list[KeptOut]:
    if not result.has_budget:
        return []
    low, high = _money(result.budget_min), _money(result.budget_max)
    if (low is not None and high is not None and low > high) or any(
            v is not None and v > _MAX_BUDGET for v in (low, high)):
        return []  # not a budget a customer could have declared; show it, do not store it
    has_own = customer.budget_min is not None or customer.budget_max is not None
    if has_own and customer.budget_source is not None \
            and not customer.budget_source.startswith("quiz:"):
        text = f"{customer.budget_min or ''}-{customer.budget_max or ''}"
        return [KeptOut(kind="budget", facet="price", value=text,
                        source=customer.budget_source,
                        reason="you set your budget yourself; yours is kept")]
    customer.budget_min, customer.budget_max = low, high
    customer.budget_source = source
    customer.budget_updated_at = now
    return []


def _remove(session: Session, customer: Customer, quiz_id: str) -> tuple[int, int, bool]:
    """Delete what the quiz wrote (any version): (preferences, traits, budget cleared)."""
    prefs = session.execute(delete(Preference).where(
        Preference.customer_id == customer.id,
        _of_quiz(Preference.source, quiz_id)))
    traits = session.execute(delete(CustomerTrait).where(
        CustomerTrait.customer_id == customer.id,
        _of_quiz(CustomerTrait.source, quiz_id)))
    budget = False
    source = customer.budget_source or ""
    if source.startswith(f"quiz:{quiz_id}@") or source == f"quiz:{quiz_id}":
        customer.budget_min = customer.budget_max = customer.budget_source = None
        customer.budget_updated_at = utcnow()
        budget = True
    return (int(getattr(prefs, "rowcount", 0)), int(getattr(traits, "rowcount", 0)), budget)


def _parse_source(source: str) -> tuple[str, int | None]:
    body = source.removeprefix("quiz:")
    quiz_id, _, version = body.partition("@")
    return quiz_id, int(version) if version.isdigit() else None


def quiz_preferences(session: Session, *, customer_id: str, currency: str | None = None
                     ) -> QuizPreferencesOut:
    """What each quiz wrote into the customer's profile, grouped by source; ``NotFound`` for
    an unknown customer. ``currency`` (the shop's) is named on a budget.

    >>> quiz_preferences(session, customer_id="c1").quizzes[0].source  # doctest: +SKIP
    'quiz:grocery-setup@1'
    """
    customer = require_customer(session, customer_id)
    groups: dict[str, QuizPreferenceGroup] = {}

    def group(source: str) -> QuizPreferenceGroup:
        if source not in groups:
            quiz_id, version = _parse_source(source)
            groups[source] = QuizPreferenceGroup(source=source, quiz_id=quiz_id,
                                                 version=version)
        return groups[source]

    constraint_rows: dict[tuple[str, str, str], list[Preference]] = {}
    size_rows: dict[tuple[str, str], list[Preference]] = {}
    for row in session.scalars(select(Preference).where(
            Preference.customer_id == customer_id,
            Preference.source.startswith("quiz:")).order_by(Preference.id)):
        if row.kind == "like":
            group(row.source).likes.append(Like(facet=row.facet, value=row.value,
                                                weight=row.weight or 0.0, source=row.source,
                                                updated_at=row.updated_at))
        elif row.kind in ("never", "must"):
            constraint_rows.setdefault((row.source, row.kind, row.facet), []).append(row)
        elif row.kind == "size":
            size_rows.setdefault((row.source, row.facet), []).append(row)
    for (source, op, facet), rows in constraint_rows.items():
        for start_at in range(0, len(rows), _VALUES_PER_GROUP):
            chunk = rows[start_at:start_at + _VALUES_PER_GROUP]
            group(source).constraints.append(Constraint(
                facet=facet, op="never" if op == "never" else "must",
                values=[r.value for r in chunk], source=source,
                updated_at=max(r.updated_at for r in chunk)))
    for (source, category), rows in size_rows.items():
        for start_at in range(0, len(rows), _VALUES_PER_GROUP // 2):
            chunk = rows[start_at:start_at + _VALUES_PER_GROUP // 2]
            group(source).sizes.append(SizeSet(category=category,
                                               values=[r.value for r in chunk], source=source,
                                               updated_at=max(r.updated_at for r in chunk)))
    for trait in session.scalars(select(CustomerTrait).where(
            CustomerTrait.customer_id == customer_id,
            CustomerTrait.source.startswith("quiz:")).order_by(CustomerTrait.trait)):
        group(trait.source).traits.append(TraitOut(trait=trait.trait, value=trait.value,
                                                   source=trait.source))
    if customer.budget_source and customer.budget_source.startswith("quiz:") and (
            customer.budget_min is not None or customer.budget_max is not None):
        group(customer.budget_source).budget = Budget(
            min=customer.budget_min, max=customer.budget_max, currency=currency,
            source=customer.budget_source, updated_at=customer.budget_updated_at)
    return QuizPreferencesOut(customer_id=customer_id,
                              quizzes=[groups[s] for s in sorted(groups)])


def remove_quiz_preferences(session: Session, *, customer_id: str, quiz_id: str
                            ) -> QuizPreferencesRemoved:
    """Remove everything one quiz wrote (every version), leaving the rest of the profile.

    >>> remove_quiz_preferences(session, customer_id="c1", quiz_id="grocery-setup"
    ...                         ).preferences  # doctest: +SKIP
    4
    """
    require_customer(session, customer_id)
    customer = session.scalars(select(Customer).where(Customer.id == customer_id)
                               .with_for_update()).one()
    preferences, traits, budget = _remove(session, customer, quiz_id)
    if preferences or traits or budget:
        customer.updated_at = utcnow()
    session.flush()
    return QuizPreferencesRemoved(customer_id=customer_id, quiz_id=quiz_id,
                                  preferences=preferences, traits=traits, budget=budget)


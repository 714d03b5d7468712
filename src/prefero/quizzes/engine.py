"""Running a quiz, purely: which question comes next, whether an answer fits its question, and
what the answers so far amount to (the ``Outcome``). No database and no catalogue here.

Answers are kept in the order given; a question the customer skipped (optional) is an answer
with nothing in it, so "answered" always means "passed". Going back pops the last answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prefero.catalog.facets import FacetSchema
from prefero.customers.preferences import normalize_preference_value
from prefero.errors import FieldError, InvalidInput
from prefero.quizzes.definition import (
    AddConstraint,
    AdjustWeight,
    AnswerCondition,
    Effect,
    FacetCondition,
    IncludeProducts,
    Question,
    QuizDefinition,
    RangeFacet,
    SetBudget,
    SetSizes,
    SetWeight,
    TraitPoints,
    VoteProducts,
)

__all__ = [
    "Answer",
    "Bound",
    "Keyword",
    "Outcome",
    "Tagged",
    "Vote",
    "answer_label",
    "is_visible",
    "next_question",
    "outcome",
    "progress",
    "validate_answer",
]

# Words shorter than this say little on their own ("a", "to") and would match nearly anything.
_MIN_KEYWORD = 3
_WORD = re.compile(r"\w+", re.UNICODE)
# A range value counts as on a step when within this share of the step (float noise: 0.1 * 3).
_STEP_TOLERANCE = 1e-6

Normalize = Callable[[str, str], str]


@dataclass(frozen=True)
class Answer:
    """One answer as given. An answer with no options, value or text skips an optional
    question.

    >>> Answer("budget", value=1500).skipped
    False
    """

    question_id: str
    option_ids: tuple[str, ...] = ()
    value: float | None = None
    text: str | None = None

    @property
    def skipped(self) -> bool:
        return not self.option_ids and self.value is None and not (self.text or "").strip()

    def as_json(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "option_ids": list(self.option_ids),
                "value": self.value, "text": self.text}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Answer:
        value = raw.get("value")
        return cls(question_id=str(raw["question_id"]),
                   option_ids=tuple(str(o) for o in raw.get("option_ids") or ()),
                   value=float(value) if value is not None else None,
                   text=raw.get("text"))


# --------------------------------------------------------------------------- the outcome


@dataclass(frozen=True)
class Tagged:
    """A filter condition and the answer it came from (for reasons and "what it misses")."""

    where: FacetCondition
    question_id: str
    label: str


@dataclass(frozen=True)
class Vote:
    where: FacetCondition
    weight: float  # positive: upvote, negative: downvote
    question_id: str
    label: str


@dataclass(frozen=True)
class Bound:
    """A numeric facet bound from a range answer: ``facet`` at least (``min``) or at most
    (``max``) ``value``."""

    facet: str
    bound: str
    value: float
    question_id: str


@dataclass(frozen=True)
class Keyword:
    word: str
    boost: float
    question_id: str


@dataclass
class Outcome:
    """What the answers amount to. ``likes`` maps (facet, value) to a weight in [-1, 1];
    ``must`` maps a facet to the values of which a product needs one; ``sources`` says which
    question set each like/constraint/size/budget (key: ``(kind, facet, value)``)."""

    likes: dict[tuple[str, str], float] = field(default_factory=dict)
    never: set[tuple[str, str]] = field(default_factory=set)
    must: dict[str, list[str]] = field(default_factory=dict)
    budget_min: float | None = None
    budget_max: float | None = None
    sizes: dict[str, set[str]] = field(default_factory=dict)
    bounds: list[Bound] = field(default_factory=list)
    traits: dict[str, float] = field(default_factory=dict)
    include: list[Tagged] = field(default_factory=list)
    exclude: list[Tagged] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    wants_assistance: bool = False
    sources: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def has_budget(self) -> bool:
        return self.budget_min is not None or self.budget_max is not None


def _clip(weight: float) -> float:
    return max(-1.0, min(1.0, weight))


def _normalizer(schema: FacetSchema | None) -> Normalize:
    """Values as the catalogue stores them (a definition may say "Vegan" or "Food>Snacks")."""

    def normalize(facet: str, raw: str) -> str:
        if schema is None or schema.get(facet) is None:
            return raw
        try:
            return normalize_preference_value(schema, facet, raw)
        except (ValueError, KeyError):
            return raw

    return normalize


def _condition(where: FacetCondition, normalize: Normalize) -> FacetCondition:
    return FacetCondition(facet=where.facet,
                          values=[normalize(where.facet, v) for v in where.values])


def _apply(result: Outcome, effect: Effect, *, question_id: str, label: str,
           value: float | None, normalize: Normalize) -> None:
    if isinstance(effect, SetWeight):
        key = (effect.facet, normalize(effect.facet, effect.value))
        result.likes[key] = _clip(effect.weight)
        result.sources[("like", *key)] = question_id
    elif isinstance(effect, AdjustWeight):
        key = (effect.facet, normalize(effect.facet, effect.value))
        result.likes[key] = _clip(result.likes.get(key, 0.0) + effect.delta)
        result.sources[("like", *key)] = question_id
    elif isinstance(effect, AddConstraint):
        for raw in effect.values:
            text = normalize(effect.facet, raw)
            if effect.op == "never":
                result.never.add((effect.facet, text))
            else:
                values = result.must.setdefault(effect.facet, [])
                if text not in values:
                    values.append(text)
            result.sources[(effect.op, effect.facet, text)] = question_id
    elif isinstance(effect, SetBudget):
        low, high = effect.min, effect.max
        if effect.from_answer == "min" and value is not None:
            low = value
        elif effect.from_answer == "max" and value is not None:
            high = value
        if low is not None:
            result.budget_min = low
        if high is not None:
            result.budget_max = high
        result.sources[("budget", "", "")] = question_id
    elif isinstance(effect, SetSizes):
        category = normalize("category", effect.category)
        sizes = result.sizes.setdefault(category, set())
        for raw in effect.values:
            size = normalize("size", raw)
            sizes.add(size)
            result.sources[("size", category, size)] = question_id
    elif isinstance(effect, TraitPoints):
        result.traits[effect.trait] = result.traits.get(effect.trait, 0.0) + effect.points
    elif isinstance(effect, IncludeProducts):
        tagged = Tagged(_condition(effect.where, normalize), question_id, label)
        (result.include if effect.type == "include" else result.exclude).append(tagged)
    elif isinstance(effect, VoteProducts):
        sign = 1.0 if effect.type == "upvote" else -1.0
        result.votes.append(Vote(_condition(effect.where, normalize), sign * effect.strength,
                                 question_id, label))
    elif isinstance(effect, RangeFacet) and value is not None:
        result.bounds.append(Bound(effect.facet, effect.bound, value, question_id))


def outcome(definition: QuizDefinition, answers: Sequence[Answer], *,
            schema: FacetSchema | None = None) -> Outcome:
    """Fold the answers, in order, into one ``Outcome``. Given a facet ``schema``, facet values
    are normalized as the catalogue stores them.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="diet", kind="quiz", title="Diet", questions=[Question(
    ...     id="allergy", type="multiple", text="Allergies?", options=[
    ...         Option(id="gluten", label="Gluten", effects=[AddConstraint(
    ...             type="constraint", op="never", facet="allergens", values=["gluten"])]),
    ...         Option(id="none", label="None")])])
    >>> sorted(outcome(quiz, [Answer("allergy", ("gluten",))]).never)
    [('allergens', 'gluten')]
    """
    normalize = _normalizer(schema)
    questions = {q.id: q for q in definition.questions}
    result = Outcome()
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None or answer.skipped:
            continue
        if question.type == "range" and question.range is not None:
            for effect in question.range.effects:
                _apply(result, effect, question_id=question.id, label=answer_label(
                    question, answer), value=answer.value, normalize=normalize)
        elif question.type == "text":
            seen = {k.word for k in result.keywords}
            for word in _WORD.findall((answer.text or "").casefold()):
                if len(word) >= _MIN_KEYWORD and word not in seen:
                    seen.add(word)
                    result.keywords.append(Keyword(word, question.text_facet_boost, question.id))
        else:
            for option in question.options:
                if option.id not in answer.option_ids:
                    continue
                result.wants_assistance |= option.wants_assistance
                for effect in option.effects:
                    _apply(result, effect, question_id=question.id, label=option.label,
                           value=None, normalize=normalize)
    return result


# --------------------------------------------------------------------------- flow


def _holds(condition: AnswerCondition, given: Mapping[str, Answer]) -> bool:
    if condition.all is not None:
        return all(_holds(part, given) for part in condition.all)
    if condition.any is not None:
        return any(_holds(part, given) for part in condition.any)
    answer = given.get(condition.question or "")
    if answer is None or answer.skipped:
        return False  # a question not shown or skipped matches no condition
    if condition.any_of is not None and not set(condition.any_of) & set(answer.option_ids):
        return False
    if condition.min is not None or condition.max is not None:
        if answer.value is None:
            return False
        if condition.min is not None and answer.value < condition.min:
            return False
        if condition.max is not None and answer.value > condition.max:
            return False
    return True


def is_visible(question: Question, answers: Iterable[Answer]) -> bool:
    """Whether ``question`` is shown after ``answers`` (its ``show_if`` holds, or it has none).

    >>> is_visible(Question(id="q", type="text", text="Anything else?"), [])
    True
    """
    if question.show_if is None:
        return True
    return _holds(question.show_if, {a.question_id: a for a in answers})


def next_question(definition: QuizDefinition, answers: Sequence[Answer]) -> Question | None:
    """The question to show next: the first one after the last answered whose condition
    holds; ``None`` when the quiz is finished.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Q", questions=[
    ...     Question(id="a", type="single", text="A?", options=[
    ...         Option(id="y", label="Yes"), Option(id="n", label="No")]),
    ...     Question(id="b", type="text", text="Why?", show_if=AnswerCondition(
    ...         question="a", any_of=["y"]))])
    >>> next_question(quiz, [Answer("a", ("n",))]) is None
    True
    >>> next_question(quiz, [Answer("a", ("y",))]).id
    'b'
    """
    answered = {a.question_id for a in answers}
    start = 0
    if answers:
        positions = {q.id: i for i, q in enumerate(definition.questions)}
        start = max(positions.get(a.question_id, -1) for a in answers) + 1
    for question in definition.questions[start:]:
        if question.id not in answered and is_visible(question, answers):
            return question
    return None


def progress(definition: QuizDefinition, answers: Sequence[Answer]) -> dict[str, int]:
    """How far the customer is: ``answered`` and ``total``, the most questions the quiz can
    still come to (a question whose condition already failed is not counted).

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Q", questions=[
    ...     Question(id="a", type="text", text="A?"), Question(id="b", type="text", text="B?")])
    >>> progress(quiz, [Answer("a", text="hi")])
    {'answered': 1, 'total': 2}
    """
    positions = {q.id: i for i, q in enumerate(definition.questions)}
    last = max((positions.get(a.question_id, -1) for a in answers), default=-1)
    given = {a.question_id: a for a in answers}
    # Questions still ahead may yet be answered; a condition on one is not decided yet.
    pending = {q.id for q in definition.questions[last + 1:]}
    ahead = sum(1 for question in definition.questions[last + 1:]
                if question.show_if is None
                or _maybe(question.show_if, given, pending) is not False)
    return {"answered": len(answers), "total": len(answers) + ahead}


def _maybe(condition: AnswerCondition, given: Mapping[str, Answer], pending: set[str]
           ) -> bool | None:
    """``_holds`` in three values: ``None`` while it depends on a question still ahead."""
    if condition.all is not None or condition.any is not None:
        parts = [_maybe(part, given, pending) for part in condition.all or condition.any or []]
        decisive = condition.any is not None  # True decides "any", False decides "all"
        if decisive in parts:
            return decisive
        return None if None in parts else not decisive
    if condition.question in pending:
        return None
    return _holds(condition, given)


# --------------------------------------------------------------------------- validation


def _on_step(value: float, low: float, step: float) -> bool:
    steps = (value - low) / step
    return abs(steps - round(steps)) <= _STEP_TOLERANCE * max(1.0, abs(steps))


def validate_answer(question: Question, answer: Answer) -> Answer:
    """Check ``answer`` against ``question``; raise ``InvalidInput`` with locs from the
    answer's root (``("option_ids", 0)``, ``("value",)``, ``("text",)``). Returns the answer
    as stored (text trimmed).

    >>> from prefero.quizzes.definition import RangeSpec
    >>> q = Question(id="budget", type="range", text="Budget?",
    ...              range=RangeSpec(min=100, max=5000, step=100))
    >>> validate_answer(q, Answer("budget", value=1500)).value
    1500.0
    >>> validate_answer(q, Answer("budget", value=1550))
    Traceback (most recent call last):
    ...
    prefero.errors.InvalidInput: the answer does not fit the question
    """
    errors: list[FieldError] = []
    kind = question.type
    choice = kind in ("single", "multiple", "image")
    if not choice and answer.option_ids:
        errors.append(FieldError(("option_ids",), f"a {kind} question takes no options"))
    if kind != "range" and answer.value is not None:
        errors.append(FieldError(("value",), f"a {kind} question takes no value"))
    if kind != "text" and answer.text is not None:
        errors.append(FieldError(("text",), f"a {kind} question takes no text"))
    text = answer.text.strip() if answer.text is not None else None
    if answer.skipped and question.required:
        where = "option_ids" if choice else "value" if kind == "range" else "text"
        errors.append(FieldError((where,), "this question needs an answer"))
    if choice:
        known = {option.id for option in question.options}
        seen: set[str] = set()
        for i, option_id in enumerate(answer.option_ids):
            if option_id not in known:
                errors.append(FieldError(("option_ids", i), f"{question.id!r} has no option "
                                                            f"{option_id!r}"))
            elif option_id in seen:
                errors.append(FieldError(("option_ids", i), f"{option_id!r} is given twice"))
            seen.add(option_id)
        if kind != "multiple" and len(answer.option_ids) > 1:
            errors.append(FieldError(("option_ids",), f"a {kind} question takes one option, "
                                                      f"got {len(answer.option_ids)}"))
    if kind == "range" and answer.value is not None and question.range is not None:
        spec = question.range
        if not math.isfinite(answer.value):
            errors.append(FieldError(("value",), "expected a finite number"))
        elif not spec.min <= answer.value <= spec.max:
            errors.append(FieldError(("value",), f"must lie between {spec.min:g} and "
                                                 f"{spec.max:g}"))
        elif not _on_step(answer.value, spec.min, spec.step):
            errors.append(FieldError(("value",), f"must be {spec.min:g} plus a multiple of "
                                                 f"{spec.step:g}"))
    if kind == "text" and text is not None and len(text) > 500:
        errors.append(FieldError(("text",), "at most 500 characters"))
    if errors:
        raise InvalidInput("the answer does not fit the question", errors)
    value = float(answer.value) if answer.value is not None else None
    return Answer(question.id, tuple(answer.option_ids), value, text if text else None)


def answer_label(question: Question, answer: Answer) -> str:
    """The answer as a person reads it: option labels, the value with its unit, or the text.

    >>> from prefero.quizzes.definition import RangeSpec
    >>> answer_label(Question(id="b", type="range", text="Budget?", range=RangeSpec(
    ...     min=0, max=5000, step=100, unit="PLN")), Answer("b", value=1500))
    '1500 PLN'
    """
    if answer.skipped:
        return "skipped"
    if question.type == "range":
        unit = question.range.unit if question.range is not None else None
        return f"{answer.value:g}" + (f" {unit}" if unit else "")
    if question.type == "text":
        return answer.text or ""
    labels = {option.id: option.label for option in question.options}
    return ", ".join(labels.get(o, o) for o in answer.option_ids)

"""The declarative quiz / guided-selling format (YAML or JSON), as typed models.

A definition is a list of questions; each option (or a range answer) carries effects that
turn the answer into the customer's profile: preference weights, hard constraints, budget,
sizes, trait points, product inclusion/exclusion and votes. Questions may be shown only when
earlier answers match a condition. Cross-references (conditions pointing at earlier
questions, facets existing in the facet schema) are checked by ``prefero.quizzes.loader``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from prefero.quizzes.configuration import ConfigurationEnding

__all__ = [
    "AddConstraint",
    "AdjustWeight",
    "AnswerCondition",
    "Effect",
    "FacetCondition",
    "IncludeProducts",
    "Option",
    "Question",
    "QuizDefinition",
    "RangeFacet",
    "RangeSpec",
    "ResultsPolicy",
    "Scope",
    "SetBudget",
    "SetSizes",
    "SetWeight",
    "TraitPoints",
    "VoteProducts",
]

Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=100)]
# A language a definition's texts are translated into: "pl", "pt-BR".
Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism",
          "growth_mindset")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FacetCondition(_Strict):
    """Products whose ``facet`` has one of ``values`` (category values match sub-paths)."""

    facet: str = Field(min_length=1, max_length=100)
    values: list[str] = Field(min_length=1, max_length=100)


class Scope(_Strict):
    """The part of the catalogue a quiz recommends from: products whose ``facet`` has one of
    ``values`` and that meet every condition in ``also``. Results, fill items and closest
    matches never leave it.

    ``add_ons`` names the services the quiz may offer beside its picks (camera set-up for a
    camera finder, not laptop set-up); left out, the services of the scope's departments.
    ``noun`` is what the scope holds, as a shopper reads it after "no" ("leaves no
    cameras"); each translation gives the form its language needs there.
    """

    facet: str = Field(min_length=1, max_length=100)
    values: list[str] = Field(min_length=1, max_length=100)
    also: list[FacetCondition] = Field(default_factory=list, max_length=10)
    add_ons: FacetCondition | None = None
    noun: str | None = Field(default=None, min_length=1, max_length=100)

    @property
    def conditions(self) -> list[FacetCondition]:
        """Every condition a product in scope meets."""
        return [FacetCondition(facet=self.facet, values=self.values), *self.also]


# ---------------------------------------------------------------------------- effects


class SetWeight(_Strict):
    """Like (weight > 0) or dislike (weight < 0) a facet value, replacing any earlier weight."""

    type: Literal["set_weight"]
    facet: str
    value: str
    weight: float = Field(ge=-1, le=1)


class AdjustWeight(_Strict):
    """Add ``delta`` to the weight of a facet value (the sum is clipped to [-1, 1])."""

    type: Literal["adjust_weight"]
    facet: str
    value: str
    delta: float = Field(ge=-2, le=2)


class AddConstraint(_Strict):
    type: Literal["constraint"]
    op: Literal["never", "must"]
    facet: str
    values: list[str] = Field(min_length=1, max_length=100)


class SetBudget(_Strict):
    """A fixed budget, or (``from_answer``) the value of a range question as min or max."""

    type: Literal["budget"]
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    from_answer: Literal["min", "max"] | None = None


class SetSizes(_Strict):
    type: Literal["sizes"]
    category: str = Field(min_length=1, max_length=500)
    values: list[str] = Field(min_length=1, max_length=50)


class TraitPoints(_Strict):
    """Psychographic points: the Big Five dimensions and fixed (−) vs growth (+) mindset."""

    type: Literal["trait"]
    trait: Literal["openness", "conscientiousness", "extraversion", "agreeableness",
                   "neuroticism", "growth_mindset"]
    points: float = Field(ge=-10, le=10)


class IncludeProducts(_Strict):
    """Keep only (``include``) or drop (``exclude``) products matching the condition — for
    this quiz's results; not stored as a preference."""

    type: Literal["include", "exclude"]
    where: FacetCondition


class VoteProducts(_Strict):
    """Raise or lower matching products in this quiz's results."""

    type: Literal["upvote", "downvote"]
    where: FacetCondition
    strength: float = Field(default=1.0, gt=0, le=10)


class RangeFacet(_Strict):
    """A range answer as a bound on a numeric facet (e.g. screen size at least the answer)."""

    type: Literal["numeric_bound"]
    facet: str
    bound: Literal["min", "max"]


Effect = Annotated[
    SetWeight | AdjustWeight | AddConstraint | SetBudget | SetSizes | TraitPoints
    | IncludeProducts | VoteProducts | RangeFacet,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------------------- questions


class AnswerCondition(_Strict):
    """True when the answer to ``question`` picked any of ``any_of`` (choice questions) or lies
    within [``min``, ``max``] (range questions). ``all``/``any`` combine several."""

    question: Ident | None = None
    any_of: list[Ident] | None = None
    min: float | None = None
    max: float | None = None
    all: list[AnswerCondition] | None = None
    any: list[AnswerCondition] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> AnswerCondition:
        combined = self.all is not None or self.any is not None
        leaf = self.question is not None
        if combined == leaf:
            raise ValueError("a condition names a question, or combines others with all/any")
        if leaf and self.any_of is None and self.min is None and self.max is None:
            raise ValueError("a condition on a question needs any_of, min or max")
        return self


class Option(_Strict):
    id: Ident
    label: str = Field(min_length=1, max_length=200)
    image: str | None = Field(default=None, max_length=2000)
    effects: list[Effect] = Field(default_factory=list, max_length=50)
    # Signals low technical confidence or a wish for safety: results may then offer the
    # catalogue's add-on services (labelled, never pre-selected).
    wants_assistance: bool = False


class RangeSpec(_Strict):
    min: float
    max: float
    step: float = Field(default=1.0, gt=0)
    unit: str | None = Field(default=None, max_length=20)
    default: float | None = None
    effects: list[Effect] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.min >= self.max:
            raise ValueError("range min must be below max")
        if self.default is not None and not self.min <= self.default <= self.max:
            raise ValueError("range default must lie within min and max")
        return self


class Question(_Strict):
    id: Ident
    type: Literal["single", "multiple", "range", "image", "text"]
    text: str = Field(min_length=1, max_length=500)
    help: str | None = Field(default=None, max_length=1000)
    required: bool = True
    show_if: AnswerCondition | None = None
    options: list[Option] = Field(default_factory=list, max_length=50)
    range: RangeSpec | None = None
    # free-text: the words become an upvote on products whose title or description has them
    text_facet_boost: float = Field(default=1.0, gt=0, le=10)

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in ("single", "multiple", "image"):
            if len(self.options) < 2:
                raise ValueError(f"a {self.type} question needs at least two options")
            ids = [option.id for option in self.options]
            if len(ids) != len(set(ids)):
                raise ValueError("option ids must be unique within a question")
            if self.range is not None:
                raise ValueError(f"a {self.type} question takes options, not a range")
        elif self.type == "range":
            if self.range is None:
                raise ValueError("a range question needs a range")
            if self.options:
                raise ValueError("a range question takes a range, not options")
        elif self.options or self.range is not None:
            raise ValueError("a text question takes neither options nor a range")
        return self


class ResultsPolicy(_Strict):
    n: int = Field(default=5, ge=1, le=50)
    policy: Literal["exact_only", "fill"] = Field(
        default="fill",
        description="exact_only: only products matching every answer; fill: complete the "
                    "list with the closest matches, labelled as such. Either way, when "
                    "nothing matches every answer the closest matches are shown, each "
                    "labelled with what it misses: a quiz never ends on an empty page")


class QuizDefinition(_Strict):
    id: Ident
    kind: Literal["quiz", "guided_selling"]
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    # Results come only from this part of the catalogue (e.g. cameras only); left out,
    # the whole catalogue.
    scope: Scope | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)
    results: ResultsPolicy = ResultsPolicy()
    # Per language, each shopper-facing text of the definition (title, description,
    # questions, help, option labels, units, the scope's noun) keyed by its English form, as
    # gettext keys a message by its msgid. ``prefero.quizzes.texts`` applies them and lists
    # what is missing.
    translations: dict[Language, dict[Text, Text]] = Field(default_factory=dict,
                                                           max_length=20)
    # Guided selling may end in a configuration of a configurable product, the answers
    # pre-selecting its options (prefero.quizzes.configuration).
    configuration: ConfigurationEnding | None = None

    @model_serializer(mode="wrap")
    def _without_absent_ending(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Left out when absent, so that the stored form and content digest of every quiz
        # without one stay what they were (no new version on the next publish).
        data: dict[str, Any] = handler(self)
        if data.get("configuration", False) is None:
            del data["configuration"]
        return data

    @model_validator(mode="after")
    def _references(self) -> QuizDefinition:
        seen: dict[str, Question] = {}
        for position, question in enumerate(self.questions):
            if question.id in seen:
                raise ValueError(f"questions[{position}]: question id {question.id!r} is "
                                 "used twice")
            if question.show_if is not None:
                _check_condition(question.show_if, seen, f"questions[{position}].show_if")
            seen[question.id] = question
        return self


def _check_condition(condition: AnswerCondition, earlier: dict[str, Question],
                     where: str) -> None:
    for name in ("all", "any"):
        for i, part in enumerate(getattr(condition, name) or []):
            _check_condition(part, earlier, f"{where}.{name}[{i}]")
    if condition.question is None:
        return
    target = earlier.get(condition.question)
    if target is None:
        raise ValueError(f"{where}: refers to {condition.question!r}, which is not an "
                         "earlier question")
    known = {option.id for option in target.options}
    for option in condition.any_of or []:
        if option not in known:
            raise ValueError(f"{where}: {condition.question!r} has no option {option!r}")

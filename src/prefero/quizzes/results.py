"""What a quiz's answers mean over the catalogue: how far they narrow it ("12 of 480 left"),
the picks with their reasons and trade-offs, and optional add-on services.

Pure over a ``CatalogIndex`` snapshot. The customer's declared constraints and the quiz's own
(never/must, budget, sizes, exclusions) are filters applied through
``prefero.recommend.constraints`` and asserted again on whatever is returned; nothing here
re-implements them. Two profiles are checked rather than one merged: a customer's ``must`` and
the quiz's ``must`` on the same facet would otherwise become "either one", weakening both.

Everything returned lies in the quiz's scope (checked again, from the raw facet values). When
the rules and answers leave nothing, the narrowing names what emptied the set and the results
fall back to the closest matches: budgets, sizes and the quiz's own ``must`` answers may then
be missed, each miss named on the pick; ``never`` rules, rules on facets that describe what a
body needs or tolerates (diet, allergens: the schema binds them to categories), the
customer's other rules, exclusions, availability and the scope are never given up. Texts are
in the shopper's language (``language``), through the gettext catalogues.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema
from prefero.customers.preferences import normalize_preference_value
from prefero.i18n.catalogues import translations
from prefero.i18n.formats import money, number
from prefero.quizzes.definition import (
    FacetCondition,
    QuizDefinition,
    RangeSpec,
    Scope,
    SetBudget,
)
from prefero.quizzes.engine import Answer, Outcome, Tagged, answer_label, outcome
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray
from prefero.recommend.constraints import (
    ConstraintLeak,
    allowed_mask,
    assert_allowed,
    hidden_by_rule,
)
from prefero.recommend.profile import CustomerProfile

__all__ = [
    "Emptied",
    "Narrowing",
    "Pick",
    "QuizResults",
    "Reason",
    "Removal",
    "Service",
    "TradeOff",
    "budget_currency",
    "narrowing",
    "outside_scope",
    "quiz_profile",
    "quiz_results",
    "scope_mask",
    "service_mask",
]

SERVICES_SEGMENT = "services"
SERVICE_TAG = "service"
MAX_SERVICES = 3
MAX_REASONS = 6
MAX_TRADE_OFFS = 6
# How much the customer's own declared likes count next to this quiz's answers: the answers
# are about this very choice, the profile is general.
DECLARED_LIKE_SHARE = 0.5

# Numeric facets where more is better (+1) or worse (-1), and how a shortfall reads. Facets not
# listed have no agreed direction (a bigger screen is not better for everyone): no trade-off.
_DIRECTIONS: dict[str, tuple[int, str]] = {
    "megapixels": (1, "fewer megapixels than {other}"),
    "storage_gb": (1, "less storage than {other}"),
    "battery_hours": (1, "shorter battery life than {other}"),
    "weight_g": (-1, "heavier than {other}"),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Removal:
    """How many products one answer removed from what was left before it."""

    question_id: str
    question: str
    answer: str
    removed: int


@dataclass(frozen=True)
class Emptied:
    """What left nothing in scope: the customer's own rules before any answer (``by`` is
    "rules"), an answer (``by`` "answer", with its question), or a scope with nothing
    available (``by`` "catalogue"); ``message`` says so in the shopper's language and what
    they can do ("Your budget of 50 zł leaves no cameras: raise it or go on.")."""

    by: str
    message: str
    question_id: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Narrowing:
    count: int
    of: int
    removed_most: Removal | None
    steps: tuple[Removal, ...] = ()
    emptied: Emptied | None = None


@dataclass(frozen=True)
class ReasonFacts:
    """What a quiz reason rests on, typed, so that a client can word it itself.

    Which fields a code fills: ``question_id`` and ``answer`` (that answer's label) for the
    ``answer_*`` codes (``answer_budget``: ``question_id`` only); ``facet``, ``value`` (as
    stored) and ``value_label`` for ``answer_like``, ``answer_must``, ``answer_never`` and
    ``declared_like``; ``facet``, ``amount`` (the product's figure) and ``limit`` for
    ``answer_bound``; ``budget_min``, ``budget_max`` and ``currency`` for
    ``answer_budget``; ``word`` for ``answer_keyword``; ``misses`` for ``closest_match``.
    """

    question_id: str | None = None
    answer: str | None = None
    facet: str | None = None
    value: str | None = None
    value_label: str | None = None
    amount: float | None = None
    limit: float | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    currency: str | None = None
    word: str | None = None
    misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    params: ReasonFacts = ReasonFacts()


@dataclass(frozen=True)
class TradeOff:
    code: str
    text: str
    against: str
    facet: str
    difference: float


@dataclass(frozen=True)
class Pick:
    product_id: str
    title: str
    price: float
    match: str  # "exact" or "closest"
    score: float
    reasons: tuple[Reason, ...]
    trade_offs: tuple[TradeOff, ...] = ()
    misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    product_id: str
    title: str
    price: float
    reasons: tuple[Reason, ...]
    label: str = "add_on_service"
    preselected: bool = False


@dataclass(frozen=True)
class QuizResults:
    picks: tuple[Pick, ...]
    add_on_services: tuple[Service, ...]
    exact: int  # how many products match every answer
    policy: str
    narrowing: Narrowing | None = None
    outcome: Outcome = field(default_factory=Outcome, repr=False)
    # Nothing met the rules and answers: the picks are the closest matches, each with what
    # it misses.
    closest_matches: bool = False


# --------------------------------------------------------------------------- words


class _Words:
    """The shopper's language: message templates through gettext (English msgids), numbers
    and money as the language writes them, facet names and values from the facet schema."""

    def __init__(self, language: str, schema: FacetSchema | None,
                 index: CatalogIndex | None = None, *, currency: str | None = None) -> None:
        self.language = language
        self.schema = schema
        self.index = index
        self.currency = currency  # budgets' currency: every amount a shopper reads has one
        self._gettext = translations(language).gettext

    def __call__(self, template: str, **params: object) -> str:
        text = self._gettext(template)
        return text.format(**params) if params else text

    def amount(self, value: float) -> str:
        if self.language == "en":
            return _money(value)  # as before: "2,500", "2,500.50"
        return number(round(value, 2), self.language)

    def money(self, value: float, currency: str | None = None) -> str:
        currency = currency or self.currency
        if currency is None:
            return self.amount(value)
        return money(value, currency, self.language)

    def facet(self, name: str) -> str:
        if self.schema is None:
            return name.replace("_", " ").capitalize()
        return self.schema.label_in(name, self.language)

    def value(self, facet: str, value: str) -> str:
        """A facet value as a shopper reads it: "Sugar-free", never "true"."""
        known = self.schema.get(facet) if self.schema is not None else None
        if known is not None and known.type == "boolean":
            label = self.facet(facet)
            return label if value == "true" else self("not {facet}", facet=label.casefold())
        shown = self.index.label(facet, value) if self.index is not None else value
        if self.schema is None:
            return shown
        return self.schema.value_in(facet, value, self.language, shown=shown)

    def joined(self, parts: Sequence[str]) -> str:
        return f" {self('or')} ".join(parts)


# --------------------------------------------------------------------------- masks


def quiz_profile(result: Outcome, *, customer: CustomerProfile) -> CustomerProfile:
    """The quiz's hard rules (never/must, budget, sizes) as a profile for the constraint code.

    >>> from prefero.recommend.profile import CustomerProfile
    >>> me = CustomerProfile(customer_id=None, level="balanced", consents={})
    >>> quiz_profile(Outcome(never={("allergens", "nuts")}), customer=me).never
    (('allergens', 'nuts'),)
    """
    return CustomerProfile(
        customer_id=customer.customer_id, level=customer.level, consents=customer.consents,
        never=tuple(sorted(result.never)),
        must={facet: tuple(values) for facet, values in result.must.items() if values},
        budget_min=result.budget_min, budget_max=result.budget_max,
        sizes={category: frozenset(sizes) for category, sizes in result.sizes.items() if sizes},
    )


def _condition_mask(index: CatalogIndex, where: FacetCondition) -> BoolArray:
    mask = np.zeros(index.size, dtype=bool)
    for value in where.values:
        mask |= index.mask_for(where.facet, value)
    return mask


def _numeric(index: CatalogIndex, facet: str) -> FloatArray:
    values = np.full(index.size, np.nan, dtype=np.float64)
    for i, facets in enumerate(index.facet_values):
        raw = facets.get(facet)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            values[i] = float(raw)
    return values


def service_mask(index: CatalogIndex) -> BoolArray:
    """Products that are services: a category segment "Services" or the tag "service".

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow("w", "Warranty", Decimal(99), None, True, "in_stock",
    ...                    "Electronics > Services", None, {}, None)]
    >>> service_mask(index_products(rows, schema=load_facet_schema())).tolist()
    [True]
    """
    # Decided once per distinct category path, not once per product.
    leaf_is_service = np.array([any(part.strip().casefold() == SERVICES_SEGMENT
                                    for part in path.split(CATEGORY_SEPARATOR))
                                for path in index.leaf_names] or [False], dtype=bool)
    mask: BoolArray = index.mask_for("tags", SERVICE_TAG) | leaf_is_service[index.leaf_code]
    return mask


def _normalized(where: FacetCondition, schema: FacetSchema | None) -> FacetCondition:
    """The condition's values as the catalogue stores them ("Sony" is stored "sony")."""
    if schema is None or schema.get(where.facet) is None:
        return where
    values = []
    for raw in where.values:
        try:
            values.append(normalize_preference_value(schema, where.facet, raw))
        except (ValueError, KeyError):
            values.append(raw)
    return FacetCondition(facet=where.facet, values=values)


def scope_mask(index: CatalogIndex, definition: QuizDefinition,
               schema: FacetSchema | None = None) -> BoolArray:
    """Products in the quiz's scope (services included: they are told apart elsewhere);
    every product when the definition has none.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.quizzes.definition import Question
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow(p, p, Decimal(9), None, True, "in_stock", c, None, {}, None)
    ...         for p, c in (("bread", "Groceries > Bread"), ("tee", "Fashion > Tops"))]
    >>> quiz = QuizDefinition(id="g", kind="quiz", title="G", scope=Scope(
    ...     facet="category", values=["Groceries"]), questions=[Question(
    ...     id="q", type="text", text="Q?")])
    >>> scope_mask(index_products(rows, schema=load_facet_schema()), quiz).tolist()
    [True, False]
    """
    mask = np.ones(index.size, dtype=bool)
    if definition.scope is not None:
        for condition in definition.scope.conditions:
            mask &= _condition_mask(index, _normalized(condition, schema))
    return mask


def _matches_raw(raw: object, facet: str, value: str) -> bool:
    if raw is None:
        return False
    if facet == "category":
        path = str(raw)
        return path == value or path.startswith(value + CATEGORY_SEPARATOR)
    if isinstance(raw, bool):
        return value.casefold() == ("true" if raw else "false")
    if isinstance(raw, list):
        return any(str(item).casefold() == value.casefold() for item in raw)
    return str(raw).casefold() == value.casefold()


def outside_scope(index: CatalogIndex, positions: Sequence[int], scope: Scope | None,
                  schema: FacetSchema | None = None) -> list[str]:
    """The ids of ``positions`` that are not in ``scope``, read from each product's raw facet
    values rather than the postings the masks come from: the independent second check.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow("tee", "Tee", Decimal(9), None, True, "in_stock", "Fashion > Tops",
    ...                    None, {}, None)]
    >>> index = index_products(rows, schema=load_facet_schema())
    >>> outside_scope(index, [0], Scope(facet="category", values=["Groceries"]))
    ['tee']
    """
    if scope is None:
        return []
    conditions = [_normalized(c, schema) for c in scope.conditions]
    found = []
    for position in positions:
        values = index.facet_values[position]
        raw_of = {"category": index.categories[position]}
        if not all(any(_matches_raw(raw_of.get(c.facet, values.get(c.facet)), c.facet, v)
                       for v in c.values) for c in conditions):
            found.append(index.ids[position])
    return found


def _add_on_mask(index: CatalogIndex, definition: QuizDefinition, in_scope: BoolArray,
                 services: BoolArray, schema: FacetSchema | None) -> BoolArray:
    """The services this quiz may offer: those its scope names (``add_ons``), else the
    services of the departments its products are in (camera set-up, not a sofa warranty);
    any service when the quiz has no scope."""
    scope = definition.scope
    if scope is None:
        return services
    if scope.add_ons is not None:
        return services & _condition_mask(index, _normalized(scope.add_ons, schema))
    departments = np.unique(index.vertical_code[in_scope & ~services])
    return services & np.isin(index.vertical_code, departments)


def _binding(facet: str, schema: FacetSchema | None) -> bool:
    """Whether a ``must`` on ``facet`` is never given up for a closest match: facets the
    schema binds to categories (diet, allergens, vegan, skin type) say what a body needs or
    tolerates; a closest match may be over budget or not organic, never not gluten-free.
    Without a schema every ``must`` binds."""
    known = schema.get(facet) if schema is not None else None
    return known is None or bool(known.applies_to)


class _Masks:
    """The masks one evaluation needs, with the numeric columns read once."""

    def __init__(self, index: CatalogIndex, definition: QuizDefinition,
                 customer: CustomerProfile, schema: FacetSchema | None,
                 words: _Words | None = None) -> None:
        self.index = index
        self.schema = schema
        self.customer = customer
        self.words = words if words is not None else _Words("en", schema, index)
        self.services = service_mask(index)
        self.in_scope = scope_mask(index, definition, schema)
        self.base = allowed_mask(index, customer) & self.in_scope & ~self.services
        # What a closest match keeps of the customer's rules: all but the budget.
        self.floor_profile = replace(customer, budget_min=None, budget_max=None)
        self.floor = (allowed_mask(index, self.floor_profile) & self.in_scope
                      & ~self.services)
        self._numeric: dict[str, FloatArray] = {}

    def numeric(self, facet: str) -> FloatArray:
        if facet not in self._numeric:
            self._numeric[facet] = _numeric(self.index, facet)
        return self._numeric[facet]

    def hard(self, result: Outcome) -> BoolArray:
        """Passing the customer's rules, the quiz's rules and its exclusions; in scope."""
        mask = self.base & allowed_mask(self.index, quiz_profile(result, customer=self.customer))
        for tagged in result.exclude:
            mask &= ~_condition_mask(self.index, tagged.where)
        return mask

    def soft(self, result: Outcome) -> list[tuple[str, BoolArray]]:
        """The narrowing conditions a closest match may miss, each with what it asks."""
        conditions: list[tuple[str, BoolArray]] = []
        groups: dict[str, list[Tagged]] = {}
        for tagged in result.include:
            groups.setdefault(tagged.question_id, []).append(tagged)
        # Options picked in one question widen each other ("Canon or Nikon"); separate
        # questions narrow together.
        words = self.words
        for tagged_group in groups.values():
            mask = np.zeros(self.index.size, dtype=bool)
            for tagged in tagged_group:
                mask |= _condition_mask(self.index, tagged.where)
            conditions.append((words.joined([t.label for t in tagged_group]), mask))
        for bound in result.bounds:
            column = self.numeric(bound.facet)
            with np.errstate(invalid="ignore"):
                ok = column >= bound.value if bound.bound == "min" else column <= bound.value
            template = "{facet} at least {amount}" if bound.bound == "min" else \
                "{facet} at most {amount}"
            conditions.append((words(template, facet=_facet_text(bound.facet, words),
                                     amount=_amount(bound.facet, bound.value, words)),
                               ok & ~np.isnan(column)))
        return conditions

    def kept(self, result: Outcome) -> BoolArray:
        """What a closest match never gives up: the customer's rules but their budget, the
        scope, the quiz's ``never`` answers, its binding ``must`` answers and exclusions."""
        rules = CustomerProfile(
            customer_id=self.customer.customer_id, level=self.customer.level,
            consents=self.customer.consents, never=tuple(sorted(result.never)),
            must={facet: tuple(values) for facet, values in result.must.items()
                  if values and _binding(facet, self.schema)})
        mask = self.floor & allowed_mask(self.index, rules)
        for tagged in result.exclude:
            mask &= ~_condition_mask(self.index, tagged.where)
        return mask

    def budget(self, result: Outcome) -> tuple[float | None, float | None]:
        """The budget both the customer and the answers set: the higher floor, the lower
        ceiling."""
        lows = [b for b in (self.customer.budget_min, result.budget_min) if b is not None]
        highs = [b for b in (self.customer.budget_max, result.budget_max) if b is not None]
        return (max(lows) if lows else None, min(highs) if highs else None)

    def relaxed(self, result: Outcome) -> list[tuple[str, BoolArray]]:
        """The rules a closest match may miss, each with what it asks: the budget, sizes and
        the quiz's ``must`` answers on facets that do not bind."""
        index, words = self.index, self.words
        conditions: list[tuple[str, BoolArray]] = []
        low, high = self.budget(result)
        if low is not None or high is not None:
            ok = np.ones(index.size, dtype=bool)
            if low is not None:
                ok &= index.price >= low - 1e-9
            if high is not None:
                ok &= index.price <= high + 1e-9
            conditions.append((words("your budget ({budget})",
                                     budget=_budget_text(low, high, words)), ok))
        for facet, values in result.must.items():
            if not values or _binding(facet, self.schema):
                continue
            has_one = np.zeros(index.size, dtype=bool)
            for value in values:
                has_one |= index.mask_for(facet, value)
            applies = (np.ones(index.size, dtype=bool) if facet == "category"
                       else index.applies_mask(facet))
            conditions.append((_requirement(facet, values, words), has_one | ~applies))
        sized = index.applies_mask("size")
        for category, sizes in result.sizes.items():
            fits = np.zeros(index.size, dtype=bool)
            for size in sizes:
                fits |= index.mask_for("size", size)
            in_category = index.mask_for("category", category)
            conditions.append((words("size {sizes} in {category}",
                                     sizes=words.joined(sorted(sizes)),
                                     category=words.value("category", category)),
                               ~(in_category & sized) | fits))
        return conditions

    def exact(self, result: Outcome) -> BoolArray:
        mask = self.hard(result)
        for _, condition in self.soft(result):
            mask &= condition
        return mask


def _facet_text(facet: str, words: _Words) -> str:
    """'screen size' for ``screen_inches``: the schema's label, else the name."""
    if words.schema is None or words.schema.get(facet) is None:
        return facet.replace("_", " ")
    return words.facet(facet).casefold()


def _amount(facet: str, value: float, words: _Words) -> str:
    shown = number(value, words.language)
    return words.schema.measure_in(facet, shown, words.language) if words.schema else shown


def _requirement(facet: str, values: Sequence[str], words: _Words) -> str:
    """A ``must`` as a shopper reads it: "Organic", "Diet: vegan or vegetarian"."""
    shown = words.joined([words.value(facet, v) for v in values])
    known = words.schema.get(facet) if words.schema is not None else None
    if known is not None and known.type == "boolean":
        return shown
    return f"{words.facet(facet)}: {shown}"


def _budget_text(low: float | None, high: float | None, words: _Words,
                 currency: str | None = None) -> str:
    if low is not None and high is not None:
        return words("{low} to {high}", low=words.money(low, currency),
                     high=words.money(high, currency))
    if high is not None:
        return words("up to {amount}", amount=words.money(high, currency))
    return words("from {amount}", amount=words.money(low or 0.0, currency))


# --------------------------------------------------------------------------- narrowing


def narrowing(index: CatalogIndex, definition: QuizDefinition, answers: Sequence[Answer], *,
              customer: CustomerProfile, schema: FacetSchema | None = None,
              language: str = "en", currency: str | None = None) -> Narrowing:
    """How many products in the quiz's scope still match every answer ("12 of 480 left"), out
    of those in scope before any answer, which answer removed the most and, when nothing is
    left, what emptied the set (``emptied``: the customer's rules, or the answer after which
    the count fell to 0), in ``language``. ``currency``: what budgets are in (left out: the
    unit of the quiz's budget question, when it is a currency code).

    Both counts respect the customer's own constraints and availability, so they are the
    counts of what could really be shown.

    >>> # narrowing(index, camera_finder, [Answer("budget", value=50)], customer=me).emptied
    """
    currency = currency if currency is not None else budget_currency(definition)
    words = _Words(language, schema, index, currency=currency)
    masks = _Masks(index, definition, customer, schema, words)
    questions = {q.id: q for q in definition.questions}
    before = int(masks.base.sum())
    of = before
    steps: list[Removal] = []
    emptied: Emptied | None = None
    for k in range(1, len(answers) + 1):
        answer = answers[k - 1]
        result = outcome(definition, answers[:k], schema=schema)
        after = int(masks.exact(result).sum())
        question = questions.get(answer.question_id)
        if question is not None:
            steps.append(Removal(answer.question_id, question.text,
                                 answer_label(question, answer), max(0, before - after)))
            if before > 0 and after == 0:
                emptied = _emptied_by_answer(steps[-1], _sets_budget(definition, answer),
                                             result, definition, words, currency)
        if after > 0:
            emptied = None
        before = after
    if of == 0:
        emptied = _emptied_by_rules(masks, definition, words, currency)
    most = max(steps, key=lambda s: s.removed, default=None)  # the first of equals
    return Narrowing(count=before, of=of,
                     removed_most=most if most is not None and most.removed > 0 else None,
                     steps=tuple(steps), emptied=emptied)


def budget_currency(definition: QuizDefinition) -> str | None:
    """The currency of the quiz's budget question: its unit, when that is a currency code.

    >>> from prefero.quizzes.definition import Question
    >>> budget = Question(id="b", type="range", text="Budget?", range=RangeSpec(
    ...     min=0, max=900, unit="PLN", effects=[SetBudget(type="budget", from_answer="max")]))
    >>> budget_currency(QuizDefinition(id="q", kind="quiz", title="Q", questions=[budget]))
    'PLN'
    """
    for question in definition.questions:
        spec: RangeSpec | None = question.range
        if spec is not None and spec.unit and _CURRENCY.match(spec.unit) and any(
                isinstance(effect, SetBudget) for effect in spec.effects):
            return spec.unit
    return None


def _sets_budget(definition: QuizDefinition, answer: Answer) -> bool:
    question = next((q for q in definition.questions if q.id == answer.question_id), None)
    if question is None:
        return False
    effects = list(question.range.effects) if question.range is not None else []
    for option in question.options:
        if option.id in answer.option_ids:
            effects.extend(option.effects)
    return any(isinstance(effect, SetBudget) for effect in effects)


def _things(definition: QuizDefinition, words: _Words) -> str:
    """What the scope holds, after "no": the definition's (translated) noun."""
    if definition.scope is not None and definition.scope.noun:
        return definition.scope.noun
    return words("matching products")


def _emptied_by_answer(step: Removal, sets_budget: bool, result: Outcome,
                       definition: QuizDefinition, words: _Words, currency: str | None
                       ) -> Emptied:
    things = _things(definition, words)
    if sets_budget and result.budget_max is not None:
        message = words("Your budget of {budget} leaves no {things}: raise it or go on.",
                        budget=words.money(result.budget_max, currency), things=things)
    elif sets_budget and result.budget_min is not None:
        message = words("Your budget from {budget} leaves no {things}: lower it or go on.",
                        budget=words.money(result.budget_min, currency), things=things)
    else:
        message = words("Your answer “{answer}” leaves no {things}: change it or go on.",
                        answer=step.answer, things=things)
    return Emptied(by="answer", message=message, question_id=step.question_id,
                   answer=step.answer)


def _emptied_by_rules(masks: _Masks, definition: QuizDefinition, words: _Words,
                      currency: str | None) -> Emptied:
    """Nothing in scope before any answer: the customer's rule that hides it all (the
    budget first), their rules together, or a scope with nothing available at all."""
    index, customer = masks.index, masks.customer
    things = _things(definition, words)
    available = index.eligible & masks.in_scope & ~masks.services
    total = int(available.sum())
    if total == 0:
        return Emptied(by="catalogue", message=words("There are no {things} available right "
                                                     "now.", things=things))
    alone = [h for h in hidden_by_rule(index, customer, available) if h.count == total]
    alone.sort(key=lambda h: not h.rule.startswith("budget:"))
    rule = alone[0].rule if alone else ""
    if rule == "budget:max" and customer.budget_max is not None:
        message = words("Your budget of {budget} leaves no {things}: raise it or go on.",
                        budget=words.money(customer.budget_max, currency), things=things)
    elif rule == "budget:min" and customer.budget_min is not None:
        message = words("Your budget from {budget} leaves no {things}: lower it or go on.",
                        budget=words.money(customer.budget_min, currency), things=things)
    elif rule:
        message = words("Your rule “{rule}” leaves no {things}: change it in your "
                        "preferences or go on.", rule=_rule_text(rule, customer, words),
                        things=things)
    else:
        message = words("Your saved preferences together leave no {things}: change them or "
                        "go on.", things=things)
    return Emptied(by="rules", message=message)


def _rule_text(key: str, customer: CustomerProfile, words: _Words) -> str:
    """A rule of ``prefero.recommend.constraints`` as its owner reads it: "Brand: never
    Apple"."""
    kind, _, rest = key.partition(":")
    if kind == "never":
        facet, _, value = rest.partition("=")
        return f"{words.facet(facet)}: {words('never {value}', value=words.value(facet, value))}"
    if kind == "must":
        values = [words.value(rest, v) for v in customer.must.get(rest, ())]
        return f"{words.facet(rest)}: {words('only {values}', values=words.joined(values))}"
    if kind == "size":
        return words("sizes in {category}", category=words.value("category", rest))
    if kind == "missing":
        # A "never" rule on a safety facet also hides what states nothing for it: name the
        # rule the customer wrote ("Allergens: never gluten").
        values = [words.value(rest, v) for facet, v in customer.never if facet == rest]
        return f"{words.facet(rest)}: {words('never {value}', value=words.joined(values))}"
    return words("products marked “not for me”")


# --------------------------------------------------------------------------- results


def _haystacks(index: CatalogIndex, positions: np.ndarray) -> dict[int, str]:
    texts: dict[int, str] = {}
    for position in positions.tolist():
        parts = [index.titles[position]]
        for raw in index.facet_values[position].values():
            if isinstance(raw, str):
                parts.append(raw)
            elif isinstance(raw, list):
                parts.extend(str(v) for v in raw)
        texts[position] = " ".join(parts).casefold()
    return texts


def _scores(index: CatalogIndex, result: Outcome, customer: CustomerProfile,
            candidates: np.ndarray, haystacks: dict[int, str]) -> FloatArray:
    score = np.zeros(index.size, dtype=np.float64)
    for (facet, value), weight in result.likes.items():
        score += weight * index.mask_for(facet, value)
    for vote in result.votes:
        score += vote.weight * _condition_mask(index, vote.where)
    if customer.uses_declared:
        for facet, value, weight in customer.likes:
            score += DECLARED_LIKE_SHARE * weight * index.mask_for(facet, value)
    for keyword in result.keywords:
        for position in candidates.tolist():
            if keyword.word in haystacks[position]:
                score[position] += keyword.boost
    return score


def _about_products(result: Outcome) -> bool:
    """Whether any answer says something about products (not only about traits)."""
    return bool(result.likes or result.never or result.must or result.has_budget
                or result.sizes or result.bounds or result.include or result.exclude
                or result.votes or result.keywords)


def _money(amount: float) -> str:
    return f"{amount:,.0f}" if abs(amount - round(amount)) < 0.005 else f"{amount:,.2f}"


def _reasons(index: CatalogIndex, position: int, result: Outcome, definition: QuizDefinition,
             answers: Sequence[Answer], masks: _Masks, customer: CustomerProfile,
             haystack: str) -> list[Reason]:
    questions = {q.id: q for q in definition.questions}
    given = {a.question_id: a for a in answers}
    values = index.values_of(position)

    def said(question_id: str) -> str:
        question, answer = questions.get(question_id), given.get(question_id)
        if question is None or answer is None:
            return ""
        return answer_label(question, answer)

    words = masks.words

    def valued(code: str, template: str, facet: str, value: str, *, source: str = "",
               answer: str | None = None) -> Reason:
        label = words.value(facet, value)
        return Reason(code, words(template, value=label, answer=answer), ReasonFacts(
            question_id=source or None, answer=answer, facet=facet, value=value,
            value_label=label))

    found: list[Reason] = []
    for (facet, value), weight in result.likes.items():
        if weight > 0 and (facet, value) in values:
            source = result.sources.get(("like", facet, value), "")
            found.append(valued("answer_like", "Matches your answer “{answer}”: {value}",
                                facet, value, source=source, answer=said(source)))
    for facet, wanted in result.must.items():
        for value in wanted:
            if (facet, value) in values:
                source = result.sources.get(("must", facet, value), "")
                found.append(valued("answer_must", "Matches your answer “{answer}”: {value}",
                                    facet, value, source=source, answer=said(source)))
    for tagged in result.include:
        if any((tagged.where.facet, v) in values for v in tagged.where.values):
            found.append(Reason("answer_include", words(
                "Matches your answer “{answer}”", answer=tagged.label), ReasonFacts(
                question_id=tagged.question_id, answer=tagged.label)))
    for vote in result.votes:
        if vote.weight > 0 and any((vote.where.facet, v) in values for v in vote.where.values):
            found.append(Reason("answer_upvote", words(
                "Fits your answer “{answer}”", answer=vote.label), ReasonFacts(
                question_id=vote.question_id, answer=vote.label)))
    for bound in result.bounds:
        have = masks.numeric(bound.facet)[position]
        if not math.isnan(have) and (have >= bound.value if bound.bound == "min"
                                     else have <= bound.value):
            template = ("{facet} {amount}: at least {limit} as you asked"
                        if bound.bound == "min" else
                        "{facet} {amount}: at most {limit} as you asked")
            limit = number(bound.value, words.language)
            found.append(Reason("answer_bound", words(
                template, facet=_facet_text(bound.facet, words).capitalize(),
                amount=_amount(bound.facet, have, words), limit=limit), ReasonFacts(
                question_id=bound.question_id, answer=said(bound.question_id) or None,
                facet=bound.facet, amount=float(have), limit=bound.value)))
    if result.has_budget:
        found.append(Reason("answer_budget", words(
            "Within your budget ({budget})",
            budget=_budget_text(result.budget_min, result.budget_max, words)), ReasonFacts(
            question_id=result.sources.get(("budget", "", "")),
            budget_min=result.budget_min, budget_max=result.budget_max,
            currency=words.currency)))
    stated = index.facet_values[position]
    for facet, value in sorted(result.never):
        if facet in stated:
            source = result.sources.get(("never", facet, value), "")
            found.append(valued("answer_never", "Free of {value}, as you asked", facet,
                                value, source=source, answer=said(source) if source else None))
    for keyword in result.keywords:
        if keyword.word in haystack:
            found.append(Reason("answer_keyword", words("Mentions “{word}”",
                                                        word=keyword.word), ReasonFacts(
                question_id=keyword.question_id, answer=said(keyword.question_id) or None,
                word=keyword.word)))
    if customer.uses_declared:
        for facet, value, weight in customer.likes:
            if weight > 0 and (facet, value) in values:
                found.append(valued("declared_like", "Matches your preference: {value}",
                                    facet, value))
    unique: dict[str, Reason] = {}
    for reason in found:
        unique.setdefault(reason.text, reason)
    return list(unique.values())


def _trade_offs(index: CatalogIndex, picks: Sequence[int], masks: _Masks
                ) -> dict[int, list[TradeOff]]:
    """What each pick gives up against each other pick: only its downsides, so that the
    customer sees the price of choosing it ("costs 400 more than Y", "heavier than X")."""
    found: dict[int, list[TradeOff]] = {p: [] for p in picks}
    for p in picks:
        for q in picks:
            if p == q:
                continue
            other_id, other = index.ids[q], index.titles[q]
            more = float(index.price[p] - index.price[q])
            if more >= 0.005:
                found[p].append(TradeOff("costs_more", masks.words(
                    "costs {amount} more than {other}",
                    amount=masks.words.money(more, index.currency_of(p)),
                    other=other), other_id, "price", round(more, 2)))
            for facet, (direction, phrase) in _DIRECTIONS.items():
                mine, theirs = masks.numeric(facet)[p], masks.numeric(facet)[q]
                if math.isnan(mine) or math.isnan(theirs) or mine == theirs:
                    continue
                if (mine - theirs) * direction < 0:
                    found[p].append(TradeOff(f"worse_{facet}", masks.words(phrase, other=other),
                                             other_id, facet, round(abs(mine - theirs), 4)))
    return {p: items[:MAX_TRADE_OFFS] for p, items in found.items()}


def _ranked(positions: np.ndarray, score: FloatArray, index: CatalogIndex,
            misses: dict[int, int] | None = None) -> list[int]:
    def key(p: int) -> tuple[int, float, float, str]:
        return ((misses or {}).get(p, 0), -float(score[p]), float(index.price[p]), index.ids[p])

    return sorted(positions.tolist(), key=key)


def quiz_results(index: CatalogIndex, definition: QuizDefinition, answers: Sequence[Answer],
                 *, customer: CustomerProfile, schema: FacetSchema | None = None,
                 language: str = "en", currency: str | None = None) -> QuizResults:
    """The top ``definition.results.n`` products for the answers, each explained in
    ``language``.

    Products matching every answer come first; under the ``fill`` policy the list is completed
    with the closest matches (fewest narrowing conditions missed), labelled ``closest_match``
    with what they miss. When no product meets the rules and answers at all, the picks are
    the closest matches under any policy (``closest_matches``): they may miss the budget,
    sizes and non-binding ``must`` answers, and say which. Nothing ever leaves the quiz's
    scope or breaks a ``never`` rule, a binding rule or another rule of the customer's, and
    services are never picks: when an answer asked for assistance, the services the scope
    names are listed apart.

    >>> # quiz_results(index, camera_finder, answers, customer=me).picks[0].reasons[0].code
    """
    currency = currency if currency is not None else budget_currency(definition)
    words = _Words(language, schema, index, currency=currency)
    result = outcome(definition, answers, schema=schema)
    masks = _Masks(index, definition, customer, schema, words)
    hard = masks.hard(result)
    soft = masks.soft(result)
    exact = hard.copy()
    for _, condition in soft:
        exact &= condition
    n = definition.results.n
    kept = masks.kept(result)
    candidates = np.flatnonzero(kept)
    haystacks = _haystacks(index, candidates)
    score = _scores(index, result, customer, candidates, haystacks)

    chosen = _ranked(np.flatnonzero(exact), score, index)[:n]
    missing: dict[int, list[str]] = {}
    if len(chosen) < n and (definition.results.policy == "fill" or not chosen):
        pool = np.flatnonzero(hard & ~exact)
        for position in pool.tolist():
            missing[position] = [text for text, ok in soft if not ok[position]]
        counts = {p: len(m) for p, m in missing.items()}
        chosen += _ranked(pool, score, index, counts)[:n - len(chosen)]
    fallback = not chosen
    if fallback:
        chosen = _closest(index, result, masks, kept & ~hard, soft, score, missing, n)

    # The second, independent check: a leak here is a bug and must fail loudly.
    _assert_inside(index, chosen, result, masks, definition, strict=not fallback)

    trade = (_trade_offs(index, chosen, masks) if definition.kind == "guided_selling"
             else {})
    picks: list[Pick] = []
    for position in chosen:
        reasons = _reasons(index, position, result, definition, answers, masks, customer,
                           haystacks.get(position, ""))
        misses = tuple(missing.get(position, ()))
        if fallback and not _within_budget(result, float(index.price[position])):
            # A closest match may be over the budget: saying it is within would be false.
            reasons = [r for r in reasons if r.code != "answer_budget"]
        if position in missing:
            what = "; ".join(misses) if misses else words("some of your answers")
            reasons.insert(0, Reason("closest_match", words("Closest match — misses: {what}",
                                                            what=what),
                                     ReasonFacts(misses=misses)))
        elif not reasons and _about_products(result):
            reasons.append(Reason("answer_fit", words("Fits all your answers")))
        elif not reasons:
            # The answers only measured traits: "fits your answers" would claim a match that
            # was never tested.
            reasons.append(Reason("editorial", words("From our range")))
        picks.append(Pick(
            product_id=index.ids[position], title=index.titles[position],
            price=float(index.price[position]),
            match="closest" if position in missing else "exact",
            score=round(float(score[position]), 6), reasons=tuple(reasons[:MAX_REASONS]),
            trade_offs=tuple(trade.get(position, ())), misses=misses))

    services = (_services(index, definition, result, customer, chosen, masks)
                if result.wants_assistance else ())
    return QuizResults(picks=tuple(picks), add_on_services=services, exact=int(exact.sum()),
                       policy=definition.results.policy, outcome=result,
                       closest_matches=bool(picks) and all(p.match == "closest"
                                                           for p in picks))


def _within_budget(result: Outcome, price: float) -> bool:
    return ((result.budget_max is None or price <= result.budget_max + 1e-9)
            and (result.budget_min is None or price >= result.budget_min - 1e-9))


def _closest(index: CatalogIndex, result: Outcome, masks: _Masks, pool_mask: BoolArray,
             soft: list[tuple[str, BoolArray]], score: FloatArray,
             missing: dict[int, list[str]], n: int) -> list[int]:
    """The closest matches when nothing meets the rules: fewest rules missed, then the least
    over budget, fewest answers missed, best score, cheapest. ``missing`` receives what each
    pick misses (rules first)."""
    relaxed = masks.relaxed(result)
    low, high = masks.budget(result)
    price = index.price
    over = np.zeros(index.size, dtype=np.float64)
    if high is not None:
        over += np.maximum(price - high, 0.0)
    if low is not None:
        over += np.maximum(low - price, 0.0)
    ranked: list[tuple[int, float, int, float, float, str, int]] = []
    for position in np.flatnonzero(pool_mask).tolist():
        rules = [text for text, ok in relaxed if not ok[position]]
        answers = [text for text, ok in soft if not ok[position]]
        missing[position] = rules + answers
        ranked.append((len(rules), float(over[position]), len(answers), -float(score[position]),
                       float(price[position]), index.ids[position], position))
    ranked.sort()
    chosen = [entry[-1] for entry in ranked[:n]]
    for position in list(missing):
        if position not in chosen:
            del missing[position]
    return chosen


def _assert_inside(index: CatalogIndex, chosen: Sequence[int], result: Outcome,
                   masks: _Masks, definition: QuizDefinition, *, strict: bool) -> None:
    """Whatever is returned: inside the scope, no service, no exclusion, and every rule
    kept (``strict``) or every rule a closest match never gives up — checked from the raw
    values by ``prefero.recommend.constraints``, not through the masks that chose it."""
    customer = masks.customer
    if strict:
        assert_allowed(index, chosen, customer)
        assert_allowed(index, chosen, quiz_profile(result, customer=customer))
    else:
        assert_allowed(index, chosen, masks.floor_profile)
        assert_allowed(index, chosen, CustomerProfile(
            customer_id=customer.customer_id, level=customer.level,
            consents=customer.consents, never=tuple(sorted(result.never)),
            must={facet: tuple(values) for facet, values in result.must.items()
                  if values and _binding(facet, masks.schema)}))
    strays = outside_scope(index, chosen, definition.scope, masks.schema)
    if strays:
        raise ConstraintLeak(f"item {strays[0]} is outside the quiz's scope; refusing to "
                             "answer")
    for position in chosen:
        values = index.values_of(position)
        for tagged in result.exclude:
            if any((tagged.where.facet, v) in values for v in tagged.where.values):
                raise ConstraintLeak(f"item {index.ids[position]} is excluded by the answer "
                                     f"“{tagged.label}”; refusing to answer")
        if masks.services[position]:
            raise ConstraintLeak(f"service {index.ids[position]} reached the picks")


def _services(index: CatalogIndex, definition: QuizDefinition, result: Outcome,
              customer: CustomerProfile, picks: Sequence[int], masks: _Masks
              ) -> tuple[Service, ...]:
    """Add-on services for an answer that asked for help or safety: only those the quiz's
    scope names (``add_ons``; left out, those of its departments). The customer's own rules
    and the quiz's exclusions (never) and budget ceiling apply; the quiz's ``must`` and
    budget floor describe the main product and would rule out every service."""
    rules = CustomerProfile(customer_id=customer.customer_id, level=customer.level,
                            consents=customer.consents, never=tuple(sorted(result.never)),
                            budget_max=result.budget_max)
    offered = _add_on_mask(index, definition, masks.in_scope, masks.services, masks.schema)
    mask = offered & allowed_mask(index, customer) & allowed_mask(index, rules)
    verticals = {int(index.vertical_code[p]) for p in picks}
    # Services of the picks' department first (camera set-up before a sofa warranty).
    ranked = sorted(np.flatnonzero(mask).tolist(),
                    key=lambda p: (int(index.vertical_code[p]) not in verticals,
                                   float(index.price[p]), index.ids[p]))[:MAX_SERVICES]
    assert_allowed(index, ranked, customer)
    assert_allowed(index, ranked, rules)
    add_ons = definition.scope.add_ons if definition.scope is not None else None
    if add_ons is not None:
        strays = outside_scope(index, ranked, Scope(facet=add_ons.facet, values=add_ons.values),
                               masks.schema)
        if strays:
            raise ConstraintLeak(f"service {strays[0]} is not an add-on of this quiz")
    reason = Reason("add_on_service", masks.words(
        "Optional add-on, because you asked for help or peace of mind; not added to your "
        "basket"))
    return tuple(Service(product_id=index.ids[p], title=index.titles[p],
                         price=float(index.price[p]), reasons=(reason,)) for p in ranked)

"""What a quiz's answers mean over the catalogue: how far they narrow it ("12 of 480 left"),
the picks with their reasons and trade-offs, and optional add-on services.

Pure over a ``CatalogIndex`` snapshot. The customer's declared constraints and the quiz's own
(never/must, budget, sizes, exclusions) are filters applied through
``prefero.recommend.constraints`` and asserted again on whatever is returned; nothing here
re-implements them. Two profiles are checked rather than one merged: a customer's ``must`` and
the quiz's ``must`` on the same facet would otherwise become "either one", weakening both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema
from prefero.quizzes.definition import FacetCondition, QuizDefinition
from prefero.quizzes.engine import Answer, Outcome, Tagged, answer_label, outcome
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray
from prefero.recommend.constraints import ConstraintLeak, allowed_mask, assert_allowed
from prefero.recommend.profile import CustomerProfile

__all__ = [
    "Narrowing",
    "Pick",
    "QuizResults",
    "Reason",
    "Removal",
    "Service",
    "TradeOff",
    "narrowing",
    "quiz_profile",
    "quiz_results",
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
    "megapixels": (1, "fewer megapixels than"),
    "storage_gb": (1, "less storage than"),
    "battery_hours": (1, "shorter battery life than"),
    "weight_g": (-1, "heavier than"),
}


@dataclass(frozen=True)
class Removal:
    """How many products one answer removed from what was left before it."""

    question_id: str
    question: str
    answer: str
    removed: int


@dataclass(frozen=True)
class Narrowing:
    count: int
    of: int
    removed_most: Removal | None
    steps: tuple[Removal, ...] = ()


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


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


def _scope(index: CatalogIndex, definition: QuizDefinition) -> BoolArray:
    if definition.scope is None:
        return np.ones(index.size, dtype=bool)
    return _condition_mask(index, definition.scope)


class _Masks:
    """The masks one evaluation needs, with the numeric columns read once."""

    def __init__(self, index: CatalogIndex, definition: QuizDefinition,
                 customer: CustomerProfile, schema: FacetSchema | None) -> None:
        self.index = index
        self.schema = schema
        self.customer = customer
        self.services = service_mask(index)
        self.base = (allowed_mask(index, customer) & _scope(index, definition)
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
        for tagged_group in groups.values():
            mask = np.zeros(self.index.size, dtype=bool)
            for tagged in tagged_group:
                mask |= _condition_mask(self.index, tagged.where)
            conditions.append((" or ".join(t.label for t in tagged_group), mask))
        for bound in result.bounds:
            column = self.numeric(bound.facet)
            with np.errstate(invalid="ignore"):
                ok = column >= bound.value if bound.bound == "min" else column <= bound.value
            word = "at least" if bound.bound == "min" else "at most"
            conditions.append((f"{_facet_text(bound.facet, self.schema)} {word} "
                               f"{_amount(bound.facet, bound.value, self.schema)}",
                               ok & ~np.isnan(column)))
        return conditions

    def exact(self, result: Outcome) -> BoolArray:
        mask = self.hard(result)
        for _, condition in self.soft(result):
            mask &= condition
        return mask


def _facet_text(facet: str, schema: FacetSchema | None) -> str:
    """'screen size' for ``screen_inches``: the schema's label, else the name."""
    known = schema.get(facet) if schema is not None else None
    return known.label.casefold() if known is not None else facet.replace("_", " ")


def _amount(facet: str, value: float, schema: FacetSchema | None) -> str:
    known = schema.get(facet) if schema is not None else None
    return f"{value:g} {known.unit}" if known is not None and known.unit else f"{value:g}"


# --------------------------------------------------------------------------- narrowing


def narrowing(index: CatalogIndex, definition: QuizDefinition, answers: Sequence[Answer], *,
              customer: CustomerProfile, schema: FacetSchema | None = None) -> Narrowing:
    """How many products in the quiz's scope still match every answer ("12 of 480 left"), out
    of those in scope before any answer, and which answer removed the most.

    Both counts respect the customer's own constraints and availability, so they are the
    counts of what could really be shown.

    >>> # narrowing(index, camera_finder, [Answer("budget", value=2000)], customer=me).count
    """
    masks = _Masks(index, definition, customer, schema)
    questions = {q.id: q for q in definition.questions}
    before = int(masks.base.sum())
    of = before
    steps: list[Removal] = []
    for k in range(1, len(answers) + 1):
        answer = answers[k - 1]
        after = int(masks.exact(outcome(definition, answers[:k], schema=schema)).sum())
        question = questions.get(answer.question_id)
        if question is not None:
            steps.append(Removal(answer.question_id, question.text,
                                 answer_label(question, answer), max(0, before - after)))
        before = after
    most = max(steps, key=lambda s: s.removed, default=None)  # the first of equals
    return Narrowing(count=before, of=of,
                     removed_most=most if most is not None and most.removed > 0 else None,
                     steps=tuple(steps))


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

    found: list[Reason] = []
    for (facet, value), weight in result.likes.items():
        if weight > 0 and (facet, value) in values:
            source = result.sources.get(("like", facet, value), "")
            found.append(Reason("answer_like", f"Matches your answer “{said(source)}”: "
                                               f"{index.label(facet, value)}"))
    for facet, wanted in result.must.items():
        for value in wanted:
            if (facet, value) in values:
                source = result.sources.get(("must", facet, value), "")
                found.append(Reason("answer_must", f"Matches your answer “{said(source)}”: "
                                                   f"{index.label(facet, value)}"))
    for tagged in result.include:
        if any((tagged.where.facet, v) in values for v in tagged.where.values):
            found.append(Reason("answer_include", f"Matches your answer “{tagged.label}”"))
    for vote in result.votes:
        if vote.weight > 0 and any((vote.where.facet, v) in values for v in vote.where.values):
            found.append(Reason("answer_upvote", f"Fits your answer “{vote.label}”"))
    for bound in result.bounds:
        have = masks.numeric(bound.facet)[position]
        if not math.isnan(have) and (have >= bound.value if bound.bound == "min"
                                     else have <= bound.value):
            word = "at least" if bound.bound == "min" else "at most"
            name = _facet_text(bound.facet, masks.schema).capitalize()
            found.append(Reason("answer_bound", f"{name} "
                                                f"{_amount(bound.facet, have, masks.schema)}: "
                                                f"{word} {bound.value:g} as you asked"))
    if result.has_budget:
        found.append(Reason("answer_budget", f"Within your budget ({_budget(result)})"))
    stated = index.facet_values[position]
    for facet, value in sorted(result.never):
        if facet in stated:
            found.append(Reason("answer_never", f"Free of {index.label(facet, value)}, as "
                                                "you asked"))
    for keyword in result.keywords:
        if keyword.word in haystack:
            found.append(Reason("answer_keyword", f"Mentions “{keyword.word}”"))
    if customer.uses_declared:
        for facet, value, weight in customer.likes:
            if weight > 0 and (facet, value) in values:
                found.append(Reason("declared_like", "Matches your preference: "
                                                     f"{index.label(facet, value)}"))
    unique: dict[str, Reason] = {}
    for reason in found:
        unique.setdefault(reason.text, reason)
    return list(unique.values())


def _budget(result: Outcome) -> str:
    if result.budget_min is not None and result.budget_max is not None:
        return f"{_money(result.budget_min)} to {_money(result.budget_max)}"
    if result.budget_max is not None:
        return f"up to {_money(result.budget_max)}"
    return f"from {_money(result.budget_min or 0.0)}"


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
                found[p].append(TradeOff("costs_more", f"costs {_money(more)} more than "
                                                       f"{other}", other_id, "price",
                                         round(more, 2)))
            for facet, (direction, phrase) in _DIRECTIONS.items():
                mine, theirs = masks.numeric(facet)[p], masks.numeric(facet)[q]
                if math.isnan(mine) or math.isnan(theirs) or mine == theirs:
                    continue
                if (mine - theirs) * direction < 0:
                    found[p].append(TradeOff(f"worse_{facet}", f"{phrase} {other}", other_id,
                                             facet, round(abs(mine - theirs), 4)))
    return {p: items[:MAX_TRADE_OFFS] for p, items in found.items()}


def _ranked(positions: np.ndarray, score: FloatArray, index: CatalogIndex,
            misses: dict[int, int] | None = None) -> list[int]:
    def key(p: int) -> tuple[int, float, float, str]:
        return ((misses or {}).get(p, 0), -float(score[p]), float(index.price[p]), index.ids[p])

    return sorted(positions.tolist(), key=key)


def quiz_results(index: CatalogIndex, definition: QuizDefinition, answers: Sequence[Answer],
                 *, customer: CustomerProfile, schema: FacetSchema | None = None
                 ) -> QuizResults:
    """The top ``definition.results.n`` products for the answers, each explained.

    Products matching every answer come first; under the ``fill`` policy the list is completed
    with the closest matches (fewest narrowing conditions missed), labelled ``closest_match``
    with what they miss. No product ever breaks a hard rule (customer's or quiz's), and
    services are never picks: when an answer asked for assistance they are listed apart.

    >>> # quiz_results(index, camera_finder, answers, customer=me).picks[0].reasons[0].code
    """
    result = outcome(definition, answers, schema=schema)
    masks = _Masks(index, definition, customer, schema)
    hard = masks.hard(result)
    soft = masks.soft(result)
    exact = hard.copy()
    for _, condition in soft:
        exact &= condition
    n = definition.results.n
    candidates = np.flatnonzero(hard)
    haystacks = _haystacks(index, candidates)
    score = _scores(index, result, customer, candidates, haystacks)

    chosen = _ranked(np.flatnonzero(exact), score, index)[:n]
    missing: dict[int, list[str]] = {}
    if len(chosen) < n and definition.results.policy == "fill":
        pool = np.flatnonzero(hard & ~exact)
        for position in pool.tolist():
            missing[position] = [text for text, ok in soft if not ok[position]]
        counts = {p: len(m) for p, m in missing.items()}
        chosen += _ranked(pool, score, index, counts)[:n - len(chosen)]

    # The second, independent check: a leak here is a bug and must fail loudly.
    assert_allowed(index, chosen, customer)
    assert_allowed(index, chosen, quiz_profile(result, customer=customer))
    for position in chosen:
        values = index.values_of(position)
        for tagged in result.exclude:
            if any((tagged.where.facet, v) in values for v in tagged.where.values):
                raise ConstraintLeak(f"item {index.ids[position]} is excluded by the answer "
                                     f"“{tagged.label}”; refusing to answer")
        if masks.services[position]:
            raise ConstraintLeak(f"service {index.ids[position]} reached the picks")

    trade = (_trade_offs(index, chosen, masks) if definition.kind == "guided_selling"
             else {})
    picks: list[Pick] = []
    for position in chosen:
        reasons = _reasons(index, position, result, definition, answers, masks, customer,
                           haystacks.get(position, ""))
        misses = tuple(missing.get(position, ()))
        if position in missing:
            what = "; ".join(misses) if misses else "some of your answers"
            reasons.insert(0, Reason("closest_match", f"Closest match — misses: {what}"))
        elif not reasons:
            reasons.append(Reason("answer_fit", "Fits all your answers"))
        picks.append(Pick(
            product_id=index.ids[position], title=index.titles[position],
            price=float(index.price[position]),
            match="closest" if position in missing else "exact",
            score=round(float(score[position]), 6), reasons=tuple(reasons[:MAX_REASONS]),
            trade_offs=tuple(trade.get(position, ())), misses=misses))

    services = _services(index, result, customer, chosen) if result.wants_assistance else ()
    return QuizResults(picks=tuple(picks), add_on_services=services, exact=int(exact.sum()),
                       policy=definition.results.policy, outcome=result)


def _services(index: CatalogIndex, result: Outcome, customer: CustomerProfile,
              picks: Sequence[int]) -> tuple[Service, ...]:
    """Add-on services for an answer that asked for help or safety. The customer's own rules
    and the quiz's exclusions (never) and budget ceiling apply; the quiz's scope, ``must``
    and budget floor describe the main product and would rule out every service."""
    rules = CustomerProfile(customer_id=customer.customer_id, level=customer.level,
                            consents=customer.consents, never=tuple(sorted(result.never)),
                            budget_max=result.budget_max)
    mask = service_mask(index) & allowed_mask(index, customer) & allowed_mask(index, rules)
    verticals = {int(index.vertical_code[p]) for p in picks}
    # Services of the picks' department first (camera set-up before a sofa warranty).
    ranked = sorted(np.flatnonzero(mask).tolist(),
                    key=lambda p: (int(index.vertical_code[p]) not in verticals,
                                   float(index.price[p]), index.ids[p]))[:MAX_SERVICES]
    assert_allowed(index, ranked, customer)
    assert_allowed(index, ranked, rules)
    reason = Reason("add_on_service", "Optional add-on, because you asked for help or "
                                      "peace of mind; not added to your basket")
    return tuple(Service(product_id=index.ids[p], title=index.titles[p],
                         price=float(index.price[p]), reasons=(reason,)) for p in ranked)

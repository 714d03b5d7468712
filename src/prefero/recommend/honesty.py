"""An independent check of every reason's claim, in the spirit of ``ConstraintLeak``: each
claim is verified against the evidence it names — the trained artefact's counts
(co-purchase, co-view, observed transitions), the catalogue, the request, and the customer's
current consent, declared wishes and events — without the scores that produced it.

Behavioural evidence lives in the artefact as counts (neighbour tables, the item-to-item
models), so a claim stays checkable after the events behind it were erased, withdrawn or
expired; what the customer did themselves is checked against their events as loaded now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.merchandising.schemas import Rule
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.explain import NEW_THRESHOLD, TRENDING_THRESHOLD
from prefero.recommend.models import ModelView
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import Reason, RecommendationQuery, RecommendationResult
from prefero.recommend.signals import (
    ALSO_CHOSEN_TOP,
    ATTRIBUTION_TARGETS,
    NEW_ARRIVAL_DAYS,
    SESSION_SECONDS,
)

__all__ = ["Unverified", "unverified"]

#: Events of one leaf category that make "you often browse" true (explain's threshold,
#: restated: the checker must not borrow the explainer's judgement).
OFTEN = 2
_BOUGHT = frozenset({"purchase", "add_to_cart"})


@dataclass(frozen=True)
class Unverified:
    product_id: str
    code: str
    why: str


@dataclass(frozen=True)
class _Case:
    index: CatalogIndex
    model: ModelView
    profile: CustomerProfile
    query: RecommendationQuery
    position: int
    reason: Reason
    now: float
    rules: Sequence[Rule] = ()

    @property
    def anchor(self) -> int | None:
        product_id = self.reason.params.product_id
        return self.index.position.get(product_id) if product_id else None

    def page_anchors(self) -> set[int]:
        ids = ([self.query.product_id] if self.query.placement == "product"
               and self.query.product_id else list(self.query.cart))
        return {self.index.position[p] for p in ids if p in self.index.position}

    def customer_did(self, anchor: int, kinds: frozenset[str] | None = None) -> bool:
        product_id = self.index.ids[anchor]
        return any(item.product_id == product_id and (kinds is None or item.type in kinds)
                   for item in self.profile.history)


def _in_table(model: ModelView, anchor: int, item: int, kind: str) -> bool:
    neighbours, scores = model.neighbours(anchor, kind)
    return bool(np.any((neighbours == item) & (scores > 0)))


def _observed(model: ModelView, anchor: int, item: int, k: int) -> bool:
    return bool(np.any(model.observed_after(anchor, k=k) == item))


def _related(case: _Case, anchor: int) -> bool:
    """Any count in the artefact that links the two products."""
    item = case.position
    return (_in_table(case.model, anchor, item, "purchase")
            or _in_table(case.model, anchor, item, "view")
            or _observed(case.model, anchor, item, ATTRIBUTION_TARGETS))


def _behavioural(check: Callable[[_Case], str | None]) -> Callable[[_Case], str | None]:
    """Behaviour may be used only with tracking consent at level balanced or full."""
    def guarded(case: _Case) -> str | None:
        if not case.profile.uses_behaviour:
            return "behaviour used without tracking consent at level balanced or full"
        return check(case)
    return guarded


def _declared_like(case: _Case) -> str | None:
    if not case.profile.uses_declared:
        return "declared preferences used at level off"
    likes = case.reason.params.likes
    liked = {(f, v) for f, v, w in case.profile.likes if w > 0}
    values = case.index.values_of(case.position)
    if not likes:
        return "names no liked value"
    for like in likes:
        if (like.facet, like.value) not in liked:
            return f"{like.facet}={like.value} is not among the customer's likes"
        if (like.facet, like.value) not in values:
            return f"the product has no {like.facet}={like.value}"
    return None


def _declared_peers(case: _Case) -> str | None:
    if not case.profile.uses_declared:
        return "declared preferences used at level off"
    liked = {(f, v) for f, v, w in case.profile.likes if w > 0}
    named = {(like.facet, like.value) for like in case.reason.params.likes}
    if not named or not named <= liked:
        return "names values the customer does not like"
    if case.model.form_scores(sorted(named))[case.position] <= 0:
        return "the declared model has no choice of this product for these values"
    return None


def _co_purchase(case: _Case) -> str | None:
    anchor = case.anchor
    if anchor is None or not case.customer_did(anchor, _BOUGHT):
        return "the customer did not buy or add to cart the product it names"
    if not _in_table(case.model, anchor, case.position, "purchase"):
        return "no co-purchase count links the two products"
    return None


def _co_view(case: _Case) -> str | None:
    anchor = case.anchor
    if anchor is None or not case.customer_did(anchor):
        return "the customer has no event on the product it names"
    if not _related(case, anchor):
        return "no count links the two products"
    return None


def _follows(case: _Case) -> str | None:
    anchor = case.anchor
    if anchor is None or not case.customer_did(anchor):
        return "the customer has no event on the product it names"
    if not _observed(case.model, anchor, case.position, ATTRIBUTION_TARGETS):
        return "no observed choice of this product after the one it names"
    return None


def _session_context(case: _Case) -> str | None:
    anchor = case.anchor
    if anchor is None or not case.profile.uses_context:
        return "session context used without context consent"
    product_id = case.index.ids[anchor]
    if not any(item.product_id == product_id
               and case.now - item.occurred_at.timestamp() <= SESSION_SECONDS
               for item in case.profile.history):
        return "the customer is not looking at the product it names now"
    if not _related(case, anchor):
        return "no count links the two products"
    return None


def _behaviour_affinity(case: _Case) -> str | None:
    leaf = case.index.leaf_code[case.position]
    if case.reason.params.category != case.index.categories[case.position]:
        return "names another category than the product's"
    seen = sum(1 for item in case.profile.history
               if item.product_id in case.index.position
               and case.index.leaf_code[case.index.position[item.product_id]] == leaf)
    return None if seen >= OFTEN else f"the customer has {seen} event(s) in the category"


def _page_anchor(case: _Case) -> int | str:
    anchor = case.anchor
    if anchor is None or anchor not in case.page_anchors():
        return "names a product that is not on the page or in the cart"
    return anchor


def _complement(case: _Case) -> str | None:
    anchor = _page_anchor(case)
    if isinstance(anchor, str):
        return anchor
    if not _in_table(case.model, anchor, case.position, "purchase"):
        return "no co-purchase count links the two products"
    return None


def _also_chosen(case: _Case) -> str | None:
    anchor = _page_anchor(case)
    if isinstance(anchor, str):
        return anchor
    if not _observed(case.model, anchor, case.position, ALSO_CHOSEN_TOP):
        return "no observed choice of this product with or after the one it names"
    return None


def _similar(case: _Case) -> str | None:
    anchor = _page_anchor(case)
    if isinstance(anchor, str):
        return anchor
    same_leaf = case.index.leaf_code[anchor] == case.index.leaf_code[case.position]
    if not same_leaf and not _in_table(case.model, anchor, case.position, "view"):
        return "neither the same category nor a co-view count"
    return None


def _share(values: np.ndarray, position: int) -> float:
    top = float(values.max()) if values.size else 0.0
    return float(values[position]) / top if top > 0 else 0.0


def _trending(case: _Case) -> str | None:
    if _share(case.model.trending, case.position) < TRENDING_THRESHOLD:
        return "the artefact's trending figure is below the threshold"
    return None


def _popular(case: _Case) -> str | None:
    if case.model.popularity[case.position] <= 0:
        return "no one chose the product in the artefact's window"
    if case.reason.params.category not in (case.index.categories[case.position] or None,):
        return "names another category than the product's"
    return None


def _new_arrival(case: _Case) -> str | None:
    age_days = (case.now - float(case.index.created_ts[case.position])) / 86400.0
    if age_days > NEW_ARRIVAL_DAYS * (1.0 - NEW_THRESHOLD):
        return f"added {age_days:.0f} days ago"
    return None


def _editorial(case: _Case) -> str | None:
    if case.reason.params.category not in (case.index.categories[case.position] or None,):
        return "names another category than the product's"
    return None


def _within_budget(case: _Case) -> str | None:
    budget = case.profile.budget_max
    if budget is None or not case.profile.uses_declared:
        return "the customer set no budget (or personalization is off)"
    if case.reason.params.amount != budget:
        return "names another amount than the customer's budget"
    price = float(case.index.price[case.position])
    if price > budget + 1e-9:
        return "the price is over the budget"
    if case.profile.budget_min is not None and price < case.profile.budget_min - 1e-9:
        return "the price is under the budget's minimum"
    if case.reason.params.currency != case.profile.budget_currency:
        return "names another currency than the budget's"
    return None


def _search_match(case: _Case) -> str | None:
    if case.query.placement != "search" or case.index.ids[case.position] not in case.query.hits:
        return "not a hit of the search"
    return None


def _exploration(case: _Case) -> str | None:
    return None


def _names(case: _Case, rule: Rule) -> bool:
    """Whether ``rule``'s condition names the product, read from its raw facet values (not
    the snapshot's postings the pipeline's masks are built from)."""
    condition = rule.condition
    if condition.facet is None:
        return case.index.ids[case.position] in condition.product_ids
    raw = case.index.facet_values[case.position].get(condition.facet)
    if raw is None:
        return False
    if condition.facet == "category":
        path = str(raw)
        return any(path == value or path.startswith(value + CATEGORY_SEPARATOR)
                   for value in condition.values)
    if isinstance(raw, bool):
        return ("true" if raw else "false") in condition.values
    if isinstance(raw, list):
        return any(str(value) in condition.values for value in raw)
    return str(raw) in condition.values


def _featured(case: _Case) -> str | None:
    """A pin or a boost of the shop in force here and now names the product, no hide does,
    and a boost is not outranked by a bury (the order of docs/merchandising.md)."""
    live = [rule for rule in case.rules
            if rule.in_force(case.query.placement, case.now) and _names(case, rule)]
    if any(rule.action == "hide" for rule in live):
        return "a hide rule in force names the product"
    if any(rule.action == "pin" for rule in live):
        return None
    moving = [rule for rule in live if rule.action in ("boost", "bury")]
    if not moving:
        return "no pin or boost in force names the product"
    decides = max(moving, key=lambda rule: (rule.priority, rule.action == "bury", -rule.id))
    return None if decides.action == "boost" else "a bury rule outranks its boost"


_CHECKS: dict[str, Callable[[_Case], str | None]] = {
    "declared_like": _declared_like,
    "declared_peers": _declared_peers,
    "co_purchase": _behavioural(_co_purchase),
    "co_view": _behavioural(_co_view),
    "follows": _behavioural(_follows),
    "session_context": _behavioural(_session_context),
    "behaviour_affinity": _behavioural(_behaviour_affinity),
    "complement": _complement,
    "also_chosen": _also_chosen,
    "similar": _similar,
    "trending": _trending,
    "popular": _popular,
    "new_arrival": _new_arrival,
    "editorial": _editorial,
    "within_budget": _within_budget,
    "search_match": _search_match,
    "exploration": _exploration,
    "featured": _featured,
}


def unverified(result: RecommendationResult, *, query: RecommendationQuery,
               index: CatalogIndex, model: ModelView, profile: CustomerProfile,
               now: float | None = None, rules: Sequence[Rule] = ()) -> list[Unverified]:
    """Every reason in ``result`` whose claim the evidence does not bear out (a code this
    module does not know is unverified too); ``rules``: the shop's merchandising rules as
    stored (``prefero.merchandising``), which "featured" claims are checked against."""
    now = now if now is not None else time.time()
    found: list[Unverified] = []
    for item in result.items:
        position = index.position.get(item.product_id)
        for reason in item.reasons:
            check = _CHECKS.get(reason.code)
            if position is None or check is None:
                found.append(Unverified(item.product_id, reason.code, "unknown code or item"))
                continue
            why = check(_Case(index, model, profile, query, position, reason, now, rules))
            if why is not None:
                found.append(Unverified(item.product_id, reason.code, why))
    return found

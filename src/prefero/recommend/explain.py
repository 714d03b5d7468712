"""Explanations: reason codes with typed evidence for every recommended item, worded in
English here (the API and the pages re-word them in the shopper's language)."""

from __future__ import annotations

from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import LikedValue, Reason, ReasonParams
from prefero.recommend.signals import Signals
from prefero.recommend.wording import word

__all__ = ["BEHAVIOURAL_CODES", "explain"]

# Reasons that rest on the customer's own tracked behaviour. They may appear only with
# tracking consent at level balanced or full.
BEHAVIOURAL_CODES = frozenset({"co_purchase", "co_view", "follows", "behaviour_affinity",
                               "session_context"})

TRENDING_THRESHOLD = 0.5
POPULAR_THRESHOLD = 0.6
NEW_THRESHOLD = 0.5
#: Events in one leaf category that make "you often browse" it true.
OFTEN = 2


def _reason(index: CatalogIndex, code: str, params: ReasonParams | None = None) -> Reason:
    params = params or ReasonParams()
    return Reason(code=code, params=params,
                  text=word(code, params, schema=index.schema, language="en"))


def _about(index: CatalogIndex, code: str, anchor: int) -> Reason:
    """A reason that links this item to the product at ``anchor``."""
    return _reason(index, code, ReasonParams(product_id=index.ids[anchor],
                                             product_title=index.titles[anchor]))


def _liked(index: CatalogIndex, likes: list[tuple[str, str, float]]) -> tuple[LikedValue, ...]:
    """The likes, strongest first, with the shop's display form of each value."""
    ordered = sorted((like for like in likes if like[2] > 0), key=lambda like: -like[2])
    return tuple(LikedValue(facet=facet, value=value, label=index.label(facet, value))
                 for facet, value, _ in ordered)


def _browsed(index: CatalogIndex, profile: CustomerProfile, position: int) -> int:
    """The customer's events on products of the same leaf category as ``position``."""
    leaf = index.leaf_code[position]
    return sum(1 for item in profile.history if item.product_id in index.position
               and index.leaf_code[index.position[item.product_id]] == leaf)


def explain(index: CatalogIndex, position: int, signals: Signals, profile: CustomerProfile,
            *, exploration: bool = False, search_match: bool = False,
            featured: bool = False) -> list[Reason]:
    """Reasons in order of strength; every item gets at least one. ``featured``: a pin of
    the shop's placed it or a boost lifted it, said first, since the shop's choice is what
    put it there."""
    if exploration:
        return [_reason(index, "exploration")]
    reasons: list[Reason] = []
    if featured:
        reasons.append(_reason(index, "featured"))
    if search_match:
        reasons.append(_reason(index, "search_match"))
    if profile.uses_declared and signals.declared[position] > 0:
        values = index.values_of(position)
        matched = _liked(index, [like for like in profile.likes
                                 if (like[0], like[1]) in values])
        if matched:
            reasons.append(_reason(index, "declared_like", ReasonParams(likes=matched)))
        elif signals.peers is not None and signals.peers[position] > 0:
            reasons.append(_reason(index, "declared_peers",
                                   ReasonParams(likes=_liked(index, list(profile.likes)))))
    if profile.uses_behaviour and signals.behaviour[position] > 0:
        seed = signals.behaviour_from.best(position)
        if seed is not None:
            code, anchor = seed
            if anchor in signals.session_items:
                code = "session_context"
            elif code not in ("co_purchase", "follows"):
                code = "co_view"
            reasons.append(_about(index, code, anchor))
        elif signals.affinity[position] > 0 and _browsed(index, profile, position) >= OFTEN:
            # Affinity also counts the brand: "you often browse <category>" is said only
            # when the customer's own events show it.
            reasons.append(_reason(index, "behaviour_affinity",
                                   ReasonParams(category=index.categories[position])))
    page = signals.page_from.best(position) if signals.page[position] > 0 else None
    if page is not None:
        code, anchor = page
        reasons.append(_about(index, code if code in ("complement", "also_chosen")
                              else "similar", anchor))
    if signals.trending[position] >= TRENDING_THRESHOLD:
        reasons.append(_reason(index, "trending"))
    if signals.newness[position] >= NEW_THRESHOLD:
        reasons.append(_reason(index, "new_arrival"))
    category = ReasonParams(category=index.categories[position] or None)
    if signals.popularity[position] >= POPULAR_THRESHOLD or (
            not reasons and signals.popularity[position] > 0):
        reasons.append(_reason(index, "popular", category))
    elif not reasons:
        reasons.append(_reason(index, "editorial", category))
    price = float(index.price[position])
    if (profile.budget_max is not None and profile.uses_declared
            and price <= profile.budget_max + 1e-9
            and (profile.budget_min is None or price >= profile.budget_min - 1e-9)):
        # Show-all listings skip the rules: only an item truly inside the budget says so.
        reasons.append(_reason(index, "within_budget", ReasonParams(
            amount=profile.budget_max, currency=profile.budget_currency)))
    return reasons

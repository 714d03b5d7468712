"""Explanations: reason codes and a sentence for every recommended item."""

from __future__ import annotations

from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import Reason
from prefero.recommend.signals import Signals

__all__ = ["BEHAVIOURAL_CODES", "explain"]

# Reasons that rest on the customer's own tracked behaviour. They may appear only with
# tracking consent at level balanced or full.
BEHAVIOURAL_CODES = frozenset({"co_purchase", "co_view", "behaviour_affinity", "session_context"})

TRENDING_THRESHOLD = 0.5
POPULAR_THRESHOLD = 0.6
NEW_THRESHOLD = 0.5


def _title(index: CatalogIndex, position: int) -> str:
    return index.titles[position]


def explain(index: CatalogIndex, position: int, signals: Signals, profile: CustomerProfile,
            *, exploration: bool = False, search_match: bool = False) -> list[Reason]:
    """Reasons in order of strength; every item gets at least one."""
    if exploration:
        return [Reason(code="exploration", text="Something different")]
    reasons: list[Reason] = []
    if search_match:
        reasons.append(Reason(code="search_match", text="Matches your search"))
    liked = signals.liked.get(position) if profile.uses_declared else None
    if liked and signals.declared[position] > 0:
        labels = [index.label(facet, value) for facet, value, _ in
                  sorted(liked, key=lambda like: -like[2])[:3]]
        reasons.append(Reason(code="declared_like",
                              text=f"Matches your preference: {', '.join(labels)}"))
    if profile.uses_behaviour and signals.behaviour[position] > 0:
        seed = signals.behaviour_seed.get(position)
        if seed is not None:
            code, anchor = seed
            text = {
                "co_purchase": f"Often bought with {_title(index, anchor)}",
                "co_view": f"Because you viewed {_title(index, anchor)}",
                "session_context": f"Goes with {_title(index, anchor)}, which you are "
                                   "looking at now",
            }[code]
            reasons.append(Reason(code=code, text=text))
        elif position in signals.affinity_label:
            reasons.append(Reason(code="behaviour_affinity",
                                  text=f"Because you often browse "
                                       f"{signals.affinity_label[position]}"))
    page = signals.page_seed.get(position)
    if page is not None and signals.page[position] > 0:
        code, anchor = page
        text = (f"Often bought together with {_title(index, anchor)}" if code == "complement"
                else f"Similar to {_title(index, anchor)}")
        reasons.append(Reason(code=code, text=text))
    if signals.trending[position] >= TRENDING_THRESHOLD:
        reasons.append(Reason(code="trending", text="Trending now"))
    if signals.newness[position] >= NEW_THRESHOLD:
        reasons.append(Reason(code="new_arrival", text="New arrival"))
    leaf = index.leaf_names[int(index.leaf_code[position])].split(" > ")[-1] or "the shop"
    if signals.popularity[position] >= POPULAR_THRESHOLD or (
            not reasons and signals.popularity[position] > 0):
        reasons.append(Reason(code="popular", text=f"Popular in {leaf}"))
    elif not reasons:
        reasons.append(Reason(code="editorial", text=f"From our {leaf} range"))
    if profile.budget_max is not None and profile.uses_declared:
        reasons.append(Reason(code="within_budget",
                              text=f"Within your budget of {profile.budget_max:g}"))
    return reasons

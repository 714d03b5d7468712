"""Explanations: reason codes and a sentence for every recommended item."""

from __future__ import annotations

from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import Reason
from prefero.recommend.signals import Signals

__all__ = ["BEHAVIOURAL_CODES", "explain"]

# Reasons that rest on the customer's own tracked behaviour. They may appear only with
# tracking consent at level balanced or full.
BEHAVIOURAL_CODES = frozenset({"co_purchase", "co_view", "follows", "behaviour_affinity",
                               "session_context"})

TRENDING_THRESHOLD = 0.5
POPULAR_THRESHOLD = 0.6
NEW_THRESHOLD = 0.5


def _title(index: CatalogIndex, position: int) -> str:
    return index.titles[position]


def _labels(index: CatalogIndex, likes: list[tuple[str, str, float]]) -> list[str]:
    """The likes' display labels in order; a brand and an ecosystem may share a name
    ("Apple"): said once."""
    labels: list[str] = []
    for facet, value, _ in likes:
        label = index.label(facet, value)
        if label.casefold() not in (seen.casefold() for seen in labels):
            labels.append(label)
    return labels


def explain(index: CatalogIndex, position: int, signals: Signals, profile: CustomerProfile,
            *, exploration: bool = False, search_match: bool = False) -> list[Reason]:
    """Reasons in order of strength; every item gets at least one."""
    if exploration:
        return [Reason(code="exploration", text="Something different")]
    reasons: list[Reason] = []
    if search_match:
        reasons.append(Reason(code="search_match", text="Matches your search"))
    if profile.uses_declared and signals.declared[position] > 0:
        values = index.values_of(position)
        liked = sorted((like for like in profile.likes
                        if like[2] > 0 and (like[0], like[1]) in values),
                       key=lambda like: -like[2])
        labels = _labels(index, liked)
        if labels:
            reasons.append(Reason(code="declared_like",
                                  text=f"Matches your preference: {', '.join(labels[:3])}"))
        elif signals.peers is not None and signals.peers[position] > 0:
            named = _labels(index, sorted((like for like in profile.likes if like[2] > 0),
                                          key=lambda like: -like[2]))
            reasons.append(Reason(code="declared_peers",
                                  text=f"Chosen by shoppers who like {', '.join(named[:2])}"))
    if profile.uses_behaviour and signals.behaviour[position] > 0:
        seed = signals.behaviour_from.best(position)
        if seed is not None:
            code, anchor = seed
            if anchor in signals.session_items:
                reasons.append(Reason(code="session_context",
                                      text=f"Goes with {_title(index, anchor)}, which you are "
                                           "looking at now"))
            elif code == "co_purchase":
                reasons.append(Reason(code=code,
                                      text=f"Often bought with {_title(index, anchor)}"))
            elif code == "follows":
                reasons.append(Reason(code=code,
                                      text=f"Often chosen after {_title(index, anchor)}, "
                                           "which you looked at"))
            else:
                reasons.append(Reason(code=code,
                                      text=f"Because you viewed {_title(index, anchor)}"))
        elif signals.affinity[position] > 0:
            leaf = index.leaf_names[int(index.leaf_code[position])].split(" > ")[-1]
            reasons.append(Reason(code="behaviour_affinity",
                                  text=f"Because you often browse {leaf}"))
    page = signals.page_from.best(position) if signals.page[position] > 0 else None
    if page is not None:
        code, anchor = page
        if code == "complement":
            text = f"Often bought together with {_title(index, anchor)}"
        elif code == "also_chosen":
            text = f"Shoppers who chose {_title(index, anchor)} also chose this"
        else:
            text = f"Similar to {_title(index, anchor)}"
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

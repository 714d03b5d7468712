"""Hard constraints: the customer's own filter. Applied before scoring as a mask, and checked
again item by item, by independent code, on whatever is about to be returned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.errors import PreferoError
from prefero.recommend.catalog_index import BoolArray, CatalogIndex
from prefero.recommend.profile import CustomerProfile

__all__ = [
    "UNAVAILABLE",
    "ConstraintLeak",
    "HiddenCount",
    "allowed_mask",
    "assert_allowed",
    "has_value",
    "hidden_by_rule",
    "missing_label",
    "violations",
]


#: The key ``violations`` gives an item that is not for sale (inactive or out of stock).
UNAVAILABLE = "unavailable"


class ConstraintLeak(PreferoError):
    """An item that breaks a declared constraint reached the output. Never expected: the
    second check exists so that a bug in scoring or re-ranking fails loudly, not silently."""


@dataclass(frozen=True)
class Rule:
    key: str  # machine-readable: "never:allergens=gluten", "budget:max", ...
    label: str  # what the customer would recognise: "never allergens: gluten"
    keep: BoolArray  # True where the item passes this rule
    missing_information: bool = False  # hides what states no value, not a value


@dataclass(frozen=True)
class HiddenCount:
    rule: str
    label: str
    count: int
    # Hidden for lacking the information a safety rule needs, not for a value it excludes;
    # listings count these apart ("12 hidden: no information on allergens").
    missing_information: bool = False


def missing_label(facet: str) -> str:
    """What hides a product that states nothing for a safety facet under a "never" rule.

    >>> missing_label("allergens")
    'no information on allergens'
    """
    return f"no information on {facet}"


def _rules(index: CatalogIndex, profile: CustomerProfile) -> list[Rule]:
    rules: list[Rule] = []
    for facet, value in profile.never:
        rules.append(Rule(f"never:{facet}={value}", f"never {facet}: {value}",
                          ~index.mask_for(facet, value)))
    # Unknown is not safe: "never gluten" also hides a grocery that states no allergens.
    for facet in dict.fromkeys(facet for facet, _ in profile.never):
        if facet in index.safety:
            rules.append(Rule(f"missing:{facet}", missing_label(facet),
                              ~index.unstated_mask(facet), missing_information=True))
    for facet, values in profile.must.items():
        has_one = np.zeros(index.size, dtype=bool)
        for value in values:
            has_one |= index.mask_for(facet, value)
        # "must" binds only where the facet applies: a vegan rule says nothing about cameras.
        applies = (np.ones(index.size, dtype=bool) if facet == "category"
                   else index.applies_mask(facet))
        rules.append(Rule(f"must:{facet}", f"must {facet}: {', '.join(values)}",
                          has_one | ~applies))
    if profile.budget_min is not None:
        rules.append(Rule("budget:min", f"budget from {profile.budget_min:g}",
                          index.price >= profile.budget_min - 1e-9))
    if profile.budget_max is not None:
        rules.append(Rule("budget:max", f"budget up to {profile.budget_max:g}",
                          index.price <= profile.budget_max + 1e-9))
    sized = index.applies_mask("size")
    for category, sizes in profile.sizes.items():
        fits = np.zeros(index.size, dtype=bool)
        for size in sizes:
            fits |= index.mask_for("size", size)
        in_category = index.mask_for("category", category)
        rules.append(Rule(f"size:{category}", f"sizes in {category}: {', '.join(sorted(sizes))}",
                          ~(in_category & sized) | fits))
    if profile.dismissed:
        keep = np.ones(index.size, dtype=bool)
        positions = [index.position[p] for p in profile.dismissed if p in index.position]
        keep[positions] = False
        rules.append(Rule("dismissed", "marked 'not for me'", keep))
    return rules


def allowed_mask(index: CatalogIndex, profile: CustomerProfile, *,
                 exclude: Iterable[str] = (), apply_preferences: bool = True) -> BoolArray:
    """Items that may be shown: eligible (active, in stock) and, unless the caller shows
    everything, passing every declared rule."""
    mask = index.eligible.copy()
    if apply_preferences:
        for rule in _rules(index, profile):
            mask &= rule.keep
    for product_id in exclude:
        position = index.position.get(product_id)
        if position is not None:
            mask[position] = False
    return mask


def hidden_by_rule(index: CatalogIndex, profile: CustomerProfile,
                   candidates: BoolArray) -> list[HiddenCount]:
    """How many of ``candidates`` each rule hides (an item may be hidden by several)."""
    counts = []
    for rule in _rules(index, profile):
        hidden = int((candidates & ~rule.keep).sum())
        if hidden:
            counts.append(HiddenCount(rule.key, rule.label, hidden, rule.missing_information))
    return counts


def violations(index: CatalogIndex, position: int, profile: CustomerProfile) -> list[str]:
    """Why one item must not be shown, as the keys of the rules it breaks (those of
    ``hidden_by_rule``, plus "unavailable"), derived from its raw facet values (not the
    masks)."""
    found: list[str] = []
    values = index.facet_values[position]
    if not index.eligible[position]:
        found.append(UNAVAILABLE)
    for facet, value in profile.never:
        if has_value(values, facet, value):
            found.append(f"never:{facet}={value}")
    category = str(values.get("category", ""))
    for facet in dict.fromkeys(facet for facet, _ in profile.never):
        if (facet in index.safety and values.get(facet) in (None, "")
                and any(_in_category(category, path) for path in index.covers.get(facet, ()))):
            found.append(f"missing:{facet}")
    for facet, allowed in profile.must.items():
        applies = (facet == "category" or facet in values
                   or any(_in_category(category, path) for path in index.covers.get(facet, ())))
        if applies and not any(has_value(values, facet, v) for v in allowed):
            found.append(f"must:{facet}")
    price = float(index.price[position])
    if profile.budget_max is not None and price > profile.budget_max + 1e-9:
        found.append("budget:max")
    if profile.budget_min is not None and price < profile.budget_min - 1e-9:
        found.append("budget:min")
    for category, sizes in profile.sizes.items():
        if ("size" in values and _in_category(str(values.get("category", "")), category)
                and not sizes & set(map(str, values.get("size") or []))):
            found.append(f"size:{category}")
    if index.ids[position] in profile.dismissed:
        found.append("dismissed")
    return found


def assert_allowed(index: CatalogIndex, positions: Iterable[int], profile: CustomerProfile, *,
                   apply_preferences: bool = True) -> None:
    for position in positions:
        problems = violations(index, position, profile)
        if not apply_preferences:
            problems = [p for p in problems if p == UNAVAILABLE]
        if problems:
            raise ConstraintLeak(
                f"item {index.ids[position]} breaks {', '.join(problems)}; refusing to answer"
            )


def _in_category(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + CATEGORY_SEPARATOR)


def has_value(values: Mapping[str, object], facet: str, value: str) -> bool:
    """Whether a product's facet values hold ``value`` (a category path also holds every
    category above it; a yes/no facet holds "true" or "false").

    >>> has_value({"category": "Food > Coffee", "organic": True}, "category", "Food")
    True
    >>> has_value({"organic": True}, "organic", "false")
    False
    """
    raw = values.get(facet)
    if raw is None:
        return False
    if facet == "category":
        return _in_category(str(raw), value)
    if isinstance(raw, bool):
        return value == ("true" if raw else "false")
    if isinstance(raw, list):
        return value in (str(v) for v in raw)
    return str(raw) == value

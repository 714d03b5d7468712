"""A discovered cluster as a rule of the segments language, chosen to describe it well.

A cluster is a k-means partition; a rule segment is a condition the shop can read, edit and
keep fresh. The rule is picked among the AND and the OR combinations of the cluster's most
distinctive values by its F1 score against the cluster (ties: fewer values, then the more
distinctive ones), and its precision and recall are reported with it. Both are measured over
every customer whose declared data may be used, clustered or not (a customer who stated only
"vegan" matches "like vegan" without having been clustered): what the saved segment would
hold. The condition also requires what the clustering required (personalization consent and
a level other than ``off``), so the saved segment leaves out whom the clustering left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

from prefero.segments.discovery_profiles import BUDGET_BANDS, DeclaredValue
from prefero.types import Level

__all__ = ["RULE_VALUES", "RuleFit", "best_rule", "condition_of", "value_condition"]

#: How many of the most distinctive values a rule may combine.
RULE_VALUES = 4

Condition = dict[str, Any]
_CONSENT: Condition = {"type": "consent", "purpose": "personalization", "granted": True}
_LEVELS_ON = ["declared", "balanced", "full"]


def _allowed(default_level: Level) -> list[Condition]:
    """Whom the clustering let take part, in the segments language: personalization
    consent, and a level other than ``off``. A level left unset is the shop's default, and an
    unset field matches no comparison: so with an ``off`` default only a level set to another
    one counts, otherwise anything but a level set to ``off``."""
    if default_level == "off":
        return [_CONSENT, {"type": "profile", "field": "level", "op": "in",
                           "value": _LEVELS_ON}]
    return [_CONSENT, {"type": "not", "condition": {"type": "profile", "field": "level",
                                                     "op": "eq", "value": "off"}}]


def value_condition(value: DeclaredValue) -> Condition:
    """One declared value as a condition of the segments language.

    >>> value_condition(DeclaredValue("like", "diet", "vegan"))
    {'type': 'declared', 'kind': 'like', 'facet': 'diet', 'value': 'vegan'}
    >>> [c["op"] for c in value_condition(DeclaredValue("budget", "budget_max", "250"))
    ...  ["conditions"]]
    ['gt', 'lte']
    """
    if value.kind != "budget":
        return {"type": "declared", "kind": value.kind, "facet": value.facet,
                "value": value.value}
    if value.value.endswith("+"):
        return _budget("gt", BUDGET_BANDS[-1])
    edge = int(value.value)
    lower = [band for band in BUDGET_BANDS if band < edge]
    if not lower:
        return _budget("lte", edge)
    return {"type": "and", "conditions": [_budget("gt", lower[-1]), _budget("lte", edge)]}


def _budget(op: str, amount: int) -> Condition:
    return {"type": "profile", "field": "budget_max", "op": op, "value": amount}


@dataclass(frozen=True)
class RuleFit:
    """``values`` joined by ``join``, and how well the customers it selects match the
    cluster: ``precision`` (the share of them in the cluster), ``recall`` (the share of the
    cluster it selects), ``selected`` (how many it selects)."""

    values: tuple[DeclaredValue, ...]
    join: Literal["and", "or"]
    precision: float
    recall: float
    selected: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total

    def condition(self, *, default_level: Level) -> Condition:
        return condition_of(self.values, join=self.join, default_level=default_level)


def condition_of(values: Sequence[DeclaredValue], *, join: Literal["and", "or"],
                 default_level: Level) -> Condition:
    """The rule as the segments language writes it, with whom the clustering let take part.

    >>> condition_of([DeclaredValue("like", "diet", "vegan")], join="and",
    ...              default_level="balanced")["conditions"][2]
    {'type': 'declared', 'kind': 'like', 'facet': 'diet', 'value': 'vegan'}
    """
    parts = [value_condition(value) for value in values]
    if join == "or" and len(parts) > 1:
        parts = [{"type": "or", "conditions": parts}]
    return {"type": "and", "conditions": [*_allowed(default_level), *parts]}


def best_rule(ranked: Sequence[DeclaredValue], *, members: Collection[str],
              holders: Mapping[DeclaredValue, frozenset[str]]) -> RuleFit | None:
    """The combination of the first ``RULE_VALUES`` of ``ranked`` (most distinctive first)
    that best selects ``members``; ``holders`` says who states each value (everyone who may
    take part). None without values or members.

    >>> a, b = DeclaredValue("like", "diet", "vegan"), DeclaredValue("like", "eco", "true")
    >>> fit = best_rule([a, b], members={"1", "2"},
    ...                 holders={a: frozenset({"1", "2", "3"}), b: frozenset({"1", "2"})})
    >>> [v.key for v in fit.values], fit.join, fit.precision, fit.recall
    (['like:eco=true'], 'and', 1.0, 1.0)
    """
    top = list(ranked[:RULE_VALUES])
    cluster = frozenset(members)
    if not top or not cluster:
        return None
    best: RuleFit | None = None
    for size in range(1, len(top) + 1):
        for chosen in combinations(top, size):
            for join in (("and", "or") if size > 1 else ("and",)):
                fit = _fit(chosen, join, cluster, holders)
                # Strictly better only: of equal fits the smaller one found first is kept.
                if best is None or fit.f1 > best.f1 + 1e-12:
                    best = fit
    return best


def _fit(values: tuple[DeclaredValue, ...], join: Literal["and", "or"],
         cluster: frozenset[str], holders: Mapping[DeclaredValue, frozenset[str]]) -> RuleFit:
    sets = [holders.get(value, frozenset()) for value in values]
    selected = frozenset.intersection(*sets) if join == "and" else frozenset.union(*sets)
    hits = len(selected & cluster)
    return RuleFit(values=values, join=join,
                   precision=hits / len(selected) if selected else 0.0,
                   recall=hits / len(cluster), selected=len(selected))

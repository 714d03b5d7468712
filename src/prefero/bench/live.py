"""The live shop measured as a shopper meets it (``prefero bench live``), not offline.

``context_relevance``: on a product page, beside a cart or at checkout, do the picks belong
to the page?
An item counts as in context when it shares a top-level category with one of the page's
products, or when the trained artefact holds evidence tying the two: a co-purchase or
co-view count (either direction) or an observed transition from the page's product to it.
The check reads the artefact and the catalogue directly, never the pipeline's own signals,
so a pipeline that invented a relation would not pass its own test.

``interest_coverage``: does a home row show the breadth of what the customer declared? For
each customer with at least three liked values (positive weight) across at least two facets,
the row of 10 should carry at least three of them, or every one of them the catalogue and the
customer's rules allow when fewer can be shown: a liked value counts only when at least one
active, in-stock product that passes every rule of the customer carries it (checked item by
item by ``constraints.violations``, the same independent check that guards every answer). Both
sides are read from the catalogue's own facet values, not from the pipeline's scores.

``quiz_scope`` (``prefero.bench.live_quiz``): do quiz results and add-ons stay in each quiz's
scope, and does no guided-selling session end with nothing?
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from prefero.bench.live_quiz import quiz_scope
from prefero.customers.models import Preference
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.constraints import violations
from prefero.recommend.context import CONTEXT_PLACEMENTS
from prefero.recommend.models import ModelView
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

__all__ = [
    "ContextEvidence",
    "context_relevance",
    "interest_coverage",
    "liked_values",
    "quiz_scope",
    "row_coverage",
]

#: How many of an anchor's observed successors count as transition evidence.
TRANSITION_NEIGHBOURS = 200


@dataclass
class ContextEvidence:
    """Whether an item relates to the page's products, from the catalogue and the artefact."""

    index: CatalogIndex
    model: ModelView

    def related(self, item: int, anchors: list[int]) -> bool:
        return any(self._pair(item, anchor) for anchor in anchors)

    def _pair(self, item: int, anchor: int) -> bool:
        if self.index.vertical_code[item] == self.index.vertical_code[anchor]:
            return True
        for kind in ("purchase", "view"):
            if item in self.model.neighbours(anchor, kind)[0]:
                return True
            if anchor in self.model.neighbours(item, kind)[0]:
                return True
        return item in self._successors(anchor)

    def _successors(self, anchor: int) -> set[int]:
        # What shoppers chose after the anchor, counted by whichever item-to-item model the
        # artefact keeps (served or kept as evidence).
        if anchor >= self.model.cat_to_art.size:
            return set()
        return {int(p) for p in self.model.observed_after(anchor, k=TRANSITION_NEIGHBOURS)}


def _customers_with_likes(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        return sorted(session.scalars(
            select(Preference.customer_id).where(Preference.kind == "like").distinct()))


def context_relevance(runtime: Runtime, *, pairs: int = 200, seed: int = 0, n: int = 10
                      ) -> dict[str, Any]:
    """Over ``pairs`` (customer with likes, anchor product) pairs per placement, drawn with
    ``seed``: the share of recommended items in the anchor's context, and a few items that
    were not (title and category, for reading)."""
    rng = random.Random(seed)
    customers = _customers_with_likes(runtime)
    engine = runtime.recommender
    report: dict[str, Any] = {"pairs": pairs, "seed": seed, "n": n}
    with runtime.session() as session:
        index, model = engine.snapshot(session)
        if not customers or index.size == 0:
            raise RuntimeError("no customer with likes, or an empty catalogue: load the demo")
        eligible = np.flatnonzero(index.eligible).tolist()
        evidence = ContextEvidence(index, model)
        for placement in CONTEXT_PLACEMENTS:
            shown = related = 0
            strays: list[dict[str, str]] = []
            for _ in range(pairs):
                who = rng.choice(customers)
                anchor = int(rng.choice(eligible))
                query = (RecommendationQuery(customer_id=who, placement="product", n=n,
                                             product_id=index.ids[anchor])
                         if placement == "product" else
                         RecommendationQuery(customer_id=who, placement=placement, n=n,
                                             cart=(index.ids[anchor],)))
                result = engine.recommend(session, query)
                session.rollback()
                for item in result.items:
                    shown += 1
                    if evidence.related(index.position[item.product_id], [anchor]):
                        related += 1
                    elif len(strays) < 5:
                        strays.append({"page": index.titles[anchor],
                                       "page_category": index.categories[anchor],
                                       "item": item.title, "item_category": item.category})
            report[placement] = {"items": shown, "in_context": related,
                                 "share": round(related / shown, 4) if shown else 0.0,
                                 "strays": strays}
    return report


def liked_values(profile: CustomerProfile) -> list[tuple[str, str]]:
    """The customer's liked (facet, value) pairs, positive weight only, each once.

    >>> liked_values(CustomerProfile(customer_id="c", level="declared", consents={},
    ...     likes=(("brand", "apple", 0.9), ("brand", "sony", -0.5), ("brand", "apple", 0.2))))
    [('brand', 'apple')]
    """
    return list(dict.fromkeys((facet, value) for facet, value, weight in profile.likes
                              if weight > 0))


def interest_coverage(runtime: Runtime, *, n: int = 10, floor: int = 3, min_facets: int = 2,
                      customers: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Over customers with at least ``floor`` liked values across at least ``min_facets``
    facets (all of them, or ``customers`` of them drawn with ``seed``): the share whose home
    row of ``n`` carries at least ``min(floor, coverable)`` of their liked values, where a
    value is coverable when an allowed, in-stock product carries it.

    Customers whose likes may not be used (level off, personalization withdrawn) are counted
    apart: their rows must not follow their likes at all.
    """
    engine = runtime.recommender
    report: dict[str, Any] = {"n": n, "floor": floor, "min_facets": min_facets, "seed": seed}
    population: list[str] = []
    not_personalised = 0
    with runtime.session() as session:
        index, _ = engine.snapshot(session)
        if index.size == 0:
            raise RuntimeError("an empty catalogue: load the demo")
        for who in _customers_with_likes(runtime):
            liked = liked_values(engine.profile(session, who))
            if len(liked) >= floor and len({facet for facet, _ in liked}) >= min_facets:
                population.append(who)
        session.rollback()
        if customers is not None and customers < len(population):
            population = sorted(random.Random(seed).sample(population, customers))
        met = covered_total = coverable_total = measured = 0
        misses: list[dict[str, Any]] = []
        for who in population:
            profile = engine.profile(session, who)
            if not profile.uses_declared:
                not_personalised += 1
                continue
            result = engine.recommend(session, RecommendationQuery(
                customer_id=who, placement="home", n=n))
            session.rollback()
            liked = liked_values(profile)
            coverable, covered = row_coverage(
                index, profile, [index.position[item.product_id] for item in result.items])
            measured += 1
            covered_total += len(covered)
            coverable_total += len(coverable)
            if len(covered) >= min(floor, len(coverable)):
                met += 1
            elif len(misses) < 5:
                misses.append({"customer": who, "liked": [f"{f}={v}" for f, v in liked],
                               "coverable": [f"{f}={v}" for f, v in coverable],
                               "covered": [f"{f}={v}" for f, v in covered],
                               "row": [item.category for item in result.items]})
    report.update({
        "customers": measured,
        "not_personalised": not_personalised,
        "met": met,
        "share": round(met / measured, 4) if measured else 0.0,
        "mean_covered": round(covered_total / measured, 3) if measured else 0.0,
        "mean_coverable": round(coverable_total / measured, 3) if measured else 0.0,
        "misses": misses,
    })
    return report


def row_coverage(index: CatalogIndex, profile: CustomerProfile, row: list[int]
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The customer's liked values that some allowed, in-stock product carries (coverable),
    and those of them an item of ``row`` carries (covered), from raw facet values."""
    coverable = [pair for pair in liked_values(profile) if _showable(index, pair, profile)]
    shown: set[tuple[str, str]] = set()
    for position in row:
        shown |= index.values_of(position)
    return coverable, [pair for pair in coverable if pair in shown]


def _showable(index: CatalogIndex, pair: tuple[str, str], profile: CustomerProfile) -> bool:
    """Whether some product carrying ``pair`` may be shown to this customer, by the
    independent item-by-item check on raw facet values (not the pipeline's masks)."""
    positions = index.postings.get(pair)
    if positions is None:
        return False
    return any(not violations(index, int(p), profile) for p in positions)

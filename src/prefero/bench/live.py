"""The live shop measured as a shopper meets it (``prefero bench live``), not offline.

``context_relevance``: on a product page or beside a cart, do the picks belong to the page?
An item counts as in context when it shares a top-level category with one of the page's
products, or when the trained artefact holds evidence tying the two: a co-purchase or
co-view count (either direction) or an observed transition from the page's product to it.
The check reads the artefact and the catalogue directly, never the pipeline's own signals,
so a pipeline that invented a relation would not pass its own test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from prefero.customers.models import Preference
from prefero.models.cooccurrence import Transitions
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.context import CONTEXT_PLACEMENTS
from prefero.recommend.models import ModelView
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

__all__ = ["ContextEvidence", "context_relevance"]

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
        transitions = self.model.models.get("transitions")
        art = int(self.model.cat_to_art[anchor]) if anchor < self.model.cat_to_art.size else -1
        if not isinstance(transitions, Transitions) or art < 0:
            return set()
        targets, _ = transitions.neighbours(art, k=TRANSITION_NEIGHBOURS)
        positions = self.model.art_to_cat[targets]
        return {int(p) for p in positions[positions >= 0]}


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
                         RecommendationQuery(customer_id=who, placement="cart", n=n,
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

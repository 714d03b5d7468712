"""Explanation honesty in the live shop: every reason the engine gives the demo's personas
(and a seeded sample of other customers) on every placement, checked by the independent
checker (``prefero.recommend.honesty``) against the artefact, the catalogue and each
customer's current consent, wishes and events. The goal is 0 unverifiable reasons."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import select

from prefero.customers.models import Customer
from prefero.demo.personas import demo_personas
from prefero.recommend.honesty import unverified
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime
from prefero.search.fulltext import keyword_hits

__all__ = ["explanation_honesty"]

SEARCHES = ("chocolate", "camera", "shirt", "cream", "bread", "phone")


def explanation_honesty(runtime: Runtime, *, customers: int = 100, anchors: int = 3,
                        seed: int = 0, n: int = 10) -> dict[str, Any]:
    """Reasons given and reasons the checker could not verify, per placement, for the
    personas and ``customers`` more drawn with ``seed``; ``anchors`` products per product,
    cart and checkout page."""
    rng = random.Random(seed)
    engine = runtime.recommender
    given: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    with runtime.session() as session:
        index, model = engine.snapshot(session)
        # "Featured by the shop" is checked against the merchandising rules as stored.
        rules = engine.merchandising(session).source.rules
        eligible = np.flatnonzero(index.eligible).tolist()
        people = [p.customer_id for p in demo_personas(session, settings=runtime.settings)]
        others = sorted(session.scalars(select(Customer.id).where(
            Customer.anonymous.is_(False))))
        people += rng.sample(others, min(customers, len(others)))
        hits = {q: tuple(keyword_hits(session, q, limit=1000)) for q in SEARCHES}
        for who in dict.fromkeys(people):
            queries = [RecommendationQuery(customer_id=who, placement="home", n=n)]
            for _ in range(anchors):
                anchor = index.ids[int(rng.choice(eligible))]
                queries += [
                    RecommendationQuery(customer_id=who, placement="product", n=n,
                                        product_id=anchor),
                    RecommendationQuery(customer_id=who, placement="cart", n=n, cart=(anchor,)),
                    RecommendationQuery(customer_id=who, placement="checkout", n=n,
                                        cart=(anchor,)),
                ]
            searched = rng.choice(SEARCHES)
            if hits[searched]:
                queries.append(RecommendationQuery(customer_id=who, placement="search", n=n,
                                                   hits=hits[searched]))
            profile = engine.profile(session, who)
            for query in queries:
                result = engine.recommend(session, query)
                given[query.placement] += sum(len(item.reasons) for item in result.items)
                for claim in unverified(result, query=query, index=index, model=model,
                                        profile=profile, rules=rules):
                    failed[query.placement] += 1
                    if len(examples) < 10:
                        examples.append({"customer": who, "placement": query.placement,
                                         "product": claim.product_id, "code": claim.code,
                                         "why": claim.why})
            session.rollback()
    return {"customers": len(dict.fromkeys(people)), "reasons": sum(given.values()),
            "unverified": sum(failed.values()),
            "by_placement": {p: {"reasons": given[p], "unverified": failed[p]}
                             for p in sorted(given)},
            "examples": examples}

"""Declared interests: which liked values a home row can take turns among, and the items
that count for each."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.catalog_index import ProductRow, index_products
from prefero.recommend.interests import declared_interests, interest_candidates
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()


def _row(pid: str, category: str, brand: str, **facets: object) -> ProductRow:
    return ProductRow(pid, pid, Decimal(10), None, True, "in_stock", category, brand,
                      {"category": category, "brand": brand.casefold(), **facets}, None)


INDEX = index_products([
    _row("a-shirt", "Fashion > Shirts", "Acme", style="minimal"),
    _row("b-shirt", "Fashion > Shirts", "Bolt", style="minimal"),
    _row("b-shoe", "Fashion > Shoes", "Bolt"),
    _row("c-bag", "Fashion > Bags", "Cora", style="classic"),
], schema=SCHEMA)


def _profile(*likes: tuple[str, str, float]) -> CustomerProfile:
    return CustomerProfile(customer_id="c1", level="declared",
                           consents={"personalization": True, "tracking": False,
                                     "context": False, "marketing_email": False,
                                     "marketing_push": False},
                           likes=likes)


def _declared(profile: CustomerProfile) -> np.ndarray:
    declared = np.zeros(INDEX.size)
    for facet, value, weight in profile.likes:
        found = INDEX.postings.get((facet, value))
        if found is not None:
            declared[found] += weight
    return declared


def test_liked_values_strongest_first_without_dislikes_or_unknown_values() -> None:
    profile = _profile(("style", "minimal", 0.6), ("brand", "cora", 0.9),
                       ("brand", "bolt", -1.0), ("brand", "nobody", 1.0))
    interests = declared_interests(INDEX, profile, _declared(profile))
    assert [(i.facet, i.value) for i in interests] == [("brand", "cora"), ("style", "minimal")]
    # The Bolt shirt is minimal, but the customer dislikes Bolt more than they like minimal.
    minimal = interests[1]
    assert [INDEX.ids[p] for p in minimal.positions] == ["a-shirt"]


def test_nothing_counts_when_the_likes_may_not_be_used() -> None:
    profile = _profile(("style", "minimal", 0.6), ("brand", "cora", 0.9))
    assert declared_interests(INDEX, profile, np.zeros(INDEX.size)) == ()


def test_candidates_come_only_from_allowed_items() -> None:
    profile = _profile(("style", "minimal", 0.6), ("brand", "bolt", 0.5))
    interests = declared_interests(INDEX, profile, _declared(profile))
    allowed = np.array([ident != "b-shirt" for ident in INDEX.ids])
    scores = np.array([1.0, 5.0, 2.0, 0.0])
    chosen = interest_candidates(interests, allowed, scores, depth=1)
    assert [INDEX.ids[p] for p in chosen] == ["a-shirt", "b-shoe"]

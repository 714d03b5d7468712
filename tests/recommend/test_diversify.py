"""Diversification: MMR with a leaf-category cap, and turns among the customer's liked values
so that one strong like does not fill a home row (issue 11, finding 2)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.catalog_index import CatalogIndex, FloatArray, ProductRow, index_products
from prefero.recommend.config import DiversifyConfig
from prefero.recommend.diversify import mmr
from prefero.recommend.interests import Interest, declared_interests
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()
CONFIG = DiversifyConfig()


def _row(pid: str, category: str, brand: str | None = None, **facets: Any) -> ProductRow:
    values: dict[str, Any] = {"category": category, **facets}
    if brand:
        values["brand"] = brand.casefold()
    return ProductRow(pid, f"Item {pid}", Decimal(10), None, True, "in_stock", category, brand,
                      values, None)


def _index(rows: list[ProductRow]) -> CatalogIndex:
    return index_products(sorted(rows, key=lambda r: r.id), schema=SCHEMA)


def _profile(*likes: tuple[str, str, float]) -> CustomerProfile:
    return CustomerProfile(customer_id="c1", level="declared",
                           consents={"personalization": True, "tracking": False,
                                     "context": False, "marketing_email": False,
                                     "marketing_push": False},
                           likes=likes)


def _declared(index: CatalogIndex, profile: CustomerProfile) -> FloatArray:
    """The declared signal as the pipeline computes it (each liked value adds its weight)."""
    declared = np.zeros(index.size)
    for facet, value, weight in profile.likes:
        found = index.postings.get((facet, value))
        if found is not None:
            declared[found] += weight
    return declared


def _row_of(index: CatalogIndex, profile: CustomerProfile, *, n: int = 10,
            with_interests: bool = True) -> list[int]:
    declared = _declared(index, profile)
    # Declared first, then a small editorial part that orders items liked equally.
    scores = 10.0 * declared + np.linspace(0.3, 0.0, index.size)
    ranked = np.argsort(-scores, kind="stable")
    interests = declared_interests(index, profile, declared) if with_interests else ()
    return mmr(index, ranked, scores, n=n, config=CONFIG, interests=interests)


def _shown(index: CatalogIndex, row: list[int]) -> set[tuple[str, str]]:
    return set().union(*(index.values_of(p) for p in row))


APPLE_LEAVES = ("Phones", "Laptops", "Tablets", "Watches", "Headphones")


def _apple_fan_shop() -> CatalogIndex:
    rows = [_row(f"apple-{leaf}-{i}", f"Electronics > {leaf}", "Apple", ecosystem="apple")
            for leaf in APPLE_LEAVES for i in range(6)]
    rows += [_row(f"hm-{i}", "Fashion > Tops", "H&M") for i in range(4)]
    rows += [_row(f"wittchen-{i}", "Fashion > Bags", "Wittchen") for i in range(4)]
    rows += [_row(f"basic-{i}", "Fashion > Shirts", "Basic", style="minimal") for i in range(4)]
    rows += [_row(f"other-{i}", "Home > Lamps", "Lumo") for i in range(20)]
    return _index(rows)


APPLE_FAN = _profile(("brand", "apple", 0.9), ("ecosystem", "apple", 1.0),
                     ("style", "minimal", 0.8), ("brand", "h&m", 0.7),
                     ("brand", "wittchen", 0.6))


def test_one_strong_like_no_longer_fills_a_row_of_ten() -> None:
    index = _apple_fan_shop()
    before = _row_of(index, APPLE_FAN, with_interests=False)
    # What the finding saw: the leaf cap alone lets Apple take the whole row.
    assert all(index.ids[p].startswith("apple-") for p in before)
    row = _row_of(index, APPLE_FAN)
    liked = {(facet, value) for facet, value, _ in APPLE_FAN.likes}
    assert liked <= _shown(index, row)
    assert index.ids[row[0]].startswith("apple-"), "the most relevant item still leads"
    assert sum(index.ids[p].startswith("apple-") for p in row) >= 5, "the strong like keeps most"
    assert len(row) == 10 and len(set(row)) == 10


def test_groceries_and_fashion_both_show() -> None:
    rows = [_row(f"g-{leaf}-{i}", f"Groceries > {leaf}")
            for leaf in ("Bakery", "Snacks", "Dairy", "Drinks", "Fruit") for i in range(5)]
    rows += [_row(f"f-{leaf}-{i}", f"Fashion > {leaf}")
             for leaf in ("Tops", "Shoes", "Bags", "Socks", "Coats") for i in range(5)]
    index = _index(rows)
    profile = _profile(("category", "Groceries", 1.0), ("category", "Fashion", 0.8))
    before = [index.categories[p].split(" > ")[0] for p in _row_of(
        index, profile, with_interests=False)]
    assert set(before) == {"Groceries"}
    verticals = [index.categories[p].split(" > ")[0] for p in _row_of(index, profile)]
    assert verticals[0] == "Groceries"
    # The first half of the row takes turns: both show, the stronger like more often.
    assert verticals.count("Fashion") >= 2, verticals
    assert verticals.count("Groceries") >= verticals.count("Fashion"), verticals


def test_a_single_like_is_left_to_relevance() -> None:
    index = _apple_fan_shop()
    profile = _profile(("brand", "h&m", 1.0))
    assert _row_of(index, profile) == _row_of(index, profile, with_interests=False)


def test_a_liked_value_only_excluded_items_carry_is_not_brought_back() -> None:
    index = _apple_fan_shop()
    declared = _declared(index, APPLE_FAN)
    scores = 10.0 * declared
    # The customer's rules removed every H&M item before ranking.
    ranked = np.array([p for p in np.argsort(-scores, kind="stable")
                       if not index.ids[p].startswith("hm-")])
    row = mmr(index, ranked, scores, n=10, config=CONFIG,
              interests=declared_interests(index, APPLE_FAN, declared))
    assert not any(index.ids[p].startswith("hm-") for p in row)
    assert {("brand", "wittchen"), ("style", "minimal")} <= _shown(index, row)


# -- invariants over random catalogues, rankings and interests ------------------------------

@st.composite
def cases(draw: st.DrawFn) -> tuple[CatalogIndex, np.ndarray, FloatArray, list[Interest],
                                    int, DiversifyConfig]:
    size = draw(st.integers(min_value=1, max_value=60))
    leaves = draw(st.lists(st.integers(0, 7), min_size=size, max_size=size))
    brands = draw(st.lists(st.integers(0, 4), min_size=size, max_size=size))
    index = _index([_row(f"p{i:02d}", f"V{leaf % 3} > L{leaf}", f"b{brand}")
                    for i, (leaf, brand) in enumerate(zip(leaves, brands, strict=True))])
    scores = np.array(draw(st.lists(st.floats(-5, 5), min_size=size, max_size=size)))
    # The allowed candidates: a random subset, best first.
    allowed = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    positions = np.flatnonzero(allowed)
    ranked = positions[np.argsort(-scores[positions], kind="stable")]
    interests = [Interest("tag", str(j), draw(st.floats(0.1, 1.0)), np.unique(np.array(
        draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=size)), dtype=np.int64)))
        for j in range(draw(st.integers(0, 6)))]
    config = DiversifyConfig(
        mmr_lambda=draw(st.floats(0.0, 1.0)), category_cap=draw(st.integers(1, 4)),
        pool=draw(st.integers(1, 6)), interest_share=draw(st.floats(0.0, 1.0)),
        interest_depth=draw(st.integers(0, 4)))
    return index, ranked, scores, interests, draw(st.integers(1, 15)), config


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_diversification_only_selects_from_the_allowed_ranking(
    case: tuple[CatalogIndex, np.ndarray, FloatArray, list[Interest], int, DiversifyConfig],
) -> None:
    index, ranked, scores, interests, n, config = case
    row = mmr(index, ranked, scores, n=n, config=config, interests=interests)
    assert set(row) <= set(ranked.tolist()), "an item the constraints removed came back"
    assert len(row) == len(set(row))
    assert len(row) == min(n, ranked.size)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_liked_value_the_ranking_holds_gets_a_turn(data: st.DataObject) -> None:
    # One item per leaf, so that the cap never stands in the way.
    size = data.draw(st.integers(min_value=2, max_value=40))
    index = _index([_row(f"p{i:02d}", f"V > L{i}") for i in range(size)])
    scores = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=size, max_size=size)))
    ranked = np.argsort(-scores, kind="stable")
    n = data.draw(st.integers(2, 12))
    config = DiversifyConfig(interest_share=data.draw(st.floats(0.1, 1.0)),
                             interest_depth=data.draw(st.integers(1, 3)))
    count = data.draw(st.integers(2, max(2, math.ceil(config.interest_share * n))))
    interests = [Interest("tag", str(j), data.draw(st.floats(0.1, 1.0)), np.unique(np.array(
        data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4)), dtype=np.int64)))
        for j in range(count)]
    row = mmr(index, ranked, scores, n=n, config=config, interests=interests)
    if count <= min(n, math.ceil(config.interest_share * n)):
        picked = set(row)
        assert all(picked & set(i.positions.tolist()) for i in interests), (row, interests)

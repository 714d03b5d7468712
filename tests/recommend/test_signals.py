"""The signals read from a few items instead of the whole catalogue give, bit for bit, what
the whole-catalogue formulas give: new arrivals, a page's attribute similarity, the context
of a page, and the exploration slot's most appealing items."""

from __future__ import annotations

import hashlib

import numpy as np

from prefero.recommend.catalog_index import CatalogIndex, FloatArray
from prefero.recommend.config import ExplorationConfig
from prefero.recommend.context import context_mask
from prefero.recommend.diversify import pick_exploration
from prefero.recommend.signals import (
    NEW_ARRIVAL_DAYS,
    Provenance,
    _affinity,
    _attribute_similarity,
    _newness,
)
from prefero.runtime import Runtime


def _index(shop: Runtime) -> CatalogIndex:
    with shop.session() as session:
        index, _view = shop.recommender.snapshot(session)
    return index


def _whole_similarity(index: CatalogIndex, anchor: int) -> FloatArray:
    """The formula over every item, as the request path had it."""
    same_leaf = index.leaf_code == index.leaf_code[anchor]
    score = np.where(same_leaf, 0.6, 0.0)
    anchor_values = [pair for pair in index.values_of(anchor) if pair[0] != "category"]
    if anchor_values:
        shared = np.zeros(index.size)
        for pair in anchor_values:
            positions = index.postings.get(pair)
            if positions is not None:
                shared[positions] += 1.0
        score += np.where(same_leaf, 0.4 * shared / len(anchor_values), 0.0)
    score[anchor] = 0.0
    return score


def test_new_arrivals_are_the_whole_catalogue_formula(demo_shop: Runtime) -> None:
    index = _index(demo_shop)
    newest = float(index.created_ts.max())
    for now in (newest, newest + 86400.0 * 7, newest + 86400.0 * NEW_ARRIVAL_DAYS,
                float(np.median(index.created_ts)), newest + 86400.0 * 400):
        age_days = (now - index.created_ts) / 86400.0
        whole = np.clip(1.0 - age_days / NEW_ARRIVAL_DAYS, 0.0, 1.0)
        newness = _newness(index, now)
        np.testing.assert_array_equal(newness, whole)
        # Read newest first, newness never rises: the order the new arrivals are read in.
        assert np.all(np.diff(newness[index.newest_first]) <= 0)
        assert sorted(index.newest_first.tolist()) == list(range(index.size))
    assert _newness(index, newest + 86400.0).any()  # the check is not of zeros only


def test_attribute_similarity_is_the_whole_catalogue_formula(demo_shop: Runtime) -> None:
    index = _index(demo_shop)
    for anchor in range(0, index.size, 3):
        positions, values = _attribute_similarity(index, anchor)
        whole = _whole_similarity(index, anchor)
        np.testing.assert_array_equal(positions, np.flatnonzero(whole))
        np.testing.assert_array_equal(values, whole[positions])


def test_brand_and_category_affinity_is_the_gathered_formula(demo_shop: Runtime) -> None:
    # Written at the weighted brands' and leaves' items; the catalogue-wide gather is the
    # reference, bit for bit, including the items without a brand (a code of their own).
    index = _index(demo_shop)
    rng = np.random.default_rng(3)
    for _ in range(60):
        brands = np.zeros(int(index.brand_code.max()) + 1)
        leaves = np.zeros(int(index.leaf_code.max()) + 1)
        for seed in rng.integers(0, index.size, int(rng.integers(1, 25))):
            brands[index.brand_code[seed]] += rng.random()
            leaves[index.leaf_code[seed]] += rng.random()
        brands /= brands.max()
        leaves /= leaves.max()
        whole = 0.5 * brands[index.brand_code] + 0.5 * leaves[index.leaf_code]
        affinity, groups = _affinity(index, brands=brands, leaves=leaves)
        assert affinity.tobytes() == whole.tobytes()
        reached = np.zeros(index.size, dtype=bool)
        for group in groups:
            reached[group] = True
        assert not np.any(affinity[~reached])  # zero outside the groups it names


def test_a_pages_context_is_its_anchors_verticals_and_related_items(demo_shop: Runtime) -> None:
    index = _index(demo_shop)
    rng = np.random.default_rng(4)
    for _ in range(50):
        anchors = [int(a) for a in rng.choice(index.size, size=rng.integers(1, 4))]
        page = np.where(rng.random(index.size) < 0.05, rng.random(index.size), 0.0)
        verticals = index.vertical_code[anchors]
        want = (page > 0) | np.isin(index.vertical_code, verticals)
        np.testing.assert_array_equal(context_mask(index, page, anchors), want)


def _sorted_exploration(index: CatalogIndex, allowed: np.ndarray, chosen: list[int],
                        appeal: FloatArray, *, seed_text: str, pool: int) -> int | None:
    """The slot as the request path had it: the allowed items of a vertical (else a leaf)
    the list does not show, sorted by appeal, one of the best ``pool`` by ``seed_text``."""
    outside = allowed.copy()
    outside[chosen] = False
    for codes in (index.vertical_code, index.leaf_code):
        candidates = np.flatnonzero(outside & ~np.isin(codes, codes[chosen]))
        if candidates.size:
            best = candidates[np.argsort(-appeal[candidates], kind="stable")][:pool]
            digest = hashlib.sha256(seed_text.encode()).digest()
            return int(best[int.from_bytes(digest[:4], "big") % best.size])
    return None


def test_the_exploration_slot_read_from_the_appeal_order_is_the_sorted_one(
        demo_shop: Runtime) -> None:
    with demo_shop.session() as session:
        index, view = demo_shop.recommender.snapshot(session)
    popularity, trending = view.editorial
    appeal = popularity + trending
    order = view.editorial_order[2]
    np.testing.assert_array_equal(order, np.argsort(-appeal, kind="stable"))
    rng = np.random.default_rng(8)
    config = ExplorationConfig()
    picked = 0
    for customer in range(80):
        allowed = rng.random(index.size) < rng.uniform(0.05, 1.0)
        chosen = [int(p) for p in rng.choice(np.flatnonzero(allowed), size=9)]
        sorted_pick = _sorted_exploration(index, allowed, chosen, appeal,
                                          seed_text=f"c{customer}", pool=config.pool)
        assert pick_exploration(index, allowed, chosen, order=order,
                                seed_text=f"c{customer}", config=config) == sorted_pick
        picked += sorted_pick is not None
    assert picked > 0


def test_contributions_added_at_once_rank_as_added_one_source_at_a_time() -> None:
    # Equal values are frequent (the same weight times the same count): the first added
    # wins, so add_many must keep the order of its entries across sources and reasons.
    rng = np.random.default_rng(8)
    for _ in range(50):
        one, many = Provenance(), Provenance()
        parts = [(rng.integers(0, 12, int(rng.integers(0, 6))), int(rng.integers(0, 40)),
                  int(rng.integers(0, 2))) for _ in range(int(rng.integers(1, 8)))]
        names = ("co_purchase", "co_view")
        values = [rng.choice([0.5, 1.0, 2.0], targets.size) for targets, _, _ in parts]
        for (targets, source, code), vals in zip(parts, values, strict=True):
            one.add(targets, source, vals, names[code])
        many.add_many(np.concatenate([t for t, _, _ in parts]),
                      np.concatenate([np.full(t.size, s) for t, s, _ in parts]),
                      np.concatenate(values),
                      np.concatenate([np.full(t.size, c) for t, _, c in parts]), names=names)
        for position in range(12):
            assert one.best(position) == many.best(position)

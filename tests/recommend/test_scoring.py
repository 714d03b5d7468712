"""Scores and candidates read at the signals' supports (the few items a customer's likes,
history or page reach) are, bit for bit, what passes over the whole catalogue give: the same
rows, reasons and scores, whether the supports are sorted, marked in a mask or not kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from prefero.bench.pipeline import sample_queries
from prefero.recommend import scoring, signals
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.models import ModelView
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import load_profile
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.recommend.signals import compute_signals
from prefero.runtime import Runtime

NOW = 1.8e9


def _views(shop: Runtime) -> tuple[CatalogIndex, list[ModelView]]:
    """The shop's view (the models scored over every item: no support) and one reading
    the models at 20 candidates each (a support, as at 100,000 products)."""
    with shop.session() as session:
        index, view = shop.recommender.snapshot(session)
    assert view.candidate_k is None and view.models
    return index, [view, replace(view, candidate_k=20)]


def _queries(shop: Runtime, index: CatalogIndex) -> list[RecommendationQuery]:
    queries = sample_queries(shop, count=120, seed=13)
    rng = np.random.default_rng(13)
    for query in queries[:40]:
        hits = tuple(index.ids[int(p)] for p in rng.choice(index.size, size=30))
        queries.append(RecommendationQuery(customer_id=query.customer_id, placement="search",
                                           hits=hits, n=10))
        cart = tuple(index.ids[int(p)] for p in rng.choice(index.size, size=2))
        queries.append(RecommendationQuery(customer_id=query.customer_id,
                                           placement="checkout", cart=cart, n=10))
    return queries


def _answer(shop: Runtime, index: CatalogIndex, view: ModelView,
            query: RecommendationQuery) -> RecommendationResult:
    with shop.session() as session:
        profile = load_profile(session, customer_id=query.customer_id,
                               settings=shop.settings)
    return run_pipeline(index=index, model=view, profile=profile, query=query,
                        config=shop.recommender.config, now=NOW)


@pytest.mark.parametrize("mask_ratio", [0, 1_000_000])
def test_answers_read_at_supports_are_those_of_whole_passes(
        demo_shop: Runtime, monkeypatch: pytest.MonkeyPatch, mask_ratio: int) -> None:
    index, views = _views(demo_shop)
    queries = _queries(demo_shop, index)
    supported = 0
    for view in views:
        monkeypatch.setattr(signals, "DENSE_SHARE", 0.0)  # no support is ever kept
        monkeypatch.setattr(scoring, "DENSE_SHARE", 0.0)
        whole = [_answer(demo_shop, index, view, query) for query in queries]
        monkeypatch.setattr(signals, "DENSE_SHARE", 1.0)  # every support is kept
        monkeypatch.setattr(scoring, "DENSE_SHARE", 1.0)
        monkeypatch.setattr(signals, "_MASK_RATIO", mask_ratio)  # sorted / masked
        for query, want in zip(queries, whole, strict=True):
            got = _answer(demo_shop, index, view, query)
            assert got.model_dump() == want.model_dump(), query
            supported += bool(got.items)
    assert supported > 200


def test_every_signal_is_zero_outside_its_support(demo_shop: Runtime,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals, "DENSE_SHARE", 1.0)
    index, views = _views(demo_shop)
    kept = 0
    for view in views:
        for query in _queries(demo_shop, index):
            with demo_shop.session() as session:
                profile = load_profile(session, customer_id=query.customer_id,
                                       settings=demo_shop.settings)
            anchors = [index.position[p] for p in (query.product_id, *query.cart)
                       if p in index.position]
            found = compute_signals(index, view, profile, anchors=anchors, now=NOW)
            for name in ("declared", "behaviour", "page"):
                values, support = getattr(found, name), getattr(found, f"{name}_at")
                if support is None:
                    continue
                kept += 1
                assert np.all(np.diff(support) > 0), name  # ascending, no repeats
                outside = np.ones(index.size, dtype=bool)
                outside[support] = False
                assert not np.any(values[outside]), (name, query)
    assert kept > 500

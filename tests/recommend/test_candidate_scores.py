"""The models read at a candidate set (large catalogues) give each item they score exactly
the score the whole row gives it, and nothing to the items they leave out: with every item a
candidate the two paths agree everywhere, and so do the answers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from prefero.bench.pipeline import sample_queries
from prefero.catalog.schemas import ProductIn
from prefero.catalog.service import upsert_products
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.models.base import EmbeddingModel
from prefero.models.serving import IndexConfig, VectorIndex
from prefero.recommend import models, training
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.followers import FOLLOWERS_K
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import load_profile
from prefero.recommend.training import train
from prefero.runtime import Runtime


def _views(shop: Runtime, *, k: int, indexed: bool = False
           ) -> tuple[CatalogIndex, ModelView, ModelView]:
    """The catalogue, the whole-row view and a candidate view reading ``k`` per model (both
    without the followers table, so that followers are worked out by each path)."""
    with shop.session() as session:
        index, view = shop.recommender.snapshot(session)
    assert view.artefacts is not None and view.models
    artefacts = replace(view.artefacts, followers=None)
    if indexed:
        artefacts = replace(artefacts, vector_indexes={
            name: VectorIndex.build(model.item_vectors(), IndexConfig(ann_threshold=0))
            for name, model in artefacts.models.items() if isinstance(model, EmbeddingModel)})
        assert artefacts.vector_indexes
    whole = build_model_view(index, artefacts)
    assert whole.candidate_k is None  # a small shop reads whole rows by default
    return index, whole, replace(build_model_view(index, artefacts), candidate_k=k)


def _journeys(index: CatalogIndex, count: int) -> list[list[int]]:
    rng = np.random.default_rng(5)
    journeys = [[int(p) for p in rng.choice(index.size, size=rng.integers(1, 9))]
                for _ in range(count)]
    return [[], *journeys]


def test_with_every_item_a_candidate_the_paths_agree(demo_shop: Runtime) -> None:
    index, whole, candidates = _views(demo_shop, k=10_000)
    for journey in _journeys(index, 60):
        np.testing.assert_allclose(candidates.expected_after(journey),
                                   whole.model_scores([journey])[0], atol=1e-9)


@pytest.mark.parametrize("indexed", [False, True])
def test_fewer_candidates_score_exactly_and_leave_the_rest_out(demo_shop: Runtime,
                                                               indexed: bool) -> None:
    index, whole, candidates = _views(demo_shop, k=20, indexed=indexed)
    left_out = 0
    for journey in _journeys(index, 60):
        dense = whole.model_scores([journey])[0]
        sparse = candidates.expected_after(journey)
        scored = sparse > 0
        np.testing.assert_allclose(sparse[scored], dense[scored], atol=1e-9)
        assert np.all(sparse <= dense + 1e-9)
        # The best item of the whole row is always among the candidates.
        assert sparse[int(np.argmax(dense))] == pytest.approx(dense.max())
        left_out += int(np.count_nonzero(dense > 0) - np.count_nonzero(scored))
    assert left_out > 0  # the path did leave items out, as documented


def test_followers_worked_out_at_candidates_are_the_whole_rows(demo_shop: Runtime) -> None:
    index, whole, candidates = _views(demo_shop, k=20)
    for position in range(0, index.size, 7):
        (want, want_scores), = whole.followers([position], k=FOLLOWERS_K)
        (got, got_scores), = candidates.followers([position], k=FOLLOWERS_K)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(got_scores, want_scores, atol=1e-9)


def test_with_every_item_a_candidate_the_answers_are_the_same(demo_shop: Runtime) -> None:
    index, whole, candidates = _views(demo_shop, k=10_000)
    engine = demo_shop.recommender
    with demo_shop.session() as session:
        for query in sample_queries(demo_shop, count=150, seed=11):
            profile = load_profile(session, customer_id=query.customer_id,
                                   settings=demo_shop.settings)
            want, got = (run_pipeline(index=index, model=view, profile=profile, query=query,
                                      config=engine.config, now=1.8e9)
                         for view in (whole, candidates))
            assert [(i.product_id, i.reasons) for i in got.items] == [
                (i.product_id, i.reasons) for i in want.items], query
            assert [i.score for i in got.items] == pytest.approx(
                [i.score for i in want.items], abs=2e-4)


def test_a_large_catalogue_is_trained_with_a_vector_index_and_served_from_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "Large" lowered to a test's size: the same code path as at 50,000 products.
    monkeypatch.setattr(training, "CANDIDATE_SCORING_FROM", 50)
    monkeypatch.setattr(models, "CANDIDATE_SCORING_FROM", 50)
    runtime = Runtime(Settings(data_dir=tmp_path / "shop"))
    load_demo(runtime, products=80, customers=60)
    said: list[str] = []
    train(runtime, progress=said.append)
    assert any(line.startswith("vector index of als built") for line in said)
    runtime.recommender.refresh()
    with runtime.session() as session:
        _index, view = runtime.recommender.snapshot(session)
        assert view.artefacts is not None
        assert view.artefacts.vector_indexes["als"].kind == "hnsw"  # read back from disk
        assert view.candidate_k == models.MODEL_CANDIDATES
        served = 0
        for query in sample_queries(runtime, count=40, seed=2):
            result = runtime.recommender.recommend(session, query)
            served += len(result.items)
            assert all(item.reasons for item in result.items)
    assert served > 0
    # A catalogue change makes a new view of the same artefacts, which keeps the models'
    # precomputed moments and orders instead of working them out again.
    with runtime.session(write=True) as session:
        upsert_products(session, [ProductIn(id="p-late", title="Late arrival",
                                            price=Decimal("9.90"),
                                            currency=runtime.shop_currency)],
                        schema=runtime.facet_schema, converter=runtime.currency_converter)
    with runtime.session() as session:
        _index, changed = runtime.recommender.snapshot(session)
    assert changed is not view and changed.artefacts is view.artefacts
    assert changed._rows is view._rows

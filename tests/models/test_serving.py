"""The vector index: exact below the threshold, HNSW above it, never an excluded item."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from prefero.models.base import EmbeddingModel, IntArray, ModelFormatError
from prefero.models.serving import (
    INDEX_FILE,
    IndexConfig,
    VectorIndex,
    recommend_from_index,
)

#: A threshold small enough that the structured catalogue below gets a graph.
ANN = IndexConfig(ann_threshold=500, m=16, ef_construction=64, ef_search=48)


def brute_force(vectors: NDArray[np.float32], query: NDArray[np.float32],
                excluded: Sequence[int]) -> NDArray[np.float32]:
    """Every item's score, ``-inf`` for the excluded: the answer to compare against."""
    scores = (vectors.astype(np.float64) @ query.astype(np.float64)).astype(np.float32)
    scores[np.asarray(list(excluded), dtype=np.int64)] = -np.inf
    return scores


def structured(n_items: int, dim: int, *, seed: int = 0) -> NDArray[np.float32]:
    """Items around 40 cluster centres, the shape learned embeddings have."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    vectors = centres[rng.integers(40, size=n_items)] + 0.5 * rng.normal(size=(n_items, dim))
    return vectors.astype(np.float32)


def queries_near(vectors: NDArray[np.float32], count: int, *, seed: int = 1
                 ) -> tuple[NDArray[np.float32], list[IntArray]]:
    """Fold-in-like queries (mean of five items + noise) excluding those five items and
    the 25 nearest others: the exclusions sit right where the search looks."""
    rng = np.random.default_rng(seed)
    queries = np.empty((count, vectors.shape[1]), dtype=np.float32)
    excluded: list[IntArray] = []
    for row in range(count):
        seen = rng.choice(len(vectors), size=5, replace=False)
        queries[row] = vectors[seen].mean(axis=0) + 0.1 * rng.normal(size=vectors.shape[1])
        nearest = np.argsort(-(vectors @ queries[row]))[:25]
        excluded.append(np.union1d(seen, nearest).astype(np.int64))
    return queries, excluded


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_items=st.integers(1, 60), dim=st.integers(1, 6),
       k=st.integers(0, 70), share=st.floats(0.0, 1.0))
def test_exact_search_is_the_true_top_k_without_excluded_items(
        seed: int, n_items: int, dim: int, k: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n_items, dim)).astype(np.float32)
    query = rng.normal(size=dim).astype(np.float32)
    excluded = np.flatnonzero(rng.random(n_items) < share)
    index = VectorIndex.build(vectors)
    assert index.kind == "exact"

    items, scores = index.search(query, k=k, exclude=excluded)

    truth = brute_force(vectors, query, excluded)
    allowed = n_items - len(excluded)
    assert len(items) == len(scores) == k
    found = items[items >= 0]
    assert len(found) == min(k, allowed)
    assert not np.isin(found, excluded).any()
    assert len(np.unique(found)) == len(found)
    assert np.all(np.diff(scores[: len(found)]) <= 0)
    np.testing.assert_allclose(scores[: len(found)], truth[found], rtol=1e-5, atol=1e-5)
    best = np.sort(truth[np.isfinite(truth)])[::-1][: len(found)]
    np.testing.assert_allclose(scores[: len(found)], best, rtol=1e-5, atol=1e-5)
    assert np.all(items[len(found):] == -1) and np.all(np.isneginf(scores[len(found):]))
    mask = np.zeros(n_items, dtype=np.bool_)
    mask[excluded] = True
    same = index.search(query, k=k, exclude=mask)
    np.testing.assert_array_equal(same[0], items)


def test_exact_ties_go_to_the_lower_item_index() -> None:
    index = VectorIndex.build(np.ones((5, 2), dtype=np.float32))
    items, _ = index.search(np.array([1.0, 1.0]), k=3, exclude=[1])
    assert items.tolist() == [0, 2, 3]


def test_hnsw_above_the_threshold_has_high_recall_and_honours_exclusions() -> None:
    vectors = structured(3000, 16)
    index = VectorIndex.build(vectors, ANN)
    assert index.kind == "hnsw"
    queries, excluded = queries_near(vectors, 60)

    assert index.recall_at_k(queries, k=10, exclude=excluded) >= 0.9
    assert index.recall_at_k(queries, k=10) >= 0.9
    for strategy in ("auto", "overfetch", "selector"):
        for query, banned in zip(queries, excluded, strict=True):
            items, scores = index.search(query, k=10, exclude=banned, strategy=strategy)
            assert (items >= 0).all(), strategy
            assert not np.isin(items, banned).any(), strategy
            assert np.all(np.diff(scores) <= 0)
            # Scores are the items' true inner products, whichever route found them.
            np.testing.assert_allclose(scores, vectors[items] @ query, rtol=1e-4, atol=1e-4)


def test_exclusion_routes_follow_the_config() -> None:
    index = VectorIndex.build(structured(3000, 8), ANN)
    assert index.plan(0) == "graph"
    assert index.plan(ANN.overfetch_limit + 1) == "overfetch"
    # Once no more than the threshold are allowed, scoring them all is exact and cheap.
    assert index.plan(3000 - ANN.ann_threshold) == "exact"
    assert VectorIndex.build(structured(400, 8), ANN).plan(0) == "exact"


def test_a_hidden_neighbourhood_falls_back_to_the_exact_answer() -> None:
    vectors = structured(3000, 8, seed=5)
    config = IndexConfig(ann_threshold=500, m=16, ef_construction=64, ef_search=16,
                         overfetch_limit=20)
    index = VectorIndex.build(vectors, config)
    query = vectors[:5].mean(axis=0)
    # The 400 nearest items are hidden: no over-fetch window (30, then 90) reaches past them.
    hidden = np.argsort(-(vectors @ query))[:400]
    items, _ = index.search(query, k=10, exclude=hidden)
    truth = brute_force(vectors, query, hidden)
    assert items.tolist() == np.argsort(-truth, kind="stable")[:10].tolist()
    assert index.route_counts == {"exact_fallback": 1}
    # A few scattered exclusions: the first window is enough.
    index.search(query, k=10, exclude=hidden[::40])
    assert index.route_counts["overfetch"] == 1


@pytest.mark.parametrize("excluded_share", [0.3, 0.95])
def test_hnsw_with_a_wide_filter_never_returns_an_excluded_item(excluded_share: float) -> None:
    vectors = structured(3000, 8, seed=3)
    index = VectorIndex.build(vectors, ANN)
    rng = np.random.default_rng(4)
    mask = rng.random(3000) < excluded_share
    for query in rng.normal(size=(20, 8)).astype(np.float32):
        items, _ = index.search(query, k=10, exclude=mask)
        assert (items >= 0).all()
        assert not mask[items].any()
    if excluded_share > 0.9:
        # Fewer allowed items than the threshold: the exact answer, not an approximation.
        query = rng.normal(size=8).astype(np.float32)
        truth = brute_force(vectors, query, np.flatnonzero(mask))
        items, _ = index.search(query, k=10, exclude=mask)
        assert items.tolist() == np.argsort(-truth, kind="stable")[:10].tolist()


def test_filtered_search_pads_when_fewer_items_are_allowed_than_asked() -> None:
    vectors = structured(800, 8)
    index = VectorIndex.build(vectors, ANN)
    banned = np.setdiff1d(np.arange(800), [5, 17, 300])
    for strategy in ("auto", "selector", "overfetch"):
        items, scores = index.search(vectors[5], k=5, exclude=banned, strategy=strategy)
        assert sorted(items[:3].tolist()) == [5, 17, 300]
        assert items[3:].tolist() == [-1, -1] and np.isneginf(scores[3:]).all()


def test_bad_requests_are_refused() -> None:
    index = VectorIndex.build(np.eye(4, dtype=np.float32))
    with pytest.raises(ValueError, match="dimensions"):
        index.search(np.ones(3), k=1)
    with pytest.raises(ValueError, match="out of range"):
        index.search(np.ones(4), k=1, exclude=[4])
    with pytest.raises(ValueError, match="mask"):
        index.search(np.ones(4), k=1, exclude=np.zeros(3, dtype=np.bool_))
    with pytest.raises(ValueError, match="invalid"):
        IndexConfig(ef_search=0)


@pytest.mark.parametrize("config", [IndexConfig(), ANN], ids=["exact", "hnsw"])
def test_save_and_load_give_the_same_answers(config: IndexConfig, tmp_path: Path) -> None:
    vectors = structured(1200, 8)
    index = VectorIndex.build(vectors, config)
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, expect_digest=VectorIndex.digest_of(vectors))
    assert (loaded.kind, loaded.n_items, loaded.dim) == (index.kind, 1200, 8)
    assert loaded.config == config
    queries, excluded = queries_near(vectors, 10)
    for query, banned in zip(queries, excluded, strict=True):
        want = index.search(query, k=10, exclude=banned)
        got = loaded.search(query, k=10, exclude=banned)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1])


def test_a_stale_or_missing_index_is_refused(tmp_path: Path) -> None:
    vectors = structured(600, 8)
    VectorIndex.build(vectors, ANN).save(tmp_path)
    with pytest.raises(ModelFormatError, match="other item vectors"):
        VectorIndex.load(tmp_path, expect_digest=VectorIndex.digest_of(vectors + 1.0))
    with pytest.raises(ModelFormatError, match=INDEX_FILE):
        VectorIndex.load(tmp_path / "nowhere")


def test_building_twice_gives_the_same_graph(tmp_path: Path) -> None:
    vectors = structured(2000, 8)
    VectorIndex.build(vectors, ANN).save(tmp_path / "a")
    VectorIndex.build(vectors, ANN).save(tmp_path / "b")
    assert (tmp_path / "a" / "vector_index.faiss").read_bytes() == \
        (tmp_path / "b" / "vector_index.faiss").read_bytes()


class FoldIn:
    """A dot-product model: the query is the mean of the history's item vectors."""

    def __init__(self, vectors: NDArray[np.float32]) -> None:
        self.vectors = vectors

    def item_vectors(self) -> NDArray[np.float32]:
        return self.vectors

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        return np.stack([self.vectors[h].mean(axis=0) for h in histories]).astype(np.float32)


@pytest.mark.parametrize("config", [IndexConfig(), ANN], ids=["exact", "hnsw"])
def test_recommend_from_index_folds_in_and_drops_the_history(config: IndexConfig) -> None:
    model = FoldIn(structured(2000, 8, seed=7))
    assert isinstance(model, EmbeddingModel)
    index = VectorIndex.from_model(model, config)
    history = np.array([3, 40, 41], dtype=np.int64)
    items, _ = recommend_from_index(model, index, history, k=10, exclude=np.array([9]))
    truth = brute_force(model.vectors, model.query_vectors([history])[0], [3, 40, 41, 9])
    assert not np.isin(items, [3, 40, 41, 9]).any()
    overlap = np.intersect1d(items, np.argsort(-truth)[:10])
    assert len(overlap) >= (10 if config.ann_threshold > 2000 else 9)
    kept, _ = recommend_from_index(model, index, history, k=10, exclude_seen=False)
    unfiltered, _ = index.search(model.query_vectors([history])[0], k=10)
    np.testing.assert_array_equal(kept, unfiltered)

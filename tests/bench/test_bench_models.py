"""The model-serving benchmark runs end to end on small catalogues and reports its figures
(the figures themselves are recorded in docs/benchmarks.md, never asserted)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from typer.testing import CliRunner

from prefero.bench.models import (
    bench_index,
    bench_model_serving,
    bench_models,
    fold_in_queries,
    synthetic_catalog,
)
from prefero.cli.app import app
from prefero.models import registry
from prefero.models.base import FloatArray, IntArray, ItemRecommender, TrainingData, Validation
from prefero.models.serving import IndexConfig

LATENCY_KEYS = {"count", "median_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"}


def test_the_synthetic_catalogue_is_clustered_and_reproducible() -> None:
    catalog = synthetic_catalog(12_000, dim=16, seed=3)
    again = synthetic_catalog(12_000, dim=16, seed=3)
    np.testing.assert_array_equal(catalog.vectors, again.vectors)
    assert catalog.vectors.shape == (12_000, 16) and catalog.vectors.dtype == np.float32
    assert len(np.unique(catalog.top)) >= 2
    sample = np.random.default_rng(0).choice(12_000, size=1500, replace=False)
    vectors, sub, top = catalog.vectors[sample], catalog.sub[sample], catalog.top[sample]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    same_sub = sub[:, None] == sub[None, :]
    np.fill_diagonal(same_sub, False)
    other_top = top[:, None] != top[None, :]
    # Items of one sub-category point the same way; items of different top categories
    # much less so (uniform random vectors would show no difference).
    assert cosine[same_sub].mean() > cosine[other_top].mean() + 0.3


def test_fold_in_queries_exclude_the_seen_items_and_their_category() -> None:
    catalog = synthetic_catalog(3000, dim=8)
    queries, excluded = fold_in_queries(catalog, count=20, exclude=50)
    assert queries.shape == (20, 8)
    for query, banned in zip(queries, excluded, strict=True):
        assert len(banned) == 50 and len(np.unique(banned)) == 50
        # The query is built from the first ten (the seen items) and sits near them.
        seen = banned[:10]
        assert len(np.unique(catalog.top[seen])) == 1
        assert np.linalg.norm(query - catalog.vectors[seen].mean(axis=0)) < \
            np.linalg.norm(query - catalog.vectors.mean(axis=0))


def test_bench_index_reports_exact_and_hnsw_figures() -> None:
    exact = bench_index(1000, dim=8, queries=30, exclude=10, recall_queries=10)
    assert exact["kind"] == exact["route"] == "exact"
    assert exact["recall_at_k"] == 1.0
    assert set(exact["search"]) == LATENCY_KEYS and exact["search"]["count"] == 30
    assert 0 < exact["search"]["median_ms"] <= exact["search"]["p99_ms"]

    config = IndexConfig(ann_threshold=500, m=16, ef_construction=40)
    hnsw = bench_index(3000, dim=8, queries=30, exclude=10, config=config,
                       recall_queries=20, exact_queries=5, strategy_excludes=(10, 100))
    assert hnsw["kind"] == "hnsw" and hnsw["route"] == "overfetch"
    assert hnsw["build_s"] >= 0 and hnsw["build_cpu_s"] >= 0
    assert 0.5 <= hnsw["recall_at_k"] <= 1.0
    assert hnsw["index_mb"] > 3000 * 8 * 4 / 2**20
    assert set(hnsw["exact_search"]) == LATENCY_KEYS
    assert set(hnsw["routes"]) == {"exclude_10", "exclude_100"}
    assert set(hnsw["routes"]["exclude_100"]) == {
        f"{route}_{figure}" for route in ("auto", "overfetch", "selector")
        for figure in ("median_ms", "p99_ms", "recall")}
    assert sum(hnsw["routes_taken"].values()) == 30
    assert set(hnsw["search_cpu"]) == LATENCY_KEYS


class MeanOfItems(ItemRecommender):
    """A stand-in dot-product model: random item vectors, the query is their history mean."""

    name = "mean-of-items"

    def fit(self, data: TrainingData, *, validation: Validation | None = None
            ) -> MeanOfItems:
        self.n_items = data.n_items
        rng = np.random.default_rng(self.seed)
        self.vectors = rng.normal(size=(data.n_items, 8)).astype(np.float32)
        return self

    def item_vectors(self) -> NDArray[np.float32]:
        return self.vectors

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        return np.stack([self.vectors[h].mean(axis=0) for h in histories])

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        return (self.query_vectors(histories) @ self.vectors.T).astype(np.float64)

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"vectors": self.vectors}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self.vectors = arrays["vectors"]


def test_the_model_check_times_both_ways_of_recommending(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "model_class", lambda name: MeanOfItems)
    figures = bench_model_serving(n_items=400, n_users=300, requests=20)
    assert figures["index_kind"] == "exact"
    assert set(figures["model_recommend"]) == set(figures["index_recommend"]) == LATENCY_KEYS
    # The same model served both ways: the same top 10.
    assert figures["top_k_agreement"] == 1.0


def test_the_model_check_says_why_it_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> type[ItemRecommender]:
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(registry, "model_class", missing)
    assert "not available" in bench_model_serving(n_items=400, n_users=300)["skipped"]


def test_prefero_bench_model_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = CliRunner().invoke(app, [
        "bench", "model", "--items", "600,1500", "--dim", "8", "--queries", "20",
        "--exclude", "5", "--ann-threshold", "1000", "--no-with-model", "--output", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text("utf-8"))
    assert figures["machine"]["cpus"] >= 1
    sizes = figures["model"]
    assert sizes["items_600"]["kind"] == "exact"
    assert sizes["items_1500"]["kind"] == "hnsw"
    assert "model" not in sizes


def test_bench_models_covers_every_size() -> None:
    results = bench_models([300, 700], dim=4, queries=10, exclude=3, with_model=False)
    assert {"items_300", "items_700"} <= set(results)

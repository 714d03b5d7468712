"""The benchmark code runs end to end on small data (the figures themselves are recorded in
docs/benchmarks.md, never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.bench.http import bench_http
from prefero.bench.ingest import bench_ingest
from prefero.bench.pipeline import bench_pipeline, sample_queries
from prefero.bench.search import bench_search, typed_queries
from prefero.bench.stats import summarise
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture
def small_shop(tmp_path: Path) -> Runtime:
    runtime = Runtime(Settings(data_dir=tmp_path / "shop", admin_key="bench-key"))
    load_demo(runtime, products=300, customers=150)
    train(runtime)
    return runtime


def test_summary_percentiles() -> None:
    figures = summarise([0.001] * 98 + [0.010, 0.020])
    assert figures["median_ms"] == 1.0
    assert figures["max_ms"] == 20.0
    assert 1.0 < figures["p99_ms"] <= 20.0


def test_pipeline_and_http_benchmarks_run(small_shop: Runtime) -> None:
    queries = sample_queries(small_shop, count=50)
    assert {q.placement for q in queries} <= {"home", "product", "cart"}
    pipeline = bench_pipeline(small_shop, requests=40, warmup=5)
    assert pipeline["count"] == 40
    assert 0 < pipeline["median_ms"] <= pipeline["p99_ms"]
    http = bench_http(small_shop, workers=1, concurrency=(2,), seconds=1.0)
    assert http["c2_errors"] == 0
    assert http["c2_requests_per_s"] > 0
    assert 0 < http["c2_median_ms"] <= http["c2_p99_ms"]
    # A shopper's pages were fetched beside the load, and every one answered.
    assert http["c2_pages"] > 0
    assert http["c2_page_errors"] == 0
    assert 0 < http["c2_search_median_ms"] <= http["c2_search_p99_ms"]
    assert 0 < http["c2_product_median_ms"] <= http["c2_product_p99_ms"]
    # Their server time, from the pages' Server-Timing, is part of the time to the last byte.
    assert 0 < http["c2_search_server_median_ms"] <= http["c2_search_median_ms"]
    assert 0 < http["c2_product_server_p99_ms"] <= http["c2_product_max_ms"]


def test_search_benchmark_times_suggestions_and_search(small_shop: Runtime) -> None:
    figures = bench_search(small_shop, requests=30, warmup=3)
    assert set(figures) == {"suggest", "search"}
    for values in figures.values():
        assert values["count"] == 30 and 0 < values["median_ms"] <= values["p99_ms"]
    typed = typed_queries(["chocolate", "granola"], count=200)
    # Prefixes, whole words, two-word queries and typos, all from the catalogue's words.
    assert {"choc", "chocolate"} <= set(typed) or {"gran", "granola"} <= set(typed)
    assert any(" " in query for query in typed)
    assert any(query not in ("chocolate", "granola") and len(query) in (7, 9)
               and " " not in query for query in typed)


def test_ingest_benchmark_counts_every_event(tmp_path: Path) -> None:
    figures = bench_ingest(f"sqlite:///{tmp_path / 'ingest.db'}", batches=2, batch_size=50)
    assert figures["events"] == 100
    assert figures["accepted"] == 100
    assert figures["events_per_s"] > 0

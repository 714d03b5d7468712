"""``prefero bench search`` runs end to end on a small shop: in process, the vocabulary's
build, and GET /v1/search/suggest under concurrent load with each answer's Server-Timing
(the figures are recorded in docs/benchmarks.md, never asserted)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prefero.bench.search import bench_suggest_http, parse_server_timing, vocabulary_build
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture
def small_shop(tmp_path: Path) -> Runtime:
    runtime = Runtime(Settings(data_dir=tmp_path / "shop", admin_key="bench-key"))
    load_demo(runtime, products=200, customers=60)
    train(runtime)
    return runtime


def test_the_server_timings_are_read_from_the_scripts_report() -> None:
    figures = parse_server_timing("Requests/sec: 10\nSERVER_TIMING 1.5 2.5 40.0\n")
    assert figures["server_count"] == 3 and figures["server_median_ms"] == 2.5
    assert parse_server_timing("no such line") == {}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_suggestions_are_loaded_over_http(small_shop: Runtime) -> None:
    built = vocabulary_build(small_shop, times=1)
    assert built["words"] > 0 and 0 < built["fastest_ms"] <= built["slowest_ms"]
    figures = bench_suggest_http(small_shop, clients=2, seconds=1.0, workers=1, paths=50)
    assert figures["errors"] == 0 and figures["requests_per_s"] > 0
    # Every answer said its server time; the clients waited at least that long.
    assert figures["server_count"] > 0
    assert 0 < figures["server_median_ms"] <= figures["median_ms"]

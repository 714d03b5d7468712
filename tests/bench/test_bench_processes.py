"""``bench processes`` end to end on a small shop with one process, through nginx and
direct (its figures go to docs/benchmarks.md; here only that they were measured)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postgres_shop import REDIS_URL, postgres_shop, skip_without_deployment_services
from prefero.bench.processes import bench_processes
from prefero.config import Settings
from prefero.deploy.launch import Deployment
from prefero.runtime import Runtime


@pytest.mark.slow
def test_one_process_is_measured_through_nginx_and_direct(tmp_path: Path) -> None:
    skip_without_deployment_services()
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    with postgres_shop(tmp_path / "data") as url:
        runtime = Runtime(Settings(data_dir=tmp_path / "data", database_url=url))
        try:
            figures = bench_processes(runtime, run_dir=tmp_path / "run", redis_url=REDIS_URL,
                                      counts=(1,), clients=2, seconds=1.0, warmup=0.0,
                                      say=lambda _line: None)
        finally:
            runtime.close()
    for measured in (figures["through_nginx"]["1"], figures["direct_1"]):
        assert measured["errors"] == 0
        assert measured["requests_per_s"] > 0
        assert 0 < measured["median_ms"] <= measured["p99_ms"]
    assert Deployment.read(tmp_path / "run" / "processes-1") is None  # stopped again


def test_a_sqlite_shop_is_refused(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    runtime = Runtime(Settings(data_dir=tmp_path / "data"))
    try:
        with pytest.raises(RuntimeError, match="PostgreSQL"):
            bench_processes(runtime, run_dir=tmp_path / "run", redis_url=REDIS_URL)
    finally:
        runtime.close()

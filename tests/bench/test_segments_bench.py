"""``prefero bench segments`` runs end to end on a small generated shop (2,000 customers),
so that it cannot rot: PostgreSQL only (the scale data is loaded with COPY). The figures are
recorded in docs/segments.md, never asserted; what is asserted is that each was measured
and that the count is the one a direct evaluation gives."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postgres_shop import scratch_database
from prefero.cli.app import app
from prefero.config import Settings
from prefero.runtime import Runtime
from prefero.segments.conditions import parse_condition
from prefero.segments.service import count_members, get_segment

POSTGRES_URL = os.environ.get("PREFERO_TEST_POSTGRES_URL")


@pytest.mark.skipif(not POSTGRES_URL, reason="PREFERO_TEST_POSTGRES_URL is not set")
def test_the_benchmark_runs_on_a_small_generated_shop(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    with scratch_database("prefero_segments_bench") as url:
        result = CliRunner().invoke(app, [
            "bench", "segments", "--database-url", url, "--customers", "2000",
            "--products", "300", "--events", "20000", "--samples", "20", "--out", str(out)])
        assert result.exit_code == 0, result.output
        figures = json.loads(out.read_text())["segments"]
        assert figures["customers"] == 2000
        assert 0 < figures["count"] < 2000
        assert figures["update_samples"] == 20
        assert 0 < figures["update_mean_ms"] <= figures["update_p99_ms"]
        runtime = Runtime(Settings(database_url=url))
        try:
            with runtime.session() as session:
                stored = get_segment(session, "bench-three-conditions")
                # The sampled customers bought since the segment was created; their
                # incremental refreshes keep the stored members equal to a fresh count.
                condition = parse_condition(stored.condition)
                assert stored.members == count_members(session, condition=condition)
                assert stored.members >= figures["count"]
        finally:
            runtime.close()

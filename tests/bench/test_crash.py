"""kill -9 during ingest: every acknowledged event is stored exactly once (SQLite and
PostgreSQL). The real server is started, killed three times mid-stream and restarted."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.bench.crash import bench_crash
from prefero.config import Settings


@pytest.mark.slow
def test_kill_9_mid_stream_loses_and_duplicates_nothing(database_url: str, tmp_path: Path
                                                         ) -> None:
    figures = bench_crash(Settings(data_dir=tmp_path, database_url=database_url), kills=3,
                          seconds_between=(0.3, 0.8), streams=4)
    assert figures["kills"] == 3
    assert figures["acknowledged"] > 0
    assert figures["unacknowledged_left"] == 0  # every retried batch got its 2xx
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    # Nothing stored that was never sent; at most what got no answer is stored unacknowledged
    # (then acknowledged on its retry), so stored == acknowledged.
    assert figures["stored"] == figures["acknowledged"]

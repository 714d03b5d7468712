"""``prefero bench ingest --http``: batches through POST /v1/events of a real server, then
the count of what was acknowledged against what is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from prefero.bench.ingest import bench_ingest_http


@pytest.mark.slow
def test_every_acknowledged_event_is_found_stored(database_url: str) -> None:
    figures = bench_ingest_http(database_url, batches=3, batch_size=200, clients=2, workers=1)
    assert figures["failed_batches"] == 0
    assert figures["acknowledged"] == figures["accepted"] == 600
    assert 0 < figures["linked"] < 600  # a third of the known half consents
    assert figures["lost"] == 0
    assert figures["events_per_s"] > 0

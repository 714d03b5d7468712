"""``prefero maintain`` on the embedded database: retention, the queued retrain, the scrub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from prefero.catalog.changes import ProductChange
from prefero.cli.app import app
from prefero.config import Settings, get_settings
from prefero.customers.models import Customer
from prefero.events.models import Event
from prefero.privacy.retrain import request_retrain
from prefero.recommend.artefacts import current_version
from prefero.runtime import Runtime


def test_maintain_deletes_old_events_and_runs_the_queued_retrain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PREFERO_EVENT_RETENTION_DAYS", "30")
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        first = runner.invoke(app, ["maintain"])  # migrates a fresh data dir on first use
        assert first.exit_code == 0, first.output
        assert "retrain: none pending" in first.output
        runtime = Runtime(Settings(data_dir=tmp_path))
        now = datetime.now(UTC)
        with runtime.session() as session:
            session.add(Customer(id="c1", anonymous=False))
            session.flush()
            session.add_all([Event(customer_id="c1", type="view", product_id="p",
                                   occurred_at=now - timedelta(days=days)) for days in (90, 1)])
            # A price drop the messages' triggers read long ago, and one they have yet to.
            session.add_all([ProductChange(product_id="p", kind="price_drop",
                                           changed_at=now - timedelta(days=days))
                             for days in (45, 1)])
            request_retrain(session, settings=runtime.settings)
        runtime.close()
        result = runner.invoke(app, ["maintain", "--batch", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "deleted 1 events" in result.output
    version = current_version(tmp_path / "artefacts")
    assert version is not None and f"published {version}" in result.output
    assert "wal checkpointed" in result.output
    assert "catalogue changes: 1 past 30 days deleted" in result.output
    runtime = Runtime(Settings(data_dir=tmp_path))
    with runtime.session() as session:
        left = session.scalars(select(ProductChange.changed_at)).all()
    runtime.close()
    assert [now - when < timedelta(days=2) for when in left] == [True]


class _Stop(Exception):
    pass


def test_the_worker_keeps_running_after_a_failed_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefero.cli import maintain as command

    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    passes: list[str] = []
    real = command.run_maintenance

    def flaky(runtime: Runtime, *, batch: int) -> object:
        if not passes:
            passes.append("failed")
            raise RuntimeError("database is locked")
        passes.append("ran")
        return real(runtime, batch=batch)

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise _Stop

    monkeypatch.setattr(command, "run_maintenance", flaky)
    monkeypatch.setattr(command.time, "sleep", sleep)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["maintain", "--every", "60"])
    finally:
        get_settings.cache_clear()
    assert isinstance(result.exception, _Stop)
    assert passes == ["failed", "ran"]
    assert sleeps == [60.0, 60.0]
    assert "retrain: none pending" in result.output

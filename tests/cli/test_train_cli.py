"""``prefero train`` on the embedded database: migrates on first use, publishes a version."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from prefero.cli.app import app
from prefero.config import get_settings
from prefero.recommend.artefacts import current_version, load_current


def test_train_on_a_fresh_data_dir_publishes_artefacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["train"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    version = current_version(tmp_path / "artefacts")
    assert version is not None and version in result.output
    artefacts = load_current(tmp_path / "artefacts")
    assert artefacts is not None and artefacts.item_ids == []

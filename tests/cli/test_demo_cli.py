"""``prefero demo`` end to end with a small shop, without starting a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prefero.cli import serve as serve_module
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.recommend import training

SMALL = ["--products", "200", "--customers", "120"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # The command sets PREFERO_* for the server it starts; setting them here first makes
    # monkeypatch put the originals back afterwards.
    monkeypatch.setenv("PREFERO_DATA_DIR", "unused")
    monkeypatch.setenv("PREFERO_MAILBOX_DIR", str(tmp_path / "mailbox"))
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    monkeypatch.delenv("PREFERO_ADMIN_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _not_implemented(runtime: Any) -> str:
    raise NotImplementedError


def test_demo_loads_and_prints_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "train", _not_implemented)
    data_dir = tmp_path / "demo"

    result = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(data_dir),
                                      "--port", "8123", *SMALL])

    assert result.exit_code == 0, result.output
    out = result.output
    assert (data_dir / "prefero.db").exists()
    assert "Loaded" in out
    assert "Training is not available yet" in out
    assert "http://127.0.0.1:8123/docs" in out
    assert "demo-admin-key" in out
    for customer in ("c00001", "c00002", "anon-demo-1"):
        assert (f"curl -s -H 'X-API-Key: demo-admin-key' 'http://127.0.0.1:8123/v1/"
                f"recommendations?customer_id={customer}&placement=home&n=10'") in out


def test_demo_second_run_skips_loading_and_serves(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    trained: list[str] = []
    served: list[dict[str, Any]] = []

    def train(runtime: Any) -> str:
        trained.append(str(runtime.settings.data_dir))
        return "v1"

    def run_server(**kwargs: Any) -> None:
        served.append(kwargs)

    monkeypatch.setattr(training, "train", train)
    monkeypatch.setattr(serve_module, "run_server", run_server)
    monkeypatch.setenv("PREFERO_ADMIN_KEY", "my-secret-key")
    data_dir = tmp_path / "demo"
    args = ["demo", "--data-dir", str(data_dir), "--host", "0.0.0.0", "--port", "8124", *SMALL]

    first = CliRunner().invoke(app, [*args, "--no-serve"])
    second = CliRunner().invoke(app, args)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert "Artefacts trained" in second.output and "v1" in second.output
    assert "my-secret-key" in second.output
    assert "curl -s -H 'X-API-Key: my-secret-key' 'http://127.0.0.1:8124/v1/" in second.output
    assert trained == [str(data_dir), str(data_dir)]
    assert served == [{"host": "0.0.0.0", "port": 8124, "workers": 1, "data_dir": data_dir}]

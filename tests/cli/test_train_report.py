"""``prefero train`` ends with the new version's quality report: a table row per candidate
and one for the served combination, the form calibration, data and time; a version without
a report gets a one-line notice instead."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prefero.cli import train as train_command
from prefero.cli.app import app
from prefero.config import Settings, get_settings
from prefero.demo import load_demo
from prefero.recommend.selection import REASONS
from prefero.recommend.training import train
from prefero.runtime import Runtime
from quality_reports import sample_quality

# Wide enough that no cell of the table is wrapped or cut.
WIDE = {"COLUMNS": "200"}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small demo shop in its own data folder, the one the command opens."""
    runtime = Runtime(Settings(data_dir=tmp_path))
    try:
        load_demo(runtime, products=80, customers=60)
    finally:
        runtime.close()
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _training_then(monkeypatch: pytest.MonkeyPatch,
                   change: Callable[[dict[str, Any]], None]) -> None:
    """The command trains for real; then ``change`` rewrites the new version's manifest, so
    that the report shown has known figures (or is gone)."""

    def trained(runtime: Runtime, **kwargs: Any) -> str:
        version = train(runtime, **kwargs)
        path = runtime.settings.artefact_dir / version / "manifest.json"
        manifest = json.loads(path.read_text("utf-8"))
        change(manifest)
        path.write_text(json.dumps(manifest), "utf-8")
        return version

    monkeypatch.setattr(train_command, "train_artefacts", trained)


def test_training_prints_the_quality_report(shop: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_quality().model_dump(mode="json", exclude={"version"})
    _training_then(monkeypatch, lambda manifest: manifest.update(quality=report))
    result = CliRunner().invoke(app, ["train"], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def row(name: str) -> str:
        return next(line for line in lines if f" {name} " in line)

    # Weights 1 and 0.5 are two thirds and one third of the score, as the console says.
    for cell in ("transitions", "history", "0.1834", "0.0912", "3.2", "0.41", "66.7%"):
        assert cell in row("transitions")
    assert "33.3%" in row("als")
    # The stored code is printed as its sentence.
    assert REASONS["over_budget"] in row("ease") and "over_budget" not in result.output
    assert " 0% " in row("ease")
    assert "forms" in row("declared")
    served = row("served combination")
    # The served combination is the whole score, not the sum of the relative weights.
    assert all(cell in served for cell in ("0.1962", "0.0987", "1.31 of 4", "100%"))
    assert "1.50" not in served and "over the latency budget" not in served
    # Served models first, heaviest first; the dropped one last.
    order = [next(i for i, line in enumerate(lines) if f" {name} " in line)
             for name in ("transitions", "als", "declared", "ease")]
    assert order == sorted(order)
    assert ("Form model: calibrated on 240 real forms, NDCG@10 on the later ones "
            "0.0810 → 0.1040, new parameters kept") in result.output
    assert ("Data: 1,200 products, 3,400 customers, 125,000 events, 2,900 validation "
            "customers") in result.output
    assert "Time: training 84.5 s, choosing the models 61.2 s of 120 s allowed" in result.output


def test_a_served_combination_over_its_budget_says_so(shop: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_quality(served={"val_hr10": 0.2, "val_ndcg10": 0.1, "score_ms": 6.5,
                                    "budget_ms": 4.0},
                            forms={"real_forms": 12, "minimum": 50, "calibrated": False})
    dumped = report.model_dump(mode="json", exclude={"version"})
    _training_then(monkeypatch, lambda manifest: manifest.update(quality=dumped))
    result = CliRunner().invoke(app, ["train"], env=WIDE)
    assert result.exit_code == 0, result.output
    served = next(line for line in result.output.splitlines() if "served combination" in line)
    assert "6.50 of 4" in served and "over the latency budget" in served
    assert "Form model: not calibrated, 12 real forms (50 needed)" in result.output


def test_a_version_without_a_report_gets_a_notice(shop: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _training_then(monkeypatch, lambda manifest: manifest.pop("quality", None))
    result = CliRunner().invoke(app, ["train"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "holds no quality report" in result.output
    assert "served combination" not in result.output

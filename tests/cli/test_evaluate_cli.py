"""``prefero evaluate`` on a tiny generated sequences file writes the documented JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from prefero.cli.app import app

METRIC_KEYS = {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "coverage@10",
               "val_NDCG@10", "train_s", "infer_ms_per_user"}


def _sequences(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    lines = [" ".join([f"user{u}", *(str(i) for i in rng.integers(1, 40, 6))]) for u in range(30)]
    lines.append("short 1 2")  # fewer than 3 items: skipped
    path = tmp_path / "seq.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_writes_report(tmp_path: Path) -> None:
    attrs = tmp_path / "attrs.json"
    attrs.write_text(json.dumps({"1": ["a"], "2": ["b", "c"]}), encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, [
        "evaluate", "--sequences", str(_sequences(tmp_path)), "--item-attributes", str(attrs),
        "--models", "poprec,popularity", "--output", str(out), "--seed", "1",
    ])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report) == {"dataset", "models", "best"}
    assert report["dataset"]["users"] == 30 and report["dataset"]["skipped_users"] == 1
    assert {"users", "items", "interactions", "skipped_users"} <= set(report["dataset"])
    assert set(report["models"]) == {"poprec", "popularity"}
    for row in report["models"].values():
        assert set(row) == METRIC_KEYS
    assert report["best"] == "popularity"  # the reference model is never selected
    assert "popularity" in result.output


def test_unknown_model_is_rejected(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "evaluate", "--sequences", str(_sequences(tmp_path)), "--models", "nope",
    ])
    assert result.exit_code != 0

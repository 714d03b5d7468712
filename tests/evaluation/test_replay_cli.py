"""``prefero evaluate-live`` end to end on a tiny generated file: the JSON report with every
variant, and bad input refused with exit code 2 as ``prefero evaluate`` refuses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from prefero.cli.app import app


def _sequences(tmp_path: Path) -> Path:
    # Each user walks the items in order from their own start.
    lines = [" ".join([f"user{u}", *(str(1 + (u + k) % 25) for k in range(6))])
             for u in range(30)]
    lines.append("short 1 2")  # fewer than 3 items: skipped
    path = tmp_path / "seq.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["evaluate-live", *args])
    return result.exit_code, result.output


def test_the_report_holds_every_variant_beside_the_models(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code, output = _run("--sequences", str(_sequences(tmp_path)), "--users", "12",
                        "--seed", "3", "--output", str(out))
    assert code == 0, output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["dataset"]["users"] == 30 and report["dataset"]["skipped_users"] == 1
    assert report["users"] == 12 and report["seed"] == 3
    assert set(report["pipeline"]) == {"default", "both off", "diversify only",
                                       "explore only"}
    assert set(report["model_only"]) == {"HR@10", "NDCG@10", "HR@20", "NDCG@20"}
    # Every history here is shorter than a profile's newest 100 events: no difference.
    assert report["model_only_recent"] == report["model_only"]
    for row in report["pipeline"].values():
        assert set(row["home"]) >= {"HR@10", "NDCG@10", "ms_per_request", "ratio"}
    assert report["shop"]["customers"] == 30 and report["shop"]["products"] == 25
    assert "models alone" in output and "both off: home" in output


def test_no_dataset_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _run("--users", "5")
    assert code == 2
    assert "Error" in output


def test_a_missing_output_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    code, output = _run("--sequences", str(_sequences(tmp_path)),
                        "--output", str(tmp_path / "nowhere" / "out.json"))
    assert code == 2
    assert "does not exist" in " ".join(output.split())

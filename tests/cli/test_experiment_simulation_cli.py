"""``prefero experiments simulate``: the report (every run) written as JSON, the verdicts
printed, and exit status 1 when a check fails (here the sample-ratio check, which cannot
see a 52/48 split in 150 units per arm)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from prefero.cli.app import app


def test_simulate_writes_the_report_and_fails_on_a_failed_check(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, [
        "experiments", "simulate", "--runs", "1", "--srm-runs", "1", "--units-per-arm",
        "100", "--srm-units-per-arm", "150", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "FAIL  52%/48% split flagged" in result.output
    assert "pass  excluded products bought" in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [run["scenario"] for run in report["runs"]] == ["aa", "lift", "srm"]
    assert report["figures"]["srm_flagged"] == 0
    assert report["plan"]["srm_units_per_arm"] == 150

"""``prefero experiments simulate``: the experiments' simulation (issue 17's measures) on a
throw-away shop, with the verdicts; the figures recorded in docs/experiments.md come from it.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from prefero.experiments.simulation import Plan, Report, RunOutcome, simulate

__all__ = ["simulate_command"]

#: Exit status when a check of the simulation fails.
FAILED = 1


def _share(value: float) -> str:
    """A share as a percentage, a dash where there was nothing to count (no runs)."""
    return "–" if math.isnan(value) else f"{value:.1%}"


def _table(report: Report) -> Table:
    figures = report.figures
    table = Table(title="Simulation", show_lines=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("A/A runs", f"{figures['aa_runs']:.0f}"),
        ("A/A false positives (fixed horizon)", f"{figures['aa_false_positives']:.0f}"),
        ("A/A false positives (always valid)",
         f"{figures['aa_always_valid_false_positives']:.0f}"),
        ("A/A and lift runs flagged by the SRM check", f"{figures['aa_srm_flags']:.0f}"),
        ("lift runs", f"{figures['lift_runs']:.0f}"),
        ("lift found (fixed horizon)", _share(figures["lift_detection_rate"])),
        ("lift found (always valid)",
         _share(figures["lift_always_valid_detected"] / figures["lift_runs"]
                if figures["lift_runs"] else math.nan)),
        ("predicted power", _share(figures["predicted_power"])),
        ("SRM runs", f"{figures['srm_runs']:.0f}"),
        ("SRM runs flagged", f"{figures['srm_flagged']:.0f}"),
        ("SRM runs flagged (share)", _share(figures["srm_flag_rate"])),
        ("SRM check's predicted power", _share(figures["srm_predicted_power"])),
        ("mean units per arm", f"{figures['mean_units_per_arm']:,.0f}"),
        ("A/A conversion", _share(figures["aa_conversion"])),
        ("CUPED variance reduction (mean)", _share(figures["cuped_variance_reduction"])),
        ("runs through the HTTP API", f"{figures['http_runs']:.0f}"),
        ("seconds (wall)", f"{report.seconds:,.0f}"),
        ("seconds (CPU of this process)", f"{report.cpu_seconds:,.0f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def simulate_command(
    runs: Annotated[int, typer.Option(min=1, help="A/A runs, and as many lift runs.")] = 200,
    srm_runs: Annotated[int, typer.Option(min=0, help="Runs with a 52/48 split.")] = 20,
    units_per_arm: Annotated[int, typer.Option(
        min=100, help="Units each arm expects in the A/A and lift runs.")] = 3000,
    srm_units_per_arm: Annotated[int, typer.Option(
        min=100, help="Units the control expects in the SRM runs (the check at p < 0.001 "
                      "sees a 52/48 split at about 10,000 per arm).")] = 10_000,
    seed: Annotated[int, typer.Option(help="Everything random follows from it.")] = 17,
    http_runs: Annotated[int, typer.Option(
        min=0, help="More runs (A/A and lift in turn) through the HTTP API, after the "
                    "others (the API stamps the real clock).")] = 0,
    out: Annotated[Path | None, typer.Option(
        "--out", dir_okay=False, help="Write the report (every run) as JSON.")] = None,
) -> None:
    """Synthetic shoppers with planted preferences run A/A, +20 % lift and 52/48
    sample-ratio experiments through the real services on a throw-away shop; the real
    results judge each one. Exits with 1 when a check fails."""
    plan = Plan(runs=runs, srm_runs=srm_runs, units_per_arm=units_per_arm,
                srm_units_per_arm=srm_units_per_arm, seed=seed, http_runs=http_runs)
    console = Console()
    total = len(plan.schedule())
    with tempfile.TemporaryDirectory(prefix="prefero-simulation-") as folder, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("experiments", total=total + http_runs)

        def advance(_: RunOutcome) -> None:
            progress.advance(task)

        report = simulate(plan, folder=Path(folder), progress=advance)
    console.print(_table(report))
    console.print(f"{report.machine}; started {report.started_at}")
    for check in report.checks:
        mark = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        console.print(f"{mark}  {check.name}: {check.observed:.3g} ({check.required})")
    if out is not None:
        out.write_text(json.dumps(report.as_json(), indent=1), encoding="utf-8")
    if not all(check.passed for check in report.checks):
        raise typer.Exit(FAILED)

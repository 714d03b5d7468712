"""``prefero evaluate``: offline evaluation (leave-one-out, full ranking) on a sequences file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from prefero.evaluation.runner import MODELS, evaluate_file

__all__ = ["register"]

COLUMNS = ("HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "coverage@10",
           "val_NDCG@10", "train_s", "infer_ms_per_user")


def evaluate(
    sequences: Path = typer.Option(..., "--sequences", exists=True, dir_okay=False,
                                   help="S3-Rec format: 'user_id item item ...' in time order."),
    item_attributes: Path | None = typer.Option(None, "--item-attributes", exists=True,
                                                dir_okay=False,
                                                help='JSON {"item": [attribute, ...]}.'),
    models: str = typer.Option(",".join(MODELS), "--models",
                               help="Comma-separated model names."),
    output: Path | None = typer.Option(None, "--output", help="Write the report as JSON."),
    seed: int = typer.Option(0, "--seed", help="Seed for every model."),
) -> None:
    """Leave-one-out by time, every item ranked with the user's history masked; HR/NDCG@5,10,20
    on the test item, model selection on the validation item."""
    console = Console()
    names = [n.strip() for n in models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise typer.BadParameter(
            f"unknown model(s): {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(MODELS)}", param_hint="--models")
    with Progress(console=console, transient=True) as progress:
        task: list[TaskID] = []

        def start_stage(description: str, steps: int) -> None:
            if task:
                progress.remove_task(task.pop())
            task.append(progress.add_task(description, total=steps))

        def advance(steps: int) -> None:
            progress.advance(task[-1], steps)

        report = evaluate_file(sequences, names, item_attributes=item_attributes, seed=seed,
                               start_stage=start_stage, advance=advance)
    console.print(_table(report))
    console.print(f"Best on the validation item (NDCG@10): [bold]{report['best']}[/bold]")
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"[green]Wrote[/green] {output}")


def _table(report: dict[str, Any]) -> Table:
    """Metrics as rows, models as columns: stays readable in an 80-column terminal."""
    ds = report["dataset"]
    table = Table(title=f"{ds['users']} users · {ds['items']} items · "
                        f"{ds['interactions']} interactions · {ds['skipped_users']} skipped")
    table.add_column("metric")
    models: dict[str, dict[str, float]] = report["models"]
    for name in models:
        table.add_column(f"{name} *" if name == report["best"] else name, justify="right")
    for column in COLUMNS:
        digits = 3 if column in ("train_s", "infer_ms_per_user") else 4
        table.add_row(column, *(f"{row[column]:.{digits}f}" for row in models.values()))
    return table


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)

"""``prefero evaluate``: offline evaluation (leave-one-out by time, full ranking) of the
registered models on a sequences file or an interaction table."""

from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from prefero.evaluation.data import SequenceData, leave_one_out
from prefero.evaluation.replay import replay
from prefero.evaluation.replay_catalogue import replay_catalogue
from prefero.evaluation.runner import (
    EvaluationError,
    available_cores,
    dataset_stats,
    default_models,
    evaluate_models,
    load_dataset,
    resolve_models,
)

__all__ = ["register"]

#: Exit status for input the command cannot use (click's own usage errors use it too).
BAD_INPUT = 2

_ACCURACY = ("HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "val_NDCG@10")
_BEYOND = ("coverage@10", "diversity@10", "novelty@10", "train_s", "infer_ms_per_user")
_LIVE = ("HR@10", "NDCG@10", "HR@20", "NDCG@20")
_HEADERS = {"val_NDCG@10": "val NDCG@10", "train_s": "train s",
            "infer_ms_per_user": "infer ms/user"}



# The dataset options, shared by ``evaluate`` and ``evaluate-live``.
SequencesOption = Annotated[Path | None, typer.Option(
    "--sequences", exists=True, dir_okay=False, readable=True,
    help="S3-Rec format: one line per user, 'user_id item item ...' in time order.",
)]
InteractionsOption = Annotated[Path | None, typer.Option(
    "--interactions", exists=True, dir_okay=False, readable=True,
    help="Table with a header: user_id,item_id,timestamp[,value] (comma, tab or "
         "semicolon), or a RecBole .inter file. Timestamps are numbers (seconds); each "
         "user's rows are sorted by them. A value (or RecBole rating) column is passed "
         "to the models as weights, but the leave-one-out protocol uses every row.",
)]
ItemAttributesOption = Annotated[Path | None, typer.Option(
    "--item-attributes", exists=True, dir_okay=False, readable=True,
    help='Item attributes as JSON: {"item": \\[attribute, ...]}.',
)]
ItemsOption = Annotated[Path | None, typer.Option(
    "--items", exists=True, dir_okay=False, readable=True,
    help="Item table: item_id plus facet columns (multi-valued cells split on '|'), "
         "or a RecBole .item file; each value becomes the attribute 'column=value'.",
)]
ItemColumnsOption = Annotated[str | None, typer.Option(
    "--item-columns",
    help="Comma-separated facet columns to read from --items (default: all).",
)]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", dir_okay=False, help="Write the report as JSON.")]


def evaluate(
    sequences: SequencesOption = None,
    interactions: InteractionsOption = None,
    item_attributes: ItemAttributesOption = None,
    items: ItemsOption = None,
    item_columns: ItemColumnsOption = None,
    models: Annotated[str | None, typer.Option(
        "--models", help="Comma-separated model names (default: poprec and every "
                         "registered model; those whose extra is not installed are skipped).",
    )] = None,
    output: OutputOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for every model.")] = 0,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="Models fitted side by side, each in its own process "
                              "(default: one per core).",
    )] = None,
    cold_start: Annotated[bool, typer.Option(
        "--cold-start", help="Also evaluate new users who declared attributes they like "
                             "(needs --items or --item-attributes).",
    )] = False,
) -> None:
    """Leave-one-out by time, every item ranked with the user's history masked: HR/NDCG@5,
    10, 20, coverage, diversity and novelty on the test item; hyper-parameters and the best
    model chosen on the validation item."""
    console = Console()
    names = ([n.strip() for n in models.split(",") if n.strip()] if models is not None
             else default_models())
    try:
        _, skipped = resolve_models(names)
    except EvaluationError as exc:
        _fail(str(exc))
    if output is not None and not output.parent.is_dir():
        _fail(f"--output: folder {output.parent} does not exist")
    if cold_start and item_attributes is None and items is None:
        _fail("--cold-start needs item attributes: give --items or --item-attributes")
    evaluate_cold_start = _cold_start_function() if cold_start else None
    data, attributes = _dataset(sequences=sequences, interactions=interactions,
                                item_attributes=item_attributes, items=items,
                                item_columns=item_columns)
    split = leave_one_out(data)
    for name, reason in skipped.items():
        console.print(f"[yellow]Skipping[/yellow] {name}: {reason}", highlight=False)
    report: dict[str, Any] = {"dataset": dataset_stats(data, split, attributes)}
    try:
        with _bar(console) as progress:
            report.update(evaluate_models(
                split, names, seed=seed, attributes=attributes, progress=_Stages(progress),
                jobs=available_cores() if jobs is None else jobs))
            if evaluate_cold_start is not None:
                assert attributes is not None
                # The blend would refit every other model once more; its parts are
                # reported on their own.
                ran = [n for n in names if n in report["models"] and n != "blend"]
                cold = dict(evaluate_cold_start(split, attributes, models=ran, seed=seed))
                # The contract's table at the top; how it was made (users, folds, the
                # settings chosen on validation, notes) beside it.
                report["cold_start"] = cold.pop("cold_start")
                report["cold_start_details"] = cold
    except EvaluationError as exc:
        _fail(str(exc))
    for table in _tables(report):
        console.print(table)
    console.print(f"Best on the validation item (NDCG@10): [bold]{report['best']}[/bold]")
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"[green]Wrote[/green] {output}")


def _dataset(*, sequences: Path | None, interactions: Path | None,
             item_attributes: Path | None, items: Path | None, item_columns: str | None
             ) -> tuple[SequenceData, list[tuple[str, ...]] | None]:
    """The dataset and its item attributes as the options name them; unusable input ends
    the command with its reason."""
    columns = ([c.strip() for c in item_columns.split(",") if c.strip()]
               if item_columns is not None else None)
    try:
        return load_dataset(sequences=sequences, interactions=interactions,
                            item_attributes=item_attributes, items=items,
                            item_columns=columns)
    except (EvaluationError, ValueError) as exc:  # InputFileError, bad JSON, bad encoding
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]Error:[/red] {message}", highlight=False)
    raise typer.Exit(code=BAD_INPUT)


def _cold_start_function() -> Any:
    """Imported only when asked for, so the command works in builds without it."""
    try:
        module = importlib.import_module("prefero.evaluation.cold_start")
    except ImportError as exc:
        _fail(f"--cold-start is not available in this build ({exc})")
    return module.evaluate_cold_start


def _bar(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    transient=True)


class _Stages:
    """The runner's stages as one Rich task at a time."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, steps: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)


def _tables(report: dict[str, Any]) -> list[Table]:
    """Two tables with a row per model, each narrow enough for an 80-column terminal."""
    ds = report["dataset"]
    title = (f"{ds['users']} users · {ds['items']} items · {ds['interactions']} "
             f"interactions · {ds['skipped_users']} skipped")
    rows: dict[str, dict[str, Any]] = report["models"]
    tables = []
    for caption, columns in ((title, _ACCURACY), ("Top-10 lists and cost", _BEYOND)):
        table = Table(title=caption, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        table.add_column("model", no_wrap=True)
        for column in columns:
            table.add_column(_HEADERS.get(column, column), justify="right")
        for name, row in rows.items():
            label = f"{name} (ref)" if row.get("reference") else name
            label = f"[bold]{label} *[/bold]" if name == report["best"] else label
            table.add_row(label, *(_cell(row.get(column), column) for column in columns))
        tables.append(table)
    if "cold_start" in report:
        tables.extend(_cold_start_tables(report["cold_start"]))
    return tables


def _cold_start_tables(cold: dict[str, dict[str, dict[str, float]]]) -> list[Table]:
    """One table per metric: what was ranked as rows, the scenarios as columns."""
    rows = list(dict.fromkeys(name for scenario in cold.values() for name in scenario))
    tables = []
    for metric in ("NDCG@10", "HR@10"):
        table = Table(title=f"Cold start: {metric}", box=box.SIMPLE_HEAD, pad_edge=False,
                      collapse_padding=True)
        table.add_column("ranked by", no_wrap=True)
        for scenario in cold:
            table.add_column(scenario.replace("history=", "h=").replace("+", " + "),
                             justify="right")
        for name in rows:
            table.add_row(name, *(f"{cold[scenario][name][metric]:.4f}"
                                  if name in cold[scenario] else "–" for scenario in cold))
        tables.append(table)
    return tables


def _cell(value: float | None, column: str) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if column in ("train_s", "infer_ms_per_user", "novelty@10") \
        else f"{value:.4f}"


def evaluate_live(
    sequences: SequencesOption = None,
    interactions: InteractionsOption = None,
    item_attributes: ItemAttributesOption = None,
    items: ItemsOption = None,
    item_columns: ItemColumnsOption = None,
    users: Annotated[int, typer.Option(
        "--users", min=1, help="Users whose requests are replayed, drawn with --seed "
                               "(all of them when there are fewer).")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the users' draw.")] = 0,
    output: OutputOption = None,
) -> None:
    """Leave-one-out through the live request path: a throw-away shop (in a temporary
    folder, under TMPDIR) holds every user's history up to the test item, trains as
    `prefero train` does, and answers each sampled user's home and product page (n=20) as
    the API does, with diversification and exploration on and off; HR/NDCG@10 and 20 of
    the test item, beside the model-only figure of the models it serves."""
    console = Console()
    if output is not None and not output.parent.is_dir():
        _fail(f"--output: folder {output.parent} does not exist")
    data, attributes = _dataset(sequences=sequences, interactions=interactions,
                                item_attributes=item_attributes, items=items,
                                item_columns=item_columns)
    split = leave_one_out(data)
    if split.n_users == 0:
        _fail("no user has the 3 interactions leave-one-out needs")
    report: dict[str, Any] = {"dataset": dataset_stats(data, split, attributes)}
    with _bar(console) as progress, tempfile.TemporaryDirectory(
            prefix="prefero-replay-") as folder:
        report.update(replay(data, split, replay_catalogue(attributes, n_items=data.n_items),
                             folder=Path(folder), users=users, seed=seed,
                             progress=_Stages(progress)))
    console.print(_live_table(report))
    times = report["times"]
    console.print(f"Served models: {', '.join(_served_names(report['served_models']))} · "
                  f"shop {times['shop_s']:.1f} s · training {times['training_s']:.1f} s · "
                  f"requests {times['requests_s']:.1f} s", highlight=False)
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"[green]Wrote[/green] {output}")


def _served_names(served: dict[str, dict[str, Any]]) -> list[str]:
    """Each served model with its weight and, for a model answering forms, its role.

    >>> _served_names({"transitions": {"role": "history", "weight": 1.0},
    ...                "declared": {"role": "form", "weight": 1.0}, "als": {}})
    ['transitions ×1', 'declared (form)', 'als']
    """
    names = []
    for name, entry in served.items():
        if entry.get("role") == "form":
            names.append(f"{name} (form)")
        elif entry.get("weight") is not None:
            names.append(f"{name} ×{entry['weight']:g}")
        else:
            names.append(name)
    return names


def _live_table(report: dict[str, Any]) -> Table:
    """A row per variant and placement, the model-only figure first; the ratio is the
    pipeline's NDCG@10 over the model-only one."""
    ds = report["dataset"]
    title = (f"{report['users']} of {ds['users']} users · {ds['items']} items · "
             f"lists of {report['list_size']}")
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("ranked by", no_wrap=True)
    for column in _LIVE:
        table.add_column(column, justify="right")
    table.add_column("× model", justify="right")
    table.add_column("ms/req", justify="right")
    base = report["model_only"]
    table.add_row("models alone", *(_cell(base[c], c) for c in _LIVE), "–", "–")
    recent = report.get("model_only_recent")
    if recent is not None and recent != base:
        table.add_row("models alone, newest 100", *(_cell(recent[c], c) for c in _LIVE),
                      "–", "–")
    for name, row in report["pipeline"].items():
        for placement in ("home", "product"):
            cells = row[placement]
            ratio = cells["ratio"]["NDCG@10"]
            table.add_row(f"{name}: {placement}", *(_cell(cells[c], c) for c in _LIVE),
                          "–" if ratio is None else f"{ratio:.2f}",
                          f"{cells['ms_per_request']:.1f}")
    return table


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("evaluate-live")(evaluate_live)

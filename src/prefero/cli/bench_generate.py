"""``prefero bench generate`` and ``prefero bench train``: load a generated shop of a chosen
size into PostgreSQL (see ``prefero.bench.generate``) and measure training on it stage by
stage, for the figures at the scale of a large shop."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from prefero.config import Settings

__all__ = ["generate", "train_stages"]

console = Console()


def _anchor(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"--anchor: not an ISO-8601 date or time: {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def generate(
    products: Annotated[int, typer.Option(help="Products in the catalogue.")] = 100_000,
    customers: Annotated[int, typer.Option(help="Customers.")] = 1_000_000,
    events: Annotated[int, typer.Option(
        help="Events linked to customers who consented to tracking.")] = 5_000_000,
    database_url: Annotated[str | None, typer.Option(
        envvar="PREFERO_DATABASE_URL",
        help="An empty PostgreSQL database (postgresql+psycopg://user@host/db); migrated "
             "first. SQLite is refused: the load uses COPY.")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, sizes and anchor: the same shop.")] = 0,
    anchor: Annotated[str | None, typer.Option(
        help="'Now' of the generated history (ISO-8601, UTC when no offset); default: now."
    )] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")
                   ] = None,
) -> None:
    """Generate a shop (products, customers with consents and preferences, behaviour) with
    NumPy and load it into PostgreSQL with COPY; prints row counts, seconds per stage and
    the database's size on disk."""
    from prefero.bench.generate import generate_shop

    if not database_url:
        raise typer.BadParameter("--database-url (or PREFERO_DATABASE_URL) is required")
    settings = Settings(database_url=database_url)
    tasks: dict[str, TaskID] = {}
    with Progress(TextColumn("{task.description:>12}"), BarColumn(),
                  TextColumn("{task.completed:>12,.0f}"), TimeElapsedColumn(),
                  console=console) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        try:
            summary = generate_shop(
                database_url, products=products, customers=customers, events=events,
                seed=seed, anchor=_anchor(anchor), currency=settings.shop_currency,
                policy_version=settings.policy_version, progress=progress)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    table = Table(title=f"generated shop (seed {seed})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = {"products": summary.products, "customers": summary.customers,
            "consent records": summary.consents, "preferences": summary.preferences,
            "events": summary.events, "activity counters": summary.activity,
            **{f"{stage} (s)": seconds for stage, seconds in summary.seconds.items()},
            "total (s)": round(sum(summary.seconds.values()), 1),
            "database on disk (GiB)": round(summary.database_bytes / 2**30, 2)}
    for key, value in rows.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else f"{value:g}")
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"generate": {**summary.__dict__}}, indent=2), "utf-8")
        console.print(f"written to {out}")


def train_stages(
    database_url: Annotated[str | None, typer.Option(
        envvar="PREFERO_DATABASE_URL", help="The database holding the shop.")] = None,
    models: Annotated[str, typer.Option(
        help="Models to fit, comma-separated; default: PREFERO_MODELS.")] = "",
    tune: Annotated[bool, typer.Option(
        help="Choose settings on the last items first, as `prefero train` does; "
             "--no-tune fits the default settings once.")] = True,
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")
                   ] = None,
) -> None:
    """Seconds and peak memory of each stage of training (reading the behaviour,
    co-occurrence, every model), without publishing anything."""
    from prefero.bench.training import bench_training
    from prefero.runtime import Runtime

    settings = Settings(database_url=database_url) if database_url else Settings()
    names = [name.strip() for name in models.split(",") if name.strip()] or settings.models
    runtime = Runtime(settings)
    try:
        figures = bench_training(runtime, models=names, tune=tune,
                                 say=lambda msg: console.print(f"• {msg}"))
    finally:
        runtime.close()
    table = Table(title=f"training stages ({'tuned' if figures['tuned'] else 'defaults'})")
    for column in ("stage", "seconds", "peak RSS (GiB)"):
        table.add_column(column, justify="right")
    for stage, row in figures["stages"].items():
        table.add_row(stage, f"{row['seconds']:g}", f"{row['peak_rss_gib']:g}")
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"train": figures}, indent=2, default=str), "utf-8")
        console.print(f"written to {out}")

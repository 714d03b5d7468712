"""``prefero segments list|create|count|export|refresh|delete``: rule segments from the
shell. Every write and export is in the audit log (actor ``cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prefero.cli.common import open_runtime
from prefero.db.base import utcnow
from prefero.errors import FieldError, PreferoError
from prefero.segments import service
from prefero.segments.conditions import Condition, parse_condition
from prefero.segments.export import Channel, ExportFormat, export_lines
from prefero.segments.membership import Changes, defaults_of, refresh, sweep

__all__ = ["bench_command", "register", "segments_app"]

ACTOR = "cli"

segments_app = typer.Typer(help="Rule segments: conditions over customers' profiles, "
                                "declared preferences, consents and behaviour.",
                           no_args_is_help=True)

ConditionText = Annotated[str, typer.Option(
    "--condition", help="The condition as JSON, or @FILE to read it from a file "
                        "(docs/segments.md lists the condition types).")]


def _where(error: FieldError) -> str:
    """``condition › conditions[0] › value``: where to look."""
    parts: list[str] = []
    for part in error.loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return " › ".join(parts)


def _fail(console: Console, exc: PreferoError) -> typer.Exit:
    console.print(f"[red]✗[/red] {escape(exc.detail)}", highlight=False)
    for error in exc.errors:
        console.print(f"    {escape(_where(error))}: {escape(error.msg)}", highlight=False)
    return typer.Exit(code=1)


def _condition(console: Console, text: str) -> Condition:
    try:
        raw: Any = json.loads(Path(text[1:]).read_text("utf-8") if text.startswith("@")
                              else text)
    except (OSError, ValueError) as exc:
        console.print(f"[red]✗[/red] the condition is not readable JSON: {escape(str(exc))}",
                      highlight=False)
        raise typer.Exit(code=1) from None
    try:
        return parse_condition(raw, at=("condition",))
    except PreferoError as exc:
        raise _fail(console, exc) from None


@segments_app.command("list")
def list_command() -> None:
    """Every segment with how many customers it holds now."""
    console = Console()
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            segments = service.list_segments(session)
    finally:
        runtime.close()
    if not segments:
        console.print("No segments yet: create one with `prefero segments create`.")
        return
    table = Table("key", "name", "members", "changes with time")
    for segment in segments:
        table.add_row(segment.key, escape(segment.name), f"{segment.members:,}",
                      "yes" if segment.windowed else "no")
    console.print(table)


@segments_app.command("create")
def create_command(
    key: Annotated[str, typer.Option(help="A lowercase slug, e.g. vegan-buyers.")],
    name: Annotated[str, typer.Option(help="What the shop's staff read.")],
    condition: ConditionText,
    description: Annotated[str | None, typer.Option(help="A longer note.")] = None,
) -> None:
    """Create a segment; its members are computed at once."""
    console = Console()
    parsed = _condition(console, condition)
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            created = service.create_segment(session, key=key, name=name, condition=parsed,
                                             description=description, actor=ACTOR,
                                             settings=runtime.settings)
    except PreferoError as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    console.print(f"[green]✓[/green] {created.key}: {created.members:,} customers",
                  highlight=False)


@segments_app.command("delete")
def delete_command(key: Annotated[str, typer.Argument(help="The segment's key.")]) -> None:
    """Delete a segment and its stored members."""
    console = Console()
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            service.delete_segment(session, key=key, actor=ACTOR)
    except PreferoError as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    console.print(f"[green]✓[/green] deleted {key}", highlight=False)


@segments_app.command("count")
def count_command(
    key: Annotated[str | None, typer.Argument(help="A stored segment's key.")] = None,
    condition: Annotated[str | None, typer.Option(
        "--condition", help="Or a condition as JSON (@FILE reads a file).")] = None,
) -> None:
    """How many customers meet a stored segment's condition, or a condition, now."""
    console = Console()
    if (key is None) == (condition is None):
        console.print("[red]✗[/red] give a segment's key or --condition, not both")
        raise typer.Exit(code=2)
    parsed = _condition(console, condition) if condition is not None else None
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            if parsed is None:
                parsed = service.stored_condition(session, str(key))
            count = service.count_members(session, condition=parsed,
                                          settings=runtime.settings)
    except PreferoError as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    console.print(f"{count:,} customers", highlight=False)


@segments_app.command("export")
def export_command(
    key: Annotated[str, typer.Argument(help="The segment's key.")],
    channel: Annotated[Channel, typer.Option(help="Only customers who consent to it now.")],
    output_format: Annotated[ExportFormat, typer.Option("--format")] = "csv",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="A file to write; left out, standard output.")] = None,
) -> None:
    """The segment's known members who consent to the channel now: customer id and
    channel per line, CSV or JSON Lines. Audited."""
    console = Console(stderr=True)
    runtime = open_runtime()
    written = 0
    try:
        with runtime.session(write=True) as session:
            condition = service.stored_condition(session, key)
            service.record_export(session, key=key, channel=channel, actor=ACTOR)
        now, defaults = utcnow(), defaults_of(runtime.settings)
        with runtime.session() as session:
            sink = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                for line in export_lines(session, condition, channel=channel,
                                         output=output_format, now=now, defaults=defaults):
                    sink.write(line)
                    written += 1
            finally:
                if output:
                    sink.close()
    except PreferoError as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    header = 1 if output_format == "csv" else 0
    console.print(f"[green]✓[/green] {written - header:,} customers exported",
                  highlight=False)


@segments_app.command("refresh")
def refresh_command(
    everything: Annotated[bool, typer.Option(
        "--all", help="Rebuild every segment from scratch (after a crash lost queued "
                      "changes), not only those that change with time.")] = False,
    customers: Annotated[list[str] | None, typer.Option(
        "--customer", help="Re-evaluate only these customers (repeatable).")] = None,
) -> None:
    """Bring stored membership up to date: segments that change with time (what `prefero
    maintain` also does), every segment (--all), or some customers (--customer)."""
    console = Console()
    runtime = open_runtime()
    defaults = defaults_of(runtime.settings)
    changes: Changes | None
    try:
        with runtime.session(write=True) as session:
            if customers:
                changes = refresh(session, customers, defaults=defaults)
            elif everything:
                rebuilt = service.rebuild_all(session, settings=runtime.settings)
                changes = sum(rebuilt.values(), Changes()) if rebuilt else None
            else:
                changes = sweep(session, defaults=defaults)
    finally:
        runtime.close()
    if changes is None:
        console.print("No segments yet.")
        return
    console.print(f"[green]✓[/green] {changes.joined:,} memberships begun, "
                  f"{changes.left:,} ended", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds ``prefero segments ...`` to the main app."""
    app.add_typer(segments_app, name="segments")


def bench_command(
    database_url: Annotated[str | None, typer.Option(
        envvar="PREFERO_DATABASE_URL",
        help="A PostgreSQL database: empty (a shop is generated into it) or one `prefero "
             "bench generate` (or an earlier run) filled.")] = None,
    customers: Annotated[int, typer.Option(help="Customers to generate.")] = 1_000_000,
    products: Annotated[int, typer.Option(help="Products to generate.")] = 20_000,
    events: Annotated[int, typer.Option(help="Events to generate.")] = 5_000_000,
    samples: Annotated[int, typer.Option(min=1, help="Events for the per-event update.")
                       ] = 200,
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")
                   ] = None,
) -> None:
    """Time a three-condition segment's count (target: 2 s over 1,000,000 customers), its
    creation, and membership update per event (mean, p99) on PostgreSQL."""
    from prefero.bench.segments import bench_segments

    console = Console()
    if not database_url:
        raise typer.BadParameter("--database-url (or PREFERO_DATABASE_URL) is required")
    try:
        figures = bench_segments(database_url, customers=customers, products=products,
                                 events=events, samples=samples, say=console.print)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    table = Table("figure", "value", title="rule segments")
    for name, value in figures.items():
        table.add_row(name, f"{value:,.3f}" if value % 1 else f"{value:,.0f}")
    console.print(table)
    if out is not None:
        out.write_text(json.dumps({"segments": figures}, indent=2) + "\n", "utf-8")

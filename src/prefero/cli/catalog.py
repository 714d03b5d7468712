"""``prefero import FILE``: import a product feed into the configured database;
``prefero reprice``: bring products stored in another currency into the shop's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from prefero.catalog.feeds import FeedFormat
from prefero.catalog.repricing import reprice_catalog
from prefero.catalog.schemas import ImportReport, RowError
from prefero.catalog.service import ImportRefused, import_feed
from prefero.cli.common import open_runtime
from prefero.errors import InvalidInput

__all__ = ["import_command", "register", "reprice_command"]

SHOWN_ERRORS = 50


def _summary(report: ImportReport) -> Table:
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("created", str(report.created))
    table.add_row("updated", str(report.updated))
    table.add_row("unchanged", str(report.unchanged))
    table.add_row("deactivated (not in the feed)", str(report.deactivated))
    table.add_row("rows skipped", str(len({error.line for error in report.skipped})))
    table.add_row("rows with errors", str(len({error.line for error in report.errors})))
    table.add_row("warnings", str(len(report.warnings)))
    for conversion in report.converted:
        table.add_row(f"converted from {conversion.currency} "
                      f"(1 {conversion.currency} = {conversion.rate} {report.currency})",
                      str(conversion.products))
    return table


def _errors(errors: list[RowError], *, title: str) -> Table:
    table = Table(title=title)
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("id")
    table.add_column("reason")
    for error in errors[:SHOWN_ERRORS]:
        table.add_row(str(error.line), error.column or "", error.product_id or "", error.reason)
    return table


def _show(console: Console, report: ImportReport, *, title: str) -> None:
    console.print(f"[bold]{title}[/bold]", highlight=False)
    console.print(_summary(report))
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    for errors, heading in ((report.errors, "Row errors"), (report.skipped, "Skipped rows")):
        if errors:
            shown = min(len(errors), SHOWN_ERRORS)
            console.print(_errors(errors, title=f"{heading} (first {shown} of {len(errors)})"))


def import_command(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="Feed file: CSV, TSV, RSS/Atom XML, JSON Lines, or a Shopify or WooCommerce "
             "product export.")],
    format: Annotated[FeedFormat | None, typer.Option(
        "--format", case_sensitive=False, help="Feed format; detected when left out.")] = None,
    skip_bad_rows: Annotated[bool, typer.Option(
        "--skip-bad-rows", help="Import the good rows and list the bad ones.")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="The file is the whole catalogue: deactivate the active products it "
                       "does not list.")] = False,
) -> None:
    """Import a product feed. Any row error refuses the whole file unless --skip-bad-rows.
    Products given as stored are left as they are; --full deactivates the ones not listed.

    Prices in another currency than PREFERO_SHOP_CURRENCY are converted with the rates in
    PREFERO_CURRENCY_RATES (or PREFERO_CURRENCY_RATES_FILE); a row without a rate is an
    error."""
    console = Console()
    runtime = open_runtime()
    try:
        # Parsed from the open file a piece at a time: a large feed is never held whole.
        with file.open("rb") as stream, runtime.session(write=True) as session:
            report = import_feed(session, stream, schema=runtime.facet_schema,
                                 converter=runtime.currency_converter, format=format,
                                 filename=file.name, skip_bad_rows=skip_bad_rows,
                                 full=full)
    except ImportRefused as exc:
        console.print(f"[red]Refused:[/red] {exc.detail}", highlight=False)
        if exc.report is not None:
            _show(console, exc.report, title=f"{file.name}: nothing imported")
        raise typer.Exit(code=1) from None
    except InvalidInput as exc:
        console.print(f"[red]Refused:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    _show(console, report, title=f"{file.name}: imported")


def reprice_command() -> None:
    """Convert stored products priced in another currency into PREFERO_SHOP_CURRENCY.

    Imports convert as they write; this is for products stored before the shop set or
    changed its currency (`prefero serve` warns about them). Uses PREFERO_CURRENCY_RATES
    (or PREFERO_CURRENCY_RATES_FILE); a currency without a rate converts nothing."""
    console = Console()
    runtime = open_runtime()
    converter = runtime.currency_converter
    try:
        with runtime.session(write=True) as session:
            done = reprice_catalog(session, converter=converter)
    except InvalidInput as exc:
        console.print(f"[red]Refused:[/red] {exc.detail}", highlight=False)
        for error in exc.errors:
            console.print(f"  {'.'.join(map(str, error.loc))}: {error.msg}",
                          highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    if not done.total:
        console.print(f"Every product is already priced in {converter.shop}.")
        return
    for currency, count in done.converted.items():
        products = "1 product" if count == 1 else f"{count} products"
        console.print(f"{products} converted from {currency} to {converter.shop} "
                      f"at {done.rates[currency]}.", highlight=False)


def register(app: typer.Typer) -> None:
    """Adds the catalog commands to the main app."""
    app.command("import")(import_command)
    app.command("reprice")(reprice_command)

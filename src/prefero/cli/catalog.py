"""``prefero import FILE``: import a product feed into the configured database;
``prefero reprice``: bring products stored in another currency into the shop's;
``prefero synonyms``: the shop's search synonyms."""

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
from prefero.errors import InvalidInput, NotFound
from prefero.search.synonyms import SynonymRuleIn, add_rule, delete_rule, list_rules

__all__ = ["import_command", "register", "reprice_command", "synonyms_app"]

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


synonyms_app = typer.Typer(help="The shop's search synonyms (also GET/PUT/POST/DELETE "
                                "/v1/search/synonyms).", no_args_is_help=True)


@synonyms_app.command("list")
def synonyms_list() -> None:
    """Every rule: id, source (one way) or none (equivalents), terms."""
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            rules = list_rules(session)
    finally:
        runtime.close()
    table = Table("id", "source", "terms")
    for rule in rules:
        table.add_row(str(rule.id), rule.source or "", ", ".join(rule.terms))
    Console().print(table)


@synonyms_app.command("add")
def synonyms_add(
    terms: Annotated[list[str], typer.Argument(help="Words or short phrases (quote phrases).")],
    source: Annotated[str | None, typer.Option(
        help="One way: a query holding this also finds the terms, not the other way "
             "round.")] = None,
) -> None:
    """Add a rule: equivalents (`prefero synonyms add chleb bread`) or one way
    (`prefero synonyms add ipad --source tablet`)."""
    console = Console()
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            rule = add_rule(session, SynonymRuleIn(source=source, terms=terms))
    except InvalidInput as exc:
        console.print(f"[red]Refused:[/red] {exc.detail}", highlight=False)
        for error in exc.errors:
            console.print(f"  {'.'.join(map(str, error.loc))}: {error.msg}", highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    console.print(f"Added rule {rule.id}: {rule.source + ' → ' if rule.source else ''}"
                  f"{', '.join(rule.terms)}", highlight=False)


@synonyms_app.command("delete")
def synonyms_delete(rule_id: Annotated[int, typer.Argument(help="The rule's id.")]) -> None:
    """Delete one rule."""
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            delete_rule(session, rule_id)
    except NotFound as exc:
        Console().print(f"[red]{exc.detail}[/red]", highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    Console().print(f"Deleted rule {rule_id}.")


def register(app: typer.Typer) -> None:
    """Adds the catalog commands to the main app."""
    app.command("import")(import_command)
    app.command("reprice")(reprice_command)
    app.add_typer(synonyms_app, name="synonyms")

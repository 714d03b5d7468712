"""``prefero merchandising list|add|remove``: the shop's merchandising rules (also
GET/POST/PUT/DELETE /v1/merchandising/rules). Every change is in the audit log, by
``cli``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from prefero.audit.service import record
from prefero.cli.common import open_runtime
from prefero.errors import InvalidInput, NotFound
from prefero.merchandising.schemas import ALL_PLACEMENTS, Condition, Rule, RuleIn
from prefero.merchandising.service import add_rule, delete_rule, list_rules

__all__ = ["app", "register"]

app = typer.Typer(help="The shop's merchandising rules: pin, boost, bury and hide (also "
                       "/v1/merchandising/rules).", no_args_is_help=True)

_ACTOR = "cli"


def _what(rule: Rule) -> str:
    condition = rule.condition
    if condition.facet is None:
        return "products " + ", ".join(condition.product_ids)
    return f"{condition.facet}: {', '.join(condition.values)}"


def _how(rule: Rule) -> str:
    if rule.action == "pin":
        return f"pin at slot {rule.position}"
    if rule.action in ("boost", "bury"):
        return f"{rule.action} by {rule.strength:g}"
    return "hide"


def _when(rule: Rule) -> str:
    start = rule.starts_at.isoformat(timespec="minutes") if rule.starts_at else "always"
    end = rule.ends_at.isoformat(timespec="minutes") if rule.ends_at else "open"
    return f"{start} → {end}" if rule.starts_at or rule.ends_at else "always"


@app.command("list")
def list_command() -> None:
    """Every rule, in the order conflicts are settled (the highest priority first)."""
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            rules = list_rules(session)
    finally:
        runtime.close()
    table = Table("id", "name", "action", "products", "placements", "window", "priority",
                  "enabled")
    for rule in rules:
        table.add_row(str(rule.id), rule.name, _how(rule), _what(rule),
                      ", ".join(rule.placements), _when(rule), str(rule.priority),
                      "yes" if rule.enabled else "no")
    Console().print(table)


def _refuse(console: Console, detail: str, errors: list[tuple[str, str]]) -> None:
    console.print(f"[red]Refused:[/red] {detail}", highlight=False)
    for where, message in errors:
        console.print(f"  {where}: {message}", highlight=False)
    raise typer.Exit(code=1)


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="What the staff call it (a campaign's name).")],
    action: Annotated[str, typer.Argument(help="pin, boost, bury or hide.")],
    facet: Annotated[str | None, typer.Option(help="The facet whose values name the "
                                                   "products (with --value).")] = None,
    value: Annotated[list[str] | None, typer.Option(help="A value of the facet (repeat for "
                                                         "any of several).")] = None,
    product: Annotated[list[str] | None, typer.Option(help="A product id (repeat; instead "
                                                           "of --facet).")] = None,
    placement: Annotated[list[str] | None, typer.Option(
        help=f"Where it applies (repeat; default all: {', '.join(ALL_PLACEMENTS)}).")] = None,
    starts: Annotated[datetime | None, typer.Option(
        help="In force from (UTC).", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"])] = None,
    ends: Annotated[datetime | None, typer.Option(
        help="In force until, not included (UTC).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"])] = None,
    strength: Annotated[float | None, typer.Option(help="boost and bury: how far (default "
                                                        "1).")] = None,
    position: Annotated[int | None, typer.Option(help="pin: the 1-based slot.")] = None,
    priority: Annotated[int, typer.Option(help="The higher wins a conflict.")] = 0,
    disabled: Annotated[bool, typer.Option("--disabled", help="Store it switched off.")
                        ] = False,
) -> None:
    """Add a rule, e.g. `prefero merchandising add "Acme week" boost --facet brand --value
    acme --placement home --ends 2026-12-31`."""
    console = Console()
    try:
        rule = RuleIn.model_validate({
            "name": name, "action": action,
            "condition": Condition(facet=facet, values=value or [], product_ids=product or []),
            "placements": placement or list(ALL_PLACEMENTS),
            # The command line's times are UTC, as the API's are.
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M:%SZ") if starts else None,
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M:%SZ") if ends else None,
            "strength": strength, "position": position, "priority": priority,
            "enabled": not disabled})
    except ValidationError as exc:
        _refuse(console, "the merchandising rule is not valid",
                [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()])
        return
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            stored = add_rule(session, rule, schema=runtime.facet_schema)
            record(session, actor=_ACTOR, action="merchandising.rules.add",
                   target_kind="merchandising_rule", target=str(stored.id))
    except InvalidInput as exc:
        _refuse(console, exc.detail, [(".".join(map(str, e.loc)), e.msg) for e in exc.errors])
        return
    finally:
        runtime.close()
    console.print(f"Added rule {stored.id}: {_how(stored)} {_what(stored)}.", highlight=False)


@app.command("remove")
def remove_command(rule_id: Annotated[int, typer.Argument(help="The rule's id.")]) -> None:
    """Delete one rule."""
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            delete_rule(session, rule_id)
            record(session, actor=_ACTOR, action="merchandising.rules.delete",
                   target_kind="merchandising_rule", target=str(rule_id))
    except NotFound as exc:
        Console().print(f"[red]{exc.detail}[/red]", highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()
    Console().print(f"Deleted rule {rule_id}.")


def register(main: typer.Typer) -> None:
    """Adds ``prefero merchandising`` to the main app."""
    main.add_typer(app, name="merchandising")

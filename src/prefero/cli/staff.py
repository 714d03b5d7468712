"""``prefero staff add|list|disable|enable|password``: the shop's staff accounts for the
dashboard (``prefero.staff``).

Passwords never appear on the command line (where ``ps`` and the shell's history would keep
them): they are asked for twice without echo, or read as one line from standard input with
``--password-stdin`` (for scripts). Every change is audited as done by ``cli``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prefero.cli.common import open_runtime
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.staff.passwords import MIN_PASSWORD_LENGTH
from prefero.staff.roles import ROLES
from prefero.staff.service import add_staff, list_staff, set_disabled, set_password

__all__ = ["register"]

ACTOR = "cli"

Email = Annotated[str, typer.Option("--email", help="The person's e-mail address.")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password as one line from standard input instead "
                             "of asking for it.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
                                 hide_input=True, confirmation_prompt=True)
    return password


def _fail(console: Console, exc: InvalidInput | Conflict | NotFound) -> typer.Exit:
    console.print(f"[red]✗[/red] {escape(exc.detail)}", highlight=False)
    for error in exc.errors:
        where = ".".join(str(part) for part in error.loc)
        console.print(f"    {escape(where)}: {escape(error.msg)}", highlight=False)
    return typer.Exit(code=2 if isinstance(exc, InvalidInput) else 1)


def add_command(email: Email, role: Annotated[str, typer.Option(
        "--role", help=f"One of {', '.join(ROLES)}.")],
        password_stdin: PasswordStdin = False) -> None:
    """Add a staff account that can sign in to the dashboard."""
    console = Console(stderr=True, highlight=False)
    password = _password(password_stdin)
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            added = add_staff(session, email=email, role=role, password=password,
                              actor=ACTOR)
    except (InvalidInput, Conflict) as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    Console(highlight=False).print(f"Added {escape(added.email)} ({added.role}).")


def list_command() -> None:
    """List the staff accounts."""
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            accounts = list_staff(session)
    finally:
        runtime.close()
    table = Table("e-mail", "role", "status", "last sign-in (UTC)")
    for account in accounts:
        table.add_row(escape(account.email), account.role,
                      "disabled" if account.disabled else "active",
                      account.last_sign_in_at.strftime("%Y-%m-%d %H:%M")
                      if account.last_sign_in_at else "never")
    Console(highlight=False).print(table if accounts else "No staff accounts yet.")


def _switch(email: str, *, disabled: bool) -> None:
    console = Console(stderr=True, highlight=False)
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            changed = set_disabled(session, email=email, disabled=disabled, actor=ACTOR)
    except NotFound as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    state = "disabled (signed out everywhere)" if changed.disabled else "enabled"
    Console(highlight=False).print(f"{escape(changed.email)} is {state}.")


def disable_command(email: Email) -> None:
    """Disable an account: it cannot sign in, and its open sessions end."""
    _switch(email, disabled=True)


def enable_command(email: Email) -> None:
    """Enable a disabled account again."""
    _switch(email, disabled=False)


def password_command(email: Email, password_stdin: PasswordStdin = False) -> None:
    """Give an account a new password; its open sessions end."""
    console = Console(stderr=True, highlight=False)
    password = _password(password_stdin)
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            changed = set_password(session, email=email, password=password, actor=ACTOR)
    except (InvalidInput, NotFound) as exc:
        raise _fail(console, exc) from None
    finally:
        runtime.close()
    Console(highlight=False).print(f"New password set for {escape(changed.email)}.")


def register(app: typer.Typer) -> None:
    """Adds ``prefero staff ...`` to the main app."""
    staff = typer.Typer(help="Staff accounts for the dashboard.", no_args_is_help=True)
    staff.command("add")(add_command)
    staff.command("list")(list_command)
    staff.command("disable")(disable_command)
    staff.command("enable")(enable_command)
    staff.command("password")(password_command)
    app.add_typer(staff, name="staff")

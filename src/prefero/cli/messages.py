"""``prefero messages``: run the delivery worker, see what the outbox holds, requeue dead
letters (docs/messaging.md)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from prefero.cli.common import open_runtime
from prefero.config import get_settings
from prefero.db.base import utcnow
from prefero.messaging import outbox
from prefero.messaging.channels import configured_channels
from prefero.messaging.models import OUTBOX_STATUSES
from prefero.messaging.outbox_report import counts, dead_letters
from prefero.messaging.worker import Worker

__all__ = ["register"]

messages_app = typer.Typer(help="Deliver the messages customers asked for.",
                           no_args_is_help=True)
console = Console()

#: The worker answers no HTTP request: it may wait far longer than a request would for
#: SQLite's write lock, rather than failing a mark and delivering that message again later.
_WORKER_DB_WAIT_SECONDS = 10.0


@messages_app.command("work")
def work(once: Annotated[bool, typer.Option(
        "--once", help="One round (scanners, one batch), then exit.")] = False) -> None:
    """Deliver due messages and run the trigger scanners until SIGTERM or Ctrl+C."""
    settings = get_settings()
    # The worker signs webhooks with PREFERO_WEBHOOK_SECRET: the same refusal as the server.
    settings.refuse_unsafe()
    runtime = open_runtime(settings.model_copy(update={
        "db_wait_seconds": max(settings.db_wait_seconds, _WORKER_DB_WAIT_SECONDS)}))
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        worker = Worker(runtime)
        if not once:
            worker.stop_on_signals()
        channels = ", ".join(sorted(configured_channels(settings)))
        console.print(f"messages worker: channels {channels}", markup=False)
        worker.run(once=once)
    finally:
        runtime.close()


@messages_app.command("status")
def status(dead: Annotated[int, typer.Option(
        min=0, max=1000, help="How many dead letters to list.")] = 20) -> None:
    """Messages by status and channel, and the newest dead letters with their reasons."""
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            found = counts(session)
            letters = dead_letters(session, limit=dead)
    finally:
        runtime.close()
    table = Table(title="outbox")
    channels = sorted({channel for _status, channel in found})
    table.add_column("status")
    for channel in channels:
        table.add_column(channel, justify="right")
    for state in OUTBOX_STATUSES:
        table.add_row(state, *(str(found.get((state, channel), 0)) for channel in channels))
    console.print(table)
    if letters:
        listing = Table(title="dead letters (newest first)")
        for column in ("id", "customer", "channel", "trigger", "attempts", "reason"):
            listing.add_column(column)
        for letter in letters:
            listing.add_row(str(letter.id), letter.customer_id, letter.channel,
                            letter.trigger, str(letter.attempts), letter.last_error or "")
        console.print(listing)


@messages_app.command("retry-dead")
def retry_dead(ids: Annotated[list[int] | None, typer.Argument(
        help="Ids of the dead letters to requeue; none means every one.")] = None) -> None:
    """Give dead letters a fresh set of attempts, due now (after fixing their cause)."""
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            requeued = outbox.retry_dead(session, now=utcnow(),
                                         ids=tuple(ids) if ids else None)
    finally:
        runtime.close()
    console.print(f"{requeued} dead letter(s) requeued")


def register(app: typer.Typer) -> None:
    app.add_typer(messages_app, name="messages")

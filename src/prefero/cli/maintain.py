"""``prefero maintain``: the periodic privacy job (retention, queued retrains, scrub)."""

from __future__ import annotations

import logging
import time

import typer
from rich.console import Console

from prefero.cli.common import open_runtime
from prefero.privacy.maintenance import CHANGE_RETENTION
from prefero.privacy.maintenance import maintain as run_maintenance
from prefero.search.popular import RETENTION_DAYS
from prefero.segments.membership import maintain_segments

__all__ = ["register"]


def maintain(
    batch: int = typer.Option(5_000, min=1, max=100_000,
                              help="Rows deleted per transaction (smaller: shorter locks)."),
    every: float | None = typer.Option(
        None, min=1.0, help="Keep running: one pass every this many seconds (the worker "
                            "`prefero demo` starts; in production use cron or a timer, or this)."),
) -> None:
    """Delete behavioural data older than PREFERO_EVENT_RETENTION_DAYS, rekey old event
    receipts, delete popular-search counts older than 90 days, retrain the artefacts when an
    erasure queued it, and scrub deleted rows from the database files. Run it at least every
    PREFERO_ERASURE_RETRAIN_HOURS (hourly is fine)."""
    console = Console()
    if every is None:
        _one_pass(console, batch=batch)
        return
    while True:
        try:
            _one_pass(console, batch=batch)
        except Exception:
            # A worker outlives one failed pass (a locked database, a full disk): the next
            # pass retries, and the queued retrain keeps its deadline until it succeeds.
            logging.getLogger("prefero").exception("maintenance pass failed")
        time.sleep(every)


def _one_pass(console: Console, *, batch: int) -> None:
    runtime = open_runtime()
    try:
        report = run_maintenance(runtime, batch=batch)
        segments = maintain_segments(runtime)
    finally:
        runtime.close()
    retention = report.retention
    if retention.cutoff is None:
        console.print("• retention: off (PREFERO_EVENT_RETENTION_DAYS is unset)")
    else:
        console.print(f"• retention: before {retention.cutoff.isoformat()} deleted "
                      f"{retention.events} events, {retention.counters} counter rows, "
                      f"{retention.receipts} receipts in {retention.batches} batches")
    console.print(f"• receipts rekeyed: {report.rekeyed_receipts}")
    console.print(f"• popular searches: {report.popular_searches} day counts past "
                  f"{RETENTION_DAYS} days deleted")
    console.print(f"• catalogue changes: {report.product_changes} past "
                  f"{CHANGE_RETENTION.days} days deleted")
    if report.retrained_version is None:
        console.print("• retrain: none pending")
    else:
        late = " [red](past its deadline: run maintain more often)[/red]" \
            if report.retrain_was_overdue else ""
        console.print(f"• retrain after erasure: published {report.retrained_version}{late}")
    console.print(f"• scrub: {report.scrub.detail}")
    console.print(f"• segments that change with time: {segments.joined} memberships begun, "
                  f"{segments.left} ended")


def register(app: typer.Typer) -> None:
    app.command("maintain")(maintain)

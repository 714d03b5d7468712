"""``prefero demo``: load the demo shop, train the artefacts, print how to try it, serve.

Non-interactive on purpose (``make demo`` and CI run it): every choice is an option.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from prefero.config import Settings, get_settings
from prefero.demo.catalog import CURRENCY
from prefero.demo.customers import PERSONA_NO_GLUTEN, PERSONA_NO_TRACKING
from prefero.demo.loader import DemoSummary, load_demo
from prefero.runtime import Runtime
from prefero.staff.demo import demo_staff

__all__ = ["ANONYMOUS_EXAMPLE", "example_requests", "register"]

ANONYMOUS_EXAMPLE = "anon-demo-1"
_STAGE_LABELS = {
    "generate": "Generating the shop",
    "products": "Products",
    "customers": "Customers",
    "preferences": "Preferences",
    "consents": "Consent ledger",
    "events": "Events",
    "activity": "Activity counters",
}


def example_requests(base_url: str, api_key: str) -> list[tuple[str, str]]:
    """(caption, curl command) for the three requests the demo suggests trying first.

    >>> example_requests("http://127.0.0.1:8000", "k")[0][1]
    "curl -s -H 'X-API-Key: k' 'http://127.0.0.1:8000/v1/recommendations?customer_id=c00001&placement=home&n=10'"
    """
    examples = (
        (f"{PERSONA_NO_GLUTEN}: never gluten, likes Apple and a minimal style", PERSONA_NO_GLUTEN),
        (f"{PERSONA_NO_TRACKING}: no tracking consent, personalization level off",
         PERSONA_NO_TRACKING),
        ("an anonymous visitor", ANONYMOUS_EXAMPLE),
    )
    return [
        (caption, f"curl -s -H 'X-API-Key: {api_key}' "
                  f"'{base_url}/v1/recommendations?customer_id={customer}&placement=home&n=10'")
        for caption, customer in examples
    ]


def _display_host(host: str) -> str:
    # A wildcard bind address is not something to paste into curl.
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _load(runtime: Runtime, console: Console, *, seed: int, products: int, customers: int
          ) -> DemoSummary:
    with Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGE_LABELS.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return load_demo(runtime, seed=seed, products=products, customers=customers,
                         progress=progress)


def _train(runtime: Runtime, console: Console) -> None:
    # Looked up at call time: the training module is being filled in alongside the demo.
    from prefero.recommend import training

    version: str | None = None
    with (console.status("Training recommendation artefacts…"),
          contextlib.suppress(NotImplementedError)):
        version = training.train(runtime)
    if version is None:
        console.print("[yellow]Training is not available yet: the API serves without trained "
                      "artefacts (editorial and fallback results only).[/yellow]")
    else:
        console.print(f"[green]Artefacts trained[/green] (version {version})")


def demo(
    port: Annotated[int, typer.Option(help="TCP port to serve on.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    data_dir: Annotated[
        Path, typer.Option(help="Where the SQLite file and artefacts live.")] = Path("var/demo"),
    seed: Annotated[int, typer.Option(help="Seed of the demo generator.")] = 7,
    serve: Annotated[bool, typer.Option("--serve/--no-serve",
                                        help="Start the API after loading.")] = True,
    database_url: Annotated[str | None, typer.Option(
        help="Use this database instead of SQLite in --data-dir.")] = None,
    products: Annotated[int, typer.Option(hidden=True, min=1)] = 3200,
    customers: Annotated[int, typer.Option(hidden=True, min=2)] = 6000,
) -> None:
    """Load a demo shop (3,200 products, 6,000 customers, ~200k events), train, and serve it."""
    console = Console(highlight=False)
    # Demo mode: persona sign-in and the built-in keys and secrets are allowed, here only.
    os.environ["PREFERO_MODE"] = "demo"
    os.environ["PREFERO_DATA_DIR"] = str(data_dir)
    # The demo shop prices everything in złoty; its server must say so in every answer.
    os.environ["PREFERO_SHOP_CURRENCY"] = CURRENCY
    if database_url:
        os.environ["PREFERO_DATABASE_URL"] = database_url
    # No SMTP server in a demo: e-mails land as .eml files in the data dir's mailbox
    # (docs/messaging.md), unless the environment names a real server.
    if not os.environ.get("PREFERO_SMTP_HOST"):
        os.environ.setdefault("PREFERO_MAILBOX_DIR", str(data_dir / "mailbox"))
    # Settings are cached per process; the API built later must see the variables just set.
    get_settings.cache_clear()
    runtime = Runtime(Settings())
    try:
        where = runtime.settings.effective_database_url.split("@")[-1]
        console.print(f"[bold]Prefero demo[/bold] — database {where}")
        summary = _load(runtime, console, seed=seed, products=products, customers=customers)
        if summary.loaded:
            console.print(f"[green]Loaded[/green] in {summary.seconds:.1f} s: "
                          f"{summary.products:,} products, {summary.customers:,} customers, "
                          f"{summary.events:,} events.")
        else:
            console.print(f"Demo data already loaded ({summary.products:,} products, "
                          f"{summary.customers:,} customers, {summary.events:,} events); "
                          "skipping.")
        _train(runtime, console)
        api_key = runtime.settings.admin_key
        # The dashboard's administrator, with a password made for this run (demo mode only).
        with runtime.session(write=True) as session:
            staff_email, staff_password = demo_staff(session, settings=runtime.settings)
    finally:
        runtime.close()

    base_url = f"http://{_display_host(host)}:{port}"
    console.print()
    console.print(f"Shop API:      {base_url}", soft_wrap=True, markup=False)
    console.print(f"OpenAPI docs:  {base_url}/docs", soft_wrap=True, markup=False)
    console.print(f"Admin API key: {api_key}", soft_wrap=True, markup=False)
    console.print(f"Dashboard:     {base_url}/dashboard  (e-mail {staff_email}, "
                  f"password {staff_password})", soft_wrap=True, markup=False)
    console.print()
    console.print("Try these:")
    for caption, command in example_requests(base_url, api_key):
        console.print(f"  # {caption}", soft_wrap=True, markup=False)
        # Plain and unwrapped, so that the line pastes into a shell as it is.
        console.print(f"  {command}", soft_wrap=True, markup=False)
    if serve:
        from prefero.cli.serve import run_server

        console.print()
        console.print(f"Serving on {base_url} (Ctrl+C to stop)", soft_wrap=True, markup=False)
        # The workers the shop needs: maintenance (retention, the retrain an erasure queued,
        # storage scrub) and messages (the outbox's deliveries and the trigger scanners).
        with _beside("maintain", "--every", str(MAINTENANCE_EVERY_SECONDS)), \
                _beside("messages", "work"):
            run_server(host=host, port=port, workers=1, data_dir=data_dir)


# Hourly: well inside the 24 h deadline of a retrain queued by an erasure.
MAINTENANCE_EVERY_SECONDS = 3600


@contextlib.contextmanager
def _beside(*command: str) -> Iterator[None]:
    """``prefero COMMAND`` in its own process beside the server, stopped with the demo:
    SIGTERM lets it finish what it has in hand. The environment set above (data dir,
    database, demo mode) reaches it."""
    worker = subprocess.Popen([sys.executable, "-m", "prefero.cli.app", *command],
                              stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def register(app: typer.Typer) -> None:
    """Adds ``prefero demo`` to the main app."""
    app.command("demo")(demo)

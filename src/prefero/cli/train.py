"""``prefero train``: build the artefacts the API reads (popularity, trending, co-occurrence)."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from prefero.cli.common import open_runtime
from prefero.recommend.training import train as train_artefacts

__all__ = ["register"]


def train() -> None:
    """Train from the configured database and publish a new artefact version; running
    servers pick it up within a few seconds, without a restart."""
    console = Console()
    runtime = open_runtime()
    started = time.perf_counter()
    try:
        version = train_artefacts(runtime, progress=lambda msg: console.print(f"• {msg}"))
    finally:
        runtime.close()
    console.print(f"[green]Trained[/green] version {version} in "
                  f"{time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    app.command("train")(train)

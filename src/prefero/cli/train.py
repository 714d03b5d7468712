"""``prefero train``: build the artefacts the API reads (popularity, trending, co-occurrence)."""

from __future__ import annotations

import resource
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

    def say(message: str) -> None:
        # Time and peak memory so far on every line: what a shop sizing its training
        # machine needs to see (docs/benchmarks.md, "Data at scale").
        console.print(f"• [{time.perf_counter() - started:7.1f} s, peak "
                      f"{_peak_gib():.1f} GiB] {message}")

    try:
        version = train_artefacts(runtime, progress=say)
    finally:
        runtime.close()
    console.print(f"[green]Trained[/green] version {version} in "
                  f"{time.perf_counter() - started:.1f} s")


def _peak_gib() -> float:
    """This process's largest resident set so far (Linux reports it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def register(app: typer.Typer) -> None:
    app.command("train")(train)

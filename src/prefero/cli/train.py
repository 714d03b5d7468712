"""``prefero train``: build the artefacts the API reads (popularity, trending, co-occurrence)."""

from __future__ import annotations

import resource
import time

import typer
from rich.console import Console

from prefero.cli.common import open_runtime
from prefero.cli.quality_table import print_quality
from prefero.recommend.quality_reads import QualityMissing, version_quality
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
        console.print(f"[green]Trained[/green] version {version} in "
                      f"{time.perf_counter() - started:.1f} s")
        with runtime.session() as session:
            try:
                report = version_quality(session, settings=runtime.settings, version=version)
            except QualityMissing:
                report = None
        if report is None:
            console.print(f"Version {version} holds no quality report.")
        else:
            print_quality(console, report)
    finally:
        runtime.close()


def _peak_gib() -> float:
    """This process's largest resident set so far (Linux reports it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def register(app: typer.Typer) -> None:
    app.command("train")(train)

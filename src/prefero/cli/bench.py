"""CLI commands for bench."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Adds the bench commands to the main app."""

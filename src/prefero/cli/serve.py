"""CLI commands for serve."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Adds the serve commands to the main app."""

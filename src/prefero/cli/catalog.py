"""CLI commands for catalog."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Adds the catalog commands to the main app."""

"""CLI commands for demo."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Adds the demo commands to the main app."""

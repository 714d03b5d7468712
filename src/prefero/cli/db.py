"""``prefero db-upgrade``: apply migrations to the configured database."""

from __future__ import annotations

import typer
from rich.console import Console

from prefero.config import get_settings
from prefero.db.migrate import upgrade

__all__ = ["register"]


def db_upgrade() -> None:
    """Bring the database (PREFERO_DATABASE_URL, else SQLite in PREFERO_DATA_DIR) up to date."""
    url = get_settings().effective_database_url
    upgrade(url)
    Console().print(f"[green]Database is at the latest schema[/green] ({url.split('@')[-1]})")


def register(app: typer.Typer) -> None:
    app.command("db-upgrade")(db_upgrade)

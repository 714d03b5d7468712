"""What several commands share: opening the configured database, ready to use."""

from __future__ import annotations

from prefero.config import Settings, get_settings
from prefero.db.migrate import upgrade
from prefero.runtime import Runtime

__all__ = ["open_runtime", "prepare_database"]


def prepare_database(settings: Settings) -> None:
    """The embedded SQLite database is the tool's own: bring it to the latest schema on use.
    A server database (PostgreSQL) changes only through an explicit ``prefero db-upgrade``."""
    if settings.effective_database_url.startswith("sqlite"):
        upgrade(settings.effective_database_url)


def open_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or get_settings()
    prepare_database(settings)
    return Runtime(settings)

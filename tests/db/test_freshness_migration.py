"""Migration 0022 gives every stored preference the time it was last written as its
confirmation, and leaves the profile-revision triggers of 0007 in place."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text

from prefero.db.migrate import alembic_config, upgrade

WRITTEN = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_existing_values_count_as_confirmed_when_last_written(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0021")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO customers (id, anonymous, exploration, "
                                    "created_at, updated_at, profile_revision) VALUES "
                                    "('c1', false, true, :at, :at, 0)"), {"at": WRITTEN})
            connection.execute(text("INSERT INTO preferences (customer_id, kind, facet, value, "
                                    "weight, source, created_at, updated_at) VALUES "
                                    "('c1', 'like', 'brand', 'acme', 0.5, 'declared', :at, "
                                    ":at)"), {"at": WRITTEN})
        upgrade(database_url)
        with engine.begin() as connection:
            confirmed = connection.execute(text("SELECT confirmed_at FROM preferences")).scalar()
            assert confirmed is not None
            stamp = confirmed if isinstance(confirmed, datetime) else \
                datetime.fromisoformat(str(confirmed))
            # SQLite keeps naive text in UTC; PostgreSQL answers in the session's zone.
            assert (stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)) \
                == WRITTEN
            before = connection.execute(text("SELECT profile_revision FROM customers")).scalar()
            connection.execute(text("UPDATE preferences SET confirmed_at = updated_at"))
            after = connection.execute(text("SELECT profile_revision FROM customers")).scalar()
            assert after != before  # confirming moves the stamp caches are keyed by
    finally:
        engine.dispose()

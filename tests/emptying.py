"""Emptying a test's PostgreSQL database for the next test: only the tables it wrote to.

A TRUNCATE of every table costs about half a second on the test server (each table gets new
files), paid by every one of the suite's few thousand PostgreSQL tests; a test writes to a
handful of tables. One statement asks which tables hold a row, the TRUNCATE takes only
those (and, by CASCADE, what refers to them), and every counter a test moved without
keeping a row (a rolled-back insert) starts again at 1, as RESTART IDENTITY would have
done. TRUNCATE and not DELETE: the audit log's append-only trigger stops row deletes."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection, TextClause, text

from prefero.db.models import Base

__all__ = ["empty_postgres"]

# Sequences that have handed out a value since they were created or last restarted.
_MOVED_SEQUENCES = text(
    "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
    "WHERE last_value IS NOT NULL")


@cache
def _holding_rows() -> TextClause:
    """The names of the tables that hold at least one row (one probe of each table)."""
    probes = [f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
              for table in Base.metadata.sorted_tables]
    return text(" UNION ALL ".join(probes))


def empty_postgres(connection: Connection) -> None:
    """Every row of the suite's tables gone and every counter back at 1, within the
    caller's transaction."""
    written = list(connection.scalars(_holding_rows()))
    if written:
        names = ", ".join(f'"{name}"' for name in written)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    for sequence in connection.scalars(_MOVED_SEQUENCES):
        connection.execute(text("SELECT setval(CAST(:name AS regclass), 1, false)"),
                           {"name": sequence})

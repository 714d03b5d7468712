"""After an erasure, make the storage forget too: deleted rows must not survive in files.

A ``DELETE`` removes rows from the tables' logical view, but copies can remain physically:

* SQLite keeps them in free pages (unless ``secure_delete`` is on, which
  ``prefero.db.session`` turns on for every connection) and in the ``-wal`` file, which holds
  the page images of earlier writes until a checkpoint copies them back. A ``TRUNCATE``
  checkpoint writes the zeroed pages into the database file and empties the ``-wal`` file.
* PostgreSQL keeps dead tuples in the heap and index pages until ``VACUUM`` removes them.
  Plain ``VACUUM`` (no exclusive lock) is run on the tables the erasure touched; it makes the
  space reusable, but only new writes overwrite the bytes, and WAL segments, WAL archives and
  base backups keep their copies until they rotate out (see docs/privacy.md).

Both run outside the erasure's transaction, after it commits, and never raise: the erasure
is already durable, and a scrub that could not finish (a busy database) is retried by
``prefero maintain``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

__all__ = ["ScrubResult", "scrub_after_commit", "scrub_storage"]

_log = logging.getLogger(__name__)

# How long a scrub may wait for other connections. Short on purpose: an erasure must not
# hold up the service; what is left is retried by `prefero maintain`.
_SQLITE_BUSY_MS = 2000
_POSTGRES_LOCK_TIMEOUT = "2s"


@dataclass(frozen=True)
class ScrubResult:
    """What a scrub did: ``complete`` is False when the database was too busy to finish."""

    complete: bool
    detail: str


def scrub_storage(engine: Engine, *, tables: Collection[str] = ()) -> ScrubResult:
    """Remove physical copies of deleted rows: on SQLite a TRUNCATE checkpoint of the WAL, on
    PostgreSQL a ``VACUUM`` of ``tables`` (every table when empty). Never raises.

    >>> from sqlalchemy import create_engine
    >>> scrub_storage(create_engine("sqlite://")).complete
    True
    """
    try:
        if engine.dialect.name == "sqlite":
            return _checkpoint(engine)
        if engine.dialect.name == "postgresql":
            return _vacuum(engine, tables)
    except SQLAlchemyError as exc:
        _log.warning("scrub after erasure did not finish: %s", exc.__class__.__name__)
        return ScrubResult(complete=False, detail=f"failed: {exc.__class__.__name__}")
    return ScrubResult(complete=True, detail=f"nothing to do on {engine.dialect.name}")


def scrub_after_commit(session: Session, *, tables: Collection[str]) -> None:
    """Run ``scrub_storage`` once ``session`` has committed (a rolled-back erasure deleted
    nothing, so there is nothing to scrub)."""
    engine = session.get_bind().engine
    touched = sorted(tables)

    def run(_session: Session) -> None:
        scrub_storage(engine, tables=touched)

    event.listen(session, "after_commit", run, once=True)


def _checkpoint(engine: Engine) -> ScrubResult:
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        previous = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        try:
            busy, wal_frames, moved = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.execute(f"PRAGMA busy_timeout={previous[0] if previous else 10000}")
    if busy:
        _log.warning("WAL checkpoint after erasure was blocked by another connection; "
                     "`prefero maintain` retries it")
        return ScrubResult(complete=False, detail=f"checkpoint busy ({moved}/{wal_frames})")
    return ScrubResult(complete=True, detail="wal checkpointed and truncated")


def _vacuum(engine: Engine, tables: Collection[str]) -> ScrubResult:
    names = sorted(tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"SET lock_timeout = '{_POSTGRES_LOCK_TIMEOUT}'"))
        quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in names)
        connection.execute(text(f"VACUUM {quoted}" if names else "VACUUM"))
    return ScrubResult(complete=True, detail=f"vacuumed {', '.join(names) or 'all tables'}")

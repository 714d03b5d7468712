"""After an erasure, make the storage forget too: deleted rows must not survive in files.

A ``DELETE`` removes rows from the tables' logical view, but copies can remain physically:

* SQLite keeps them in free pages (unless ``secure_delete`` is on, which
  ``prefero.db.session`` turns on for every connection) and in the ``-wal`` file, which holds
  the page images of earlier writes until a checkpoint copies them back. A ``TRUNCATE``
  checkpoint writes the zeroed pages into the database file and empties the ``-wal`` file.
* PostgreSQL keeps dead tuples in the heap and index pages until ``VACUUM`` removes them.
  Plain ``VACUUM`` (no exclusive lock) of the tables the erasure touched makes the space
  reusable, but only new writes overwrite the bytes, and WAL segments, WAL archives and
  base backups keep their copies until they rotate out (see docs/privacy.md).

Neither runs inside the erasure's unit of work (``schedule_scrub``). On SQLite the
checkpoint runs right after it has committed and released the writer lock (it is quick, and
never raises: the erasure is already durable; a checkpoint another connection blocked is
retried by ``prefero maintain``). On PostgreSQL a ``VACUUM`` of a big events table can take
minutes, so the erasure only queues a ``PendingScrub`` (table names, no id) in its own
transaction, and ``prefero maintain`` vacuums by its deadline (``run_pending_scrubs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.db.session import after_release
from prefero.privacy.models import PendingScrub

__all__ = ["ScrubResult", "run_pending_scrubs", "schedule_scrub", "scrub_storage"]

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


def schedule_scrub(session: Session, *, tables: Collection[str], settings: Settings,
                   now: datetime | None = None) -> None:
    """Make the storage forget what ``session``'s unit of work deletes from ``tables``: on
    SQLite a checkpoint once it has committed and released the writer lock (a rolled-back
    erasure deleted nothing, so there is nothing to scrub); on PostgreSQL a ``PendingScrub``
    in the same transaction, due ``settings.erasure_retrain_hours`` later, for
    ``prefero maintain``."""
    engine = session.get_bind().engine
    if engine.dialect.name == "sqlite":
        after_release(session, lambda: scrub_storage(engine))
    elif engine.dialect.name == "postgresql" and tables:
        now = now or utcnow()
        session.add(PendingScrub(tables=",".join(sorted(set(tables))), requested_at=now,
                                 due_at=now + timedelta(hours=settings.erasure_retrain_hours)))


def run_pending_scrubs(engine: Engine, sessions: Callable[[], AbstractContextManager[Session]],
                       *, also: Collection[str] = ()) -> ScrubResult:
    """``prefero maintain``'s scrub: on SQLite a checkpoint; on PostgreSQL a ``VACUUM`` of the
    tables the queued scrubs name and of ``also`` (tables this pass deleted from), after which
    the queued scrubs it satisfied are removed (``sessions`` opens a write unit of work). A
    scrub that did not finish stays queued for the next pass. Never raises.
    """
    if engine.dialect.name != "postgresql":
        return scrub_storage(engine)
    try:
        with sessions() as session:
            last_id, = session.execute(select(func.max(PendingScrub.id))).one()
            queued = session.scalars(select(PendingScrub.tables)
                                     .where(PendingScrub.id <= (last_id or 0))).all()
    except SQLAlchemyError as exc:
        _log.warning("could not read the queued scrubs: %s", exc.__class__.__name__)
        return ScrubResult(complete=False, detail=f"failed: {exc.__class__.__name__}")
    tables = {name for row in queued for name in row.split(",") if name} | set(also)
    if not tables:
        return ScrubResult(complete=True, detail="nothing to vacuum")
    result = scrub_storage(engine, tables=tables)
    if result.complete and last_id is not None:
        try:
            with sessions() as session:
                session.execute(delete(PendingScrub).where(PendingScrub.id <= last_id))
        except SQLAlchemyError as exc:
            # Vacuumed; the markers stay and the next pass vacuums once more, harmlessly.
            _log.warning("could not clear the queued scrubs: %s", exc.__class__.__name__)
    return result


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

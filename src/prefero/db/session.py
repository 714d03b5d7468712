"""Engine and session factory; SQLite gets WAL and foreign keys, PostgreSQL a sane pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["WRITE", "after_release", "create_db_engine", "is_sqlite_busy",
           "make_session_factory", "released_actions", "session_scope"]

# Execution option of a connection whose transaction will write (see _begin_immediate).
WRITE = "prefero_write"
# Session.info key: what to run once the unit of work has committed and let go (see below).
_AFTER_RELEASE = "prefero_after_release"


def after_release(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once ``session``'s unit of work has committed and released its locks
    (on SQLite, the process's writer lock): for follow-up work that must not hold up the
    other writers, e.g. a WAL checkpoint. Never run after a rollback. ``Runtime.session``
    runs them; a session from anywhere else runs none."""
    session.info.setdefault(_AFTER_RELEASE, []).append(action)


def released_actions(session: Session) -> list[Callable[[], object]]:
    """The actions ``after_release`` queued on ``session``, taken off it."""
    actions: list[Callable[[], object]] = session.info.pop(_AFTER_RELEASE, [])
    return actions


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; NORMAL sync is durable in WAL mode
    # against process crashes, which is what "acknowledged writes are never lost" needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A bounded wait for the write lock: past it the request is answered 503 rather than
    # queueing (see prefero.runtime); the CLI's own writers wait the same.
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # Deleted rows are overwritten with zeros instead of lingering in free pages, so an
    # erased customer's id and search texts leave the file (see prefero.privacy.scrub).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_immediate(conn: Connection) -> None:
    """A write transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE), with
    the busy timeout applied. Under the default deferred BEGIN a transaction that read and
    then writes must upgrade its lock, and when another writer committed in between SQLite
    answers "database is locked" at once, without waiting (SQLITE_BUSY_SNAPSHOT)."""
    if conn.get_execution_options().get(WRITE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy" (the busy timeout ran out).

    >>> is_sqlite_busy(OperationalError("BEGIN", {}, Exception("database is locked")))
    True
    """
    return isinstance(exc, OperationalError) and any(
        words in str(exc.orig) for words in ("database is locked", "database is busy"))


def create_db_engine(url: str, *, pool_size: int | None = None, pool_timeout: float = 30.0,
                     busy_timeout_ms: int = 10_000) -> Engine:
    """Create an engine for ``url``; the SQLite file's folder is created when missing.

    ``pool_size`` is the most connections one process holds at once (size it to the
    requests a worker serves at once, so that no request waits for one); ``pool_timeout``
    bounds the wait for a connection and ``busy_timeout_ms`` the wait for SQLite's lock.

    >>> create_db_engine("sqlite:///:memory:").dialect.name
    'sqlite'
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        pool: dict[str, Any] = {}
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if pool_size is not None:
                # Connections to a local file are cheap: one per concurrent request.
                pool = {"pool_size": pool_size, "max_overflow": 0,
                        "pool_timeout": pool_timeout}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", partial(_sqlite_pragmas,
                                                busy_timeout_ms=busy_timeout_ms))
        event.listen(engine, "begin", _begin_immediate)
        return engine
    # PostgreSQL: ten connections kept, more opened on demand up to ``pool_size`` (each is a
    # server process, so idle ones are not hoarded).
    size = pool_size if pool_size is not None else 30
    return create_engine(url, pool_size=min(size, 10), max_overflow=max(size - 10, 0),
                         pool_timeout=pool_timeout, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

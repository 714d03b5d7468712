"""The runtime's unit of work under contention: bounded waits that become ``Overloaded``
(503) instead of minutes of queueing, and SQLite writes that take the lock up front."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.errors import Overloaded
from prefero.runtime import Runtime


def _sqlite(tmp_path: Path) -> Runtime:
    settings = Settings(data_dir=tmp_path, db_wait_seconds=0.1)
    upgrade(settings.effective_database_url)
    return Runtime(settings)


def test_a_write_session_holds_the_sqlite_write_lock_from_its_first_statement(
        tmp_path: Path) -> None:
    # Under a deferred BEGIN a transaction that read and then writes fails at once with
    # "database is locked" when another writer committed in between (finding 3).
    runtime = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "prefero.db", timeout=0, isolation_level=None)
    try:
        with runtime.session(write=True) as session:
            session.execute(text("SELECT 1"))  # a read first, as the services do
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        runtime.close()


def test_a_read_session_leaves_the_write_lock_free(tmp_path: Path) -> None:
    runtime = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "prefero.db", timeout=0, isolation_level=None)
    try:
        with runtime.session() as session:
            session.execute(text("SELECT 1"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        runtime.close()


def test_a_writer_waits_a_bounded_time_for_another_then_is_overloaded(tmp_path: Path
                                                                      ) -> None:
    runtime = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "prefero.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.perf_counter()
        with pytest.raises(Overloaded), runtime.session(write=True) as session:
            session.execute(text("SELECT 1"))
        assert time.perf_counter() - started < 2.0  # 0.1 s bound, generous for a busy box
        other.execute("ROLLBACK")
        with runtime.session(write=True) as session:  # and the next one goes through
            session.execute(text("SELECT 1"))
    finally:
        other.close()
        runtime.close()


def test_no_free_connection_is_overloaded_not_a_long_wait(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"max_in_flight": 1, "db_wait_seconds": 0.1}))
    held = [runtime.engine.connect() for _ in range(runtime.settings.max_in_flight + 4)]
    try:
        started = time.perf_counter()
        with pytest.raises(Overloaded), runtime.session() as session:
            session.execute(text("SELECT 1"))
        assert time.perf_counter() - started < 2.0
    finally:
        for connection in held:
            connection.close()
        runtime.close()

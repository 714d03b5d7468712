"""One insert-or-update statement for many rows, on SQLite and PostgreSQL alike (both speak
``INSERT … ON CONFLICT … DO UPDATE``, each through its own dialect's construct)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

__all__ = ["upsert"]


def upsert(session: Session, model: Any, rows: Sequence[Mapping[str, Any]], *,
           keys: Sequence[str], updates: Mapping[str, Callable[[Any], Any]]) -> None:
    """Insert ``rows`` into ``model``'s table; a row whose ``keys`` are taken sets each
    column of ``updates`` to what its function makes of the proposed row (``excluded``)
    instead, in one execution.

    >>> # upsert(session, Tally, rows, keys=["day"],
    >>> #        updates={"count": lambda new: Tally.count + new.count})
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model)
    session.execute(statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: make(statement.excluded) for name, make in updates.items()}), rows)

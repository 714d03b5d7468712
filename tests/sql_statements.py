"""What a block of code sends to the database: for tests that hold a path to a number of
statements (no extra round trip, one upsert per batch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

__all__ = ["statements"]


@contextmanager
def statements(engine: Engine, *, naming: str | None = None) -> Iterator[list[str]]:
    """Every statement ``engine`` sends while the block runs, in order; only those whose
    text names ``naming`` when given (a table)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if naming is None or naming in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)

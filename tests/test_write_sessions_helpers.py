"""A spy shared by the write-session tests: every statement that writes must run in a
transaction that declared it (``Runtime.session(write=True)``)."""

from __future__ import annotations

from sqlalchemy import event

from prefero.db.session import WRITE
from prefero.runtime import Runtime

__all__ = ["undeclared_writes"]


def undeclared_writes(runtime: Runtime) -> list[str]:
    """Statements that write on a connection whose transaction did not declare it."""
    found: list[str] = []

    def spy(conn: object, _cursor: object, statement: str, *_: object) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"} and \
                not conn.get_execution_options().get(WRITE):  # type: ignore[attr-defined]
            found.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", spy)
    return found

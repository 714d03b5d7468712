"""Revision counters: writers bump them, in-memory readers compare to notice staleness."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from prefero.catalog.models import Revision
from prefero.db.reads import read

__all__ = ["CATALOG", "bump", "current"]

CATALOG = "catalog"

# Read on every recommendation and page (see prefero.db.reads).
_VALUE = select(Revision.value).where(Revision.name == bindparam("name"))


def bump(session: Session, name: str = CATALOG) -> None:
    """Increase the counter inside the caller's transaction (so it commits with the change)."""
    result = session.execute(
        update(Revision).where(Revision.name == name).values(value=Revision.value + 1)
    )
    if getattr(result, "rowcount", 0) == 0:
        session.add(Revision(name=name, value=1))
        session.flush()


def current(session: Session, name: str = CATALOG) -> int:
    value = read(session, _VALUE, {"name": name}).scalar()
    return int(value or 0)

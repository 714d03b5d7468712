"""Where each scanner stopped, and the product changes it has not handled yet.

A change-driven scanner reads ``product_changes`` after its cursor, offers its messages and
moves the cursor, all in one transaction: a crash before the commit leaves both undone and
the next run reads the same changes again (the outbox's dedup key absorbs any offer that did
get through).

Ids are handed out when a transaction inserts, not when it commits: on PostgreSQL a long
import may commit change 5 after a short write committed change 6. A scanner that moved past
6 would never see 5, so reading stops at a gap in the ids until the gap is older than
``GAP_GRACE`` (a rolled-back transaction leaves a gap that never fills).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.changes import ProductChange
from prefero.messaging.triggers.models import ScanCursor

__all__ = ["GAP_GRACE", "ChangeBatch", "cursor_of", "pending_changes", "save_cursor"]

#: Longer than any catalogue import's transaction is expected to last.
GAP_GRACE = timedelta(minutes=30)
#: Changes one scan reads at most; the next scan goes on from there.
BATCH = 2000


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    changes: list[ProductChange]
    #: The cursor to save once the batch's offers are made.
    last_id: int


def cursor_of(session: Session, scanner: str) -> ScanCursor:
    """The scanner's cursor row (a new one at the start when it never ran)."""
    row = session.get(ScanCursor, scanner, with_for_update=True)
    if row is None:
        row = ScanCursor(scanner=scanner, last_id=0, last_at=None)
        session.add(row)
    return row


def save_cursor(row: ScanCursor, *, now: datetime, last_id: int | None = None,
                last_at: datetime | None = None) -> None:
    if last_id is not None:
        row.last_id = last_id
    if last_at is not None:
        row.last_at = last_at
    row.updated_at = now


def pending_changes(session: Session, *, after_id: int, now: datetime,
                    limit: int = BATCH) -> ChangeBatch:
    """The changes after ``after_id`` that are safe to handle, in id order, stopping before a
    gap younger than ``GAP_GRACE``.

    >>> batch = pending_changes(session, after_id=0, now=now)  # doctest: +SKIP
    >>> [c.id for c in batch.changes], batch.last_id  # doctest: +SKIP
    ([1, 2, 3], 3)
    """
    rows = session.scalars(select(ProductChange).where(ProductChange.id > after_id)
                           .order_by(ProductChange.id).limit(limit))
    taken: list[ProductChange] = []
    last = after_id
    for row in rows:
        if row.id != last + 1 and row.changed_at > now - GAP_GRACE:
            break  # an earlier id may still commit
        taken.append(row)
        last = row.id
    return ChangeBatch(changes=taken, last_id=last)

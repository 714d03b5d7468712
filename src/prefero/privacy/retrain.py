"""Queued retrains: the promise, made by an erasure, that the trained artefacts will no longer
contain the erased customer's behaviour by a stated time.

Removing one customer from co-occurrence counts and factor models directly would mean a
second, subtle implementation of every model; a full retrain on the remaining data gives,
by construction, exactly the artefacts the shop would have had without the customer. So an
erasure records a ``PendingRetrain`` due ``Settings.erasure_retrain_hours`` later, in its own
transaction, and ``prefero maintain`` retrains while one is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.privacy.models import PendingRetrain

__all__ = ["ERASURE", "RetrainQueue", "complete_retrains", "pending_retrains", "request_retrain"]

ERASURE = "erasure"


def request_retrain(session: Session, *, settings: Settings, reason: str = ERASURE,
                    now: datetime | None = None) -> PendingRetrain:
    """Queue a retrain due ``settings.erasure_retrain_hours`` from now (in the caller's
    transaction, so it exists exactly when the erasure does)."""
    now = now or utcnow()
    marker = PendingRetrain(reason=reason, requested_at=now,
                            due_at=now + timedelta(hours=settings.erasure_retrain_hours))
    session.add(marker)
    return marker


@dataclass(frozen=True)
class RetrainQueue:
    """What is pending: how many markers, the newest marker's id, the earliest deadline."""

    count: int
    last_id: int | None
    due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now


def pending_retrains(session: Session) -> RetrainQueue:
    """The queue as it stands.

    >>> pending_retrains(session).count  # doctest: +SKIP
    0
    """
    count, last_id, due_at = session.execute(
        select(func.count(), func.max(PendingRetrain.id), func.min(PendingRetrain.due_at))).one()
    if isinstance(due_at, str):  # SQLite aggregates bypass the column type
        due_at = datetime.fromisoformat(due_at)
    if due_at is not None and due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=utcnow().tzinfo)
    return RetrainQueue(int(count), last_id, due_at)


def complete_retrains(session: Session, *, up_to_id: int) -> int:
    """Remove the markers a finished retrain satisfied: those queued before it read the data
    (``up_to_id``); a marker queued during the training stays for the next run."""
    result = session.execute(delete(PendingRetrain).where(PendingRetrain.id <= up_to_id))
    return int(getattr(result, "rowcount", 0))

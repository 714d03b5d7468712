"""What the outbox holds, for ``prefero messages status``: counts by status and channel,
and the dead letters with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.messaging.models import OutboxMessage

__all__ = ["DeadLetter", "counts", "dead_letters"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    id: int
    customer_id: str
    channel: str
    trigger: str
    attempts: int
    created_at: datetime
    last_error: str | None


def counts(session: Session) -> dict[tuple[str, str], int]:
    """Messages by (status, channel)."""
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.channel, func.count())
        .group_by(OutboxMessage.status, OutboxMessage.channel))
    return {(status, channel): int(n) for status, channel, n in rows}


def dead_letters(session: Session, *, limit: int) -> list[DeadLetter]:
    """The newest ``limit`` dead letters."""
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")
                           .order_by(OutboxMessage.id.desc()).limit(limit))
    return [DeadLetter(id=row.id, customer_id=row.customer_id, channel=row.channel,
                       trigger=row.trigger, attempts=row.attempts, created_at=row.created_at,
                       last_error=row.last_error) for row in rows]

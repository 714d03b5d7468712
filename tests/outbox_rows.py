"""Outbox rows written straight through the ORM for the delivery tests (no policy)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.customers.models import ConsentRecord, Customer
from prefero.messaging.kinds import CHANNEL_PURPOSE, Channel
from prefero.messaging.models import OutboxMessage


def queue(session: Session, *, customer_id: str = "c1", count: int = 1, channel: str = "inbox",
          at: datetime, trigger: str = "price_drop", prefix: str = "k",
          payload: dict[str, Any] | None = None, consent: bool = True) -> list[int]:
    """``count`` pending messages due at ``at`` for one customer (created when missing, with
    the channel's consent granted unless ``consent`` is false: the worker reads it again)."""
    if session.get(Customer, customer_id) is None:
        session.add(Customer(id=customer_id))
        session.flush()
    if consent:
        session.add(ConsentRecord(customer_id=customer_id,
                                  purpose=CHANNEL_PURPOSE[Channel(channel)], granted=True,
                                  policy_version="test"))
    rows = [OutboxMessage(dedup_key=f"{prefix}{i:04d}".ljust(64, "0")[:64],
                          customer_id=customer_id, channel=channel, trigger=trigger,
                          subject_key=f"p-{i}", payload=payload or {
                              "subject": f"Subject {i}", "body": f"Body {i}",
                              "why": "You asked", "links": [], "unsubscribe_url": None},
                          send_at=at, next_attempt_at=at, created_at=at)
            for i in range(count)]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def statuses(session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    query = select(OutboxMessage.id, OutboxMessage.status)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return {row.id: row.status for row in session.execute(query)}

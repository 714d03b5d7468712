"""What the shop sent a customer and what waits to go, with why: the API's list, the
preference center's history and the data export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.customers.repository import require_customer
from prefero.messaging.models import OutboxMessage

__all__ = ["MessageOut", "MessagesOut", "exported_messages", "message_history"]

MAX_LIMIT = 200


class MessageOut(BaseModel):
    id: int
    channel: str
    trigger: str
    status: str = Field(description="pending, sending, sent, dead or cancelled")
    subject: str
    why: str
    links: list[str]
    send_at: datetime = Field(description="Not before (quiet hours, the preferred time, caps)")
    sent_at: datetime | None
    engaged_at: datetime | None
    created_at: datetime
    reason: str | None = Field(description="Why a message did not go (cancelled, dropped)")


class MessagesOut(BaseModel):
    customer_id: str
    items: list[MessageOut]


def _out(row: OutboxMessage) -> MessageOut:
    payload: dict[str, Any] = row.payload or {}
    links = payload.get("links")
    return MessageOut(
        id=row.id, channel=row.channel, trigger=row.trigger, status=row.status,
        subject=str(payload.get("subject", "")), why=str(payload.get("why", "")),
        links=[str(link) for link in links] if isinstance(links, list) else [],
        send_at=row.send_at, sent_at=row.sent_at, engaged_at=row.engaged_at,
        created_at=row.created_at,
        reason=row.last_error if row.status in ("cancelled", "dead") else None)


def message_history(session: Session, *, customer_id: str, limit: int = 50) -> MessagesOut:
    """The customer's messages, newest first (queued, sent, cancelled with the reason);
    ``NotFound`` for a customer never seen.

    >>> message_history(session, customer_id="c1").items[0].why  # doctest: +SKIP
    'You asked to hear about price drops on items you watch, like or follow.'
    """
    require_customer(session, customer_id)
    rows = session.scalars(select(OutboxMessage)
                           .where(OutboxMessage.customer_id == customer_id)
                           .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                           .limit(max(1, min(limit, MAX_LIMIT))))
    return MessagesOut(customer_id=customer_id, items=[_out(row) for row in rows])


def exported_messages(session: Session, customer_id: str) -> list[MessageOut]:
    """Every message of the customer, oldest first, for the data export."""
    rows = session.scalars(select(OutboxMessage)
                           .where(OutboxMessage.customer_id == customer_id)
                           .order_by(OutboxMessage.id))
    return [_out(row) for row in rows]

"""The customer's in-app inbox: the inbox-channel messages the worker delivered (status
``sent``), newest first, and marking one read (``engaged_at``, which also tells the
messaging policy the customer reads what the shop sends: see fatigue).

Pages by an opaque cursor over (sent_at, id), so that a message delivered while the
customer pages through never shifts a page under them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.messaging.kinds import Channel
from prefero.messaging.models import OutboxMessage

__all__ = ["MAX_PAGE_SIZE", "InboxMessageOut", "InboxPage", "inbox",
           "mark_read", "unread_count"]

MAX_PAGE_SIZE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


class InboxMessageOut(BaseModel):
    id: int
    trigger: str = Field(description="What the message answers (price_drop, back_in_stock…)")
    subject: str
    body: str
    why: str = Field(description="Why it was sent, in the customer's words")
    links: list[str] = Field(description="Product pages the message shows, in order")
    unsubscribe_url: str | None = Field(description="One click stops this kind of message")
    locale: str
    sent_at: datetime
    read_at: datetime | None = Field(description="When the customer opened it; null: unread")


class InboxPage(BaseModel):
    items: list[InboxMessageOut]
    unread: int = Field(description="Unread messages in the whole inbox, not only this page")
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: "
                                                "this was the last")


def _delivered(customer_id: str) -> Any:
    return and_(OutboxMessage.customer_id == customer_id,
                OutboxMessage.channel == Channel.INBOX.value,
                OutboxMessage.status == "sent")


def _links(payload: dict[str, Any]) -> list[str]:
    found = []
    for link in payload.get("links") or ():
        if isinstance(link, str):
            found.append(link)
        elif isinstance(link, dict) and isinstance(link.get("url"), str):
            found.append(link["url"])
    return found


def _out(row: OutboxMessage) -> InboxMessageOut:
    payload = row.payload or {}
    unsubscribe = payload.get("unsubscribe_url")
    assert row.sent_at is not None  # sent rows have it
    return InboxMessageOut(
        id=row.id, trigger=row.trigger, subject=str(payload.get("subject") or ""),
        body=str(payload.get("body") or ""), why=str(payload.get("why") or ""),
        links=_links(payload),
        unsubscribe_url=unsubscribe if isinstance(unsubscribe, str) and unsubscribe else None,
        locale=row.locale, sent_at=row.sent_at, read_at=row.engaged_at)


def unread_count(session: Session, *, customer_id: str) -> int:
    """Delivered inbox messages the customer has not opened (the header's badge)."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
        _delivered(customer_id), OutboxMessage.engaged_at.is_(None))) or 0)


def inbox(session: Session, *, customer_id: str, limit: int = 20,
          cursor: str | None = None) -> InboxPage:
    """A page of the customer's inbox, newest first. ``cursor`` is a page's
    ``next_cursor``; a made-up one is refused with the field named (``cursor``)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}",
                           [FieldError(("limit",), f"must be between 1 and {MAX_PAGE_SIZE}")])
    query = (select(OutboxMessage).where(_delivered(customer_id))
             .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
             .limit(limit + 1))
    if cursor:
        sent_at, last_id = _decode_cursor(cursor)
        query = query.where(or_(OutboxMessage.sent_at < sent_at,
                                and_(OutboxMessage.sent_at == sent_at,
                                     OutboxMessage.id < last_id)))
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return InboxPage(
        items=[_out(row) for row in rows],
        unread=unread_count(session, customer_id=customer_id),
        next_cursor=_encode_cursor(last) if more and last is not None else None)


def mark_read(session: Session, *, customer_id: str, message_id: int,
              now: datetime) -> InboxMessageOut:
    """Mark one of the customer's delivered inbox messages read. Reading it again keeps the
    first time. Another customer's message, or one not delivered, is 404 alike: an id
    reveals nothing about messages that are not the caller's."""
    row = session.scalar(select(OutboxMessage).where(_delivered(customer_id),
                                                     OutboxMessage.id == message_id))
    if row is None:
        raise NotFound(f"no message {message_id} in this customer's inbox")
    if row.engaged_at is None:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id == message_id,
                               OutboxMessage.engaged_at.is_(None))
                        .values(engaged_at=now)
                        .execution_options(synchronize_session=False))
        session.refresh(row)
    return _out(row)


def _encode_cursor(row: OutboxMessage) -> str:
    assert row.sent_at is not None
    micros = (row.sent_at - _EPOCH) // _MICRO
    return base64.urlsafe_b64encode(f"i:{micros}:{row.id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
        tag, micros, last_id = text.split(":")
        # Bounded: a cursor is one this API handed out, never a 40-digit number.
        if tag == "i" and micros.isdigit() and last_id.isdigit() and len(text) <= 40:
            when = _EPOCH + int(micros) * _MICRO
            return when, int(last_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
        pass
    raise InvalidInput("the cursor is not valid",
                       [FieldError(("cursor",), "not a cursor returned by this API")])


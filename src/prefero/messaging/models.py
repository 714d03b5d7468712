"""The transactional outbox: every message Prefero decided to send, in the database.

A message is written in the same transaction as the change that caused it, so an
acknowledged trigger is never lost; the worker (``prefero.messaging.worker``) delivers it
afterwards, at least once. ``dedup_key`` is deterministic (customer, trigger, subject,
occasion, channel) and unique, so the same occasion can never be queued twice, and it travels
to the receiver (the e-mail's Message-ID, the webhook's Idempotency-Key) so that a redelivery
after a crash is recognisable there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["OUTBOX_STATUSES", "OutboxMessage"]

#: pending: waiting for ``send_at``/``next_attempt_at``; sending: claimed by a worker until
#: ``lease_until`` (a worker killed mid-send leaves it to be claimed again once the lease
#: lapses); sent: handed to the channel; dead: out of attempts (the dead-letter state);
#: cancelled: withdrawn before sending (consent withdrawn, unsubscribed, erased...).
OUTBOX_STATUSES = ("pending", "sending", "sent", "dead", "cancelled")


class OutboxMessage(Base):
    """Personal data: listed in the customer's data export, erased with the customer."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    trigger: Mapped[str] = mapped_column(String(30))
    #: What the message is about (a product id, a brand, a box...), for "what was sent".
    subject_key: Mapped[str] = mapped_column(String(500))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    #: The rendered message: subject, body, why it was sent, links, unsubscribe link.
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not before: quiet hours and the customer's preferred send time move it.
    send_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    #: When the customer acted on it (opened in the inbox, followed its link): messages
    #: left unopened lower how often the customer hears from the shop (fatigue).
    engaged_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("status in ('pending','sending','sent','dead','cancelled')",
                        name="status"),
        # The worker's claim: due messages in order.
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        # Caps and history: one customer's messages by time.
        Index("ix_outbox_messages_customer_created", "customer_id", "created_at"),
        # The unread count every storefront page's header shows, and the inbox itself.
        Index("ix_outbox_messages_customer_channel_status", "customer_id", "channel",
              "status"),
    )

"""The customer's terms for messages, one row per customer (``prefero.messaging.terms``).

Choices the customer never made are not stored as values but left out of the maps (and the
columns null where "none" is itself a choice, such as no preferred send time), so a default
the shop changes later, or a trigger added later, reaches every customer who did not choose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["MessageTerms"]


class MessageTerms(Base):
    """Personal data: listed in the data export, erased with the customer (cascade).

    The row is also the lock that serialises one customer's offers: ``offer`` reads it
    ``FOR UPDATE`` before counting the day's messages, so a burst of offers cannot all see
    room under the cap at once."""

    __tablename__ = "message_terms"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    #: trigger → on/off, only the triggers the customer switched themselves.
    triggers: Mapped[dict[str, bool]] = mapped_column(JsonDoc, default=dict)
    #: channel → wanted or not, only the customer's own choices.
    channels: Mapped[dict[str, bool]] = mapped_column(JsonDoc, default=dict)
    #: Messages a calendar day over every channel; null: the shop's default.
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    #: channel → messages a calendar day, only the customer's own choices.
    channel_caps: Mapped[dict[str, int]] = mapped_column(JsonDoc, default=dict)
    #: Whether the customer set quiet hours themselves (else the shop's default window).
    quiet_set: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Minutes after local midnight; both null with ``quiet_set``: no quiet hours at all.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    #: The time of day (minutes after local midnight) the customer wants messages at.
    send_time: Mapped[int | None] = mapped_column(Integer)
    #: The language messages are written in ("en", "pl"); null: the shop's.
    locale: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("daily_cap is null or (daily_cap >= 0 and daily_cap <= 50)",
                        name="daily_cap"),
        CheckConstraint("quiet_start is null or (quiet_start >= 0 and quiet_start < 1440)",
                        name="quiet_start"),
        CheckConstraint("quiet_end is null or (quiet_end >= 0 and quiet_end < 1440)",
                        name="quiet_end"),
        CheckConstraint("send_time is null or (send_time >= 0 and send_time < 1440)",
                        name="send_time"),
    )

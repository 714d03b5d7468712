"""Stored behaviour. Only consented events are linked to a person; all feed anonymous counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["Event", "EventReceipt", "ProductActivity"]


class Event(Base):
    """A behavioural event linked to a customer who consented to tracking."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rating: Mapped[float | None] = mapped_column(Float)
    query: Mapped[str | None] = mapped_column(String(500))
    placement: Mapped[str | None] = mapped_column(String(20))
    #: A rec_click's leading reason code (what the clicked item was shown for), when sent:
    #: attributes the carts and purchases that follow to it (``prefero.analytics``).
    reason: Mapped[str | None] = mapped_column(String(40))
    session_id: Mapped[str | None] = mapped_column(String(200))
    #: The shop's order a purchase or refund belongs to (a refund finds its purchases by it).
    order_id: Mapped[str | None] = mapped_column(String(200))
    #: The size bought, put in the cart or returned ("M", "EU 42"), when sent: a return's size
    #: moves that customer's next size advice (``prefero.fit``).
    size: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # With the id, a customer's newest events come in the profile read's order
        # (migration 0009 says what it measured).
        Index("ix_events_customer_time_id", "customer_id", "occurred_at", "id"),
        Index("ix_events_product", "product_id"),
        Index("ix_events_time", "occurred_at"),
        # Segment-style counts ("2+ purchases in 30 days") from the index alone.
        Index("ix_events_type_time", "type", "occurred_at", postgresql_include=["customer_id"]),
    )


class EventReceipt(Base):
    """Proof that an event id was ingested, for idempotency. Holds a hash, never a person."""

    __tablename__ = "event_receipts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductActivity(Base):
    """Anonymous aggregate counters per product, day and event type (popularity, trending)."""

    __tablename__ = "product_activity"

    product_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

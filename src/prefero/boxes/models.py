"""Box subscriptions, the deliveries composed for them, and the items with their ratings.

All three are personal data: listed in the customer's data export (``exported_boxes``) and
erased with the customer (deliveries name the customer; items cascade with their delivery).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["BOX_STATUSES", "BoxDelivery", "BoxItem", "BoxSubscription"]

#: active: composed every ``cadence_days``; paused: kept, nothing composed until resumed;
#: cancelled: kept for its history (deliveries and ratings), never composed again.
BOX_STATUSES = ("active", "paused", "cancelled")


class BoxSubscription(Base):
    __tablename__ = "box_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: A key of the shop's box themes (``prefero.boxes.themes``): "snacks", "coffee"...
    theme: Mapped[str] = mapped_column(String(50))
    cadence_days: Mapped[int] = mapped_column(Integer)
    #: The most one delivery may cost, in ``currency`` (the shop's at subscription time).
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: When the next delivery is composed (``compose_due`` picks up the ones past it).
    next_delivery_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("status in ('active','paused','cancelled')", name="status"),
        CheckConstraint("cadence_days > 0", name="cadence"),
        CheckConstraint("budget > 0", name="budget"),
        Index("ix_box_subscriptions_customer_id", "customer_id"),
        # The composer's scan: active boxes that are due.
        Index("ix_box_subscriptions_status_next", "status", "next_delivery_at"),
    )


class BoxDelivery(Base):
    __tablename__ = "box_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("box_subscriptions.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: 1, 2, 3... within the subscription: what the customer and the messages call it.
    number: Mapped[int] = mapped_column(Integer)
    composed_at: Mapped[datetime] = mapped_column()
    #: When the delivery was due (the subscription's ``next_delivery_at`` then).
    due_at: Mapped[datetime] = mapped_column()
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))

    __table_args__ = (
        UniqueConstraint("subscription_id", "number"),
        Index("ix_box_deliveries_customer_id", "customer_id"),
    )


class BoxItem(Base):
    __tablename__ = "box_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("box_deliveries.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(200))
    #: As they were at composition: the catalogue may change or drop the product later,
    #: and the customer's history must still say what came and what it cost.
    title: Mapped[str] = mapped_column(String(500))
    brand: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(500), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    position: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("delivery_id", "product_id"),
        CheckConstraint("rating is null or (rating >= 1 and rating <= 5)", name="rating"),
    )

"""The shop's delivery windows, the bookings made in them, and each customer's delivery
wishes.

A booking and a wish name the customer and cascade with them (erasure removes the link);
a window's ``booked`` count stays as it was, so a place an erased customer took is not
handed out twice for a round already planned.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["DeliveryBooking", "DeliveryWindow", "DeliveryWish"]


class DeliveryWindow(Base):
    """One window the shop delivers in: to the door (``home``) or to a pick-up point, from
    ``starts_at`` to ``ends_at`` (UTC), for at most ``capacity`` orders. ``green`` marks a
    consolidated low-emission round."""

    __tablename__ = "delivery_windows"

    #: The shop's own id for the window ("2026-12-08-home-evening").
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    pickup_point_id: Mapped[str | None] = mapped_column(String(100))
    pickup_point_name: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    green: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("method in ('home','pickup')", name="method"),
        CheckConstraint("(method = 'pickup') = (pickup_point_id IS NOT NULL)",
                        name="pickup_point"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The last word on capacity: even a booking path that forgot the conditional
        # UPDATE could not overbook.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
        Index("ix_delivery_windows_starts_at", "starts_at"),
    )


class DeliveryBooking(Base):
    """One order's place in one window. Idempotent on the order: one booking per order id.
    Personal data: in the export, erased with the customer (cascade)."""

    __tablename__ = "delivery_bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), unique=True)
    # RESTRICT: a window with bookings cannot disappear under them.
    window_id: Mapped[str] = mapped_column(ForeignKey("delivery_windows.id",
                                                      ondelete="RESTRICT"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_delivery_bookings_customer_id", "customer_id"),
        Index("ix_delivery_bookings_window_id", "window_id"),
    )


class DeliveryWish(Base):
    """What the customer told us about delivery: weekdays (0 = Monday) and hour ranges in
    their own time zone, home or a pick-up point (and which), green or fastest. An empty
    list or ``None`` means "no wish"."""

    __tablename__ = "delivery_wishes"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True)
    weekdays: Mapped[list[int]] = mapped_column(JsonDoc)
    #: [[start_hour, end_hour], ...], local hours, end exclusive (24 = midnight).
    hours: Mapped[list[list[int]]] = mapped_column(JsonDoc)
    method: Mapped[str | None] = mapped_column(String(10))
    pickup_point_id: Mapped[str | None] = mapped_column(String(100))
    speed: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("method is null or method in ('home','pickup')", name="method"),
        CheckConstraint("speed is null or speed in ('green','fastest')", name="speed"),
    )

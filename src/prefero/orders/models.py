"""An order and its lines, as placed: prices, configurations and measurements are copies
taken at checkout, so that a later change of the catalogue or the profile never rewrites
what was sold."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["Order", "OrderLine"]


class Order(Base):
    """Personal data: listed in the data export, erased with the customer (cascade)."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: The delivery chosen at checkout, as the shopper saw it (window, method, place, times),
    #: or None where the order has nothing to deliver or no window was offered.
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_orders_customer_placed", "customer_id", "placed_at"),)


class OrderLine(Base):
    """One product of an order, with the copies that make it this customer's product."""

    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: A configured product's choices, labels and prices when it was sold.
    configuration: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    #: The size label chosen ("M"), for products sold in sizes.
    size: Mapped[str | None] = mapped_column(String(40))
    #: A made-to-measure product's measurements and fit, copied from the profile at checkout
    #: (with the customer's fit consent): the tailor works from these even when the profile
    #: changes later. Erasing the customer removes them with the order (cascade).
    measurements: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    #: Why the customer sent the line back (``prefero.events.schemas.RETURN_REASONS``), and
    #: when; None while it is kept.
    return_reason: Mapped[str | None] = mapped_column(String(20))
    returned_at: Mapped[datetime | None] = mapped_column()

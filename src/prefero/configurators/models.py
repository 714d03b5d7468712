"""What the database keeps for configurators: the configurations customers save, and the
live stock of options whose stock is counted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["OptionStock", "SavedConfiguration"]


class SavedConfiguration(Base):
    """A configuration a customer kept for later. Personal data: listed in the data export,
    erased with the customer (cascade)."""

    __tablename__ = "saved_configurations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    #: Group key -> option key (a list for a group that takes several), as evaluated.
    choices: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    #: The price when saved, and the definition it was priced with: the shop may change
    #: either later, and an order re-evaluates (prefero.configurators.service.order_line).
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_saved_configurations_customer", "customer_id", "created_at"),
    )


class OptionStock(Base):
    """Units left of one option, once the shop has sold or set any: overrides the count in
    the definition file (which is where a new option's stock starts)."""

    __tablename__ = "configurator_stock"

    product_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    group_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    option_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining"),)

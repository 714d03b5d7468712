"""Products as stored. Facet values live in one JSON document, typed by the facet schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["AVAILABILITIES", "Product", "Revision"]

AVAILABILITIES = ("in_stock", "out_of_stock", "preorder", "backorder")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))
    image_link: Mapped[str | None] = mapped_column(String(2000))
    additional_image_links: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    sale_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    availability: Mapped[str] = mapped_column(String(20), default="in_stock")
    brand: Mapped[str | None] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(50))
    mpn: Mapped[str | None] = mapped_column(String(100))
    condition: Mapped[str | None] = mapped_column(String(20))
    # " > "-separated path, e.g. "Fashion > Shoes > Running"; also mirrored in facets["category"].
    category: Mapped[str] = mapped_column(String(500), default="")
    google_product_category: Mapped[str | None] = mapped_column(String(500))
    item_group_id: Mapped[str | None] = mapped_column(String(200), index=True)
    facets: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_products_active_created", "active", "created_at"),)

    @property
    def effective_price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def in_stock(self) -> bool:
        return self.availability in ("in_stock", "preorder", "backorder")


class Revision(Base):
    """Monotonic counters that tell readers their in-memory copies are stale."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

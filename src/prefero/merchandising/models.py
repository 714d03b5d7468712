"""What the database keeps of the merchandising rules: one row per rule. No row names or
points to a person: erasing a customer has nothing to remove here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["MerchandisingRule"]


class MerchandisingRule(Base):
    """One rule: ``action`` (pin, boost, bury, hide) on the products that have one of
    ``values`` of ``facet``, or that are among ``product_ids``, on ``placements``, between
    ``starts_at`` and ``ends_at`` (either open). ``strength`` is set for boost and bury only,
    ``position`` (1-based slot) for pin only."""

    __tablename__ = "merchandising_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    facet: Mapped[str | None] = mapped_column(String(64))
    values: Mapped[list[str]] = mapped_column(JsonDoc)
    product_ids: Mapped[list[str]] = mapped_column(JsonDoc)
    placements: Mapped[list[str]] = mapped_column(JsonDoc)
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    strength: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

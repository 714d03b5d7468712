"""A followed brand or category, as the customer declared it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["FOLLOW_KINDS", "Follow"]

#: brand: a product's brand, as the catalogue spells it; category: a " > " path, which
#: covers every category below it.
FOLLOW_KINDS = ("brand", "category")


class Follow(Base):
    """Personal data: listed in the data export, erased with the customer (cascade)."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "value"),
        CheckConstraint("kind in ('brand','category')", name="kind"),
        # "Who follows this brand" when a new product arrives.
        Index("ix_follows_kind_value", "kind", "value"),
    )

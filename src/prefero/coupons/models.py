"""Coupon pools (the shop's) and the codes customers chose from them (personal data)."""

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

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["APPLIES_KINDS", "Coupon", "CouponPool"]

#: What one code applies to: every product under a category path, or one product.
APPLIES_KINDS = ("category", "product")


class CouponPool(Base):
    """A pool of ``codes_total`` codes worth ``percent_off`` or ``amount_off`` (in the shop's
    currency; exactly one of the two), open between ``valid_from`` and ``valid_until``. A
    customer may choose any category at or under one of ``category_roots``, or any of
    ``product_ids``. ``issued`` counts codes ever handed out: a code erased with its customer
    is not handed out again, so the shop's budget holds."""

    __tablename__ = "coupon_pools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    percent_off: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    amount_off: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    codes_total: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    category_roots: Mapped[list[str]] = mapped_column(JsonDoc)
    product_ids: Mapped[list[str]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("(percent_off IS NULL) <> (amount_off IS NULL)", name="one_discount"),
        CheckConstraint("issued <= codes_total", name="issued_within_total"),
    )


class Coupon(Base):
    """One customer's code from one pool. Personal data: in the export, erased with the
    customer (cascade)."""

    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("coupon_pools.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    applies_kind: Mapped[str] = mapped_column(String(10))
    applies_value: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # One code per customer per pool, however many requests race for it.
        UniqueConstraint("pool_id", "customer_id"),
        UniqueConstraint("code"),
        CheckConstraint("applies_kind in ('category','product')", name="applies_kind"),
        # "Which coupons are chosen": the shop's tally per pool.
        Index("ix_coupons_pool_applies", "pool_id", "applies_kind", "applies_value"),
        Index("ix_coupons_customer_id", "customer_id"),
    )

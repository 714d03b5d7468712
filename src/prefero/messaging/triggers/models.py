"""What the triggers keep: the products a customer watches, and where each scanner stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["WATCH_KINDS", "ProductWatch", "ScanCursor"]

#: price: tell me when it is cheaper; stock: when it is back in stock; both.
WATCH_KINDS = ("price", "stock", "both")


class ProductWatch(Base):
    """"Let me know when this is on sale / back in stock". Personal data: listed in the data
    export (``exported_watches``), erased with the customer (cascade)."""

    __tablename__ = "product_watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(10), default="both")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("customer_id", "product_id"),
        CheckConstraint("what in ('price','stock','both')", name="what"),
        # "Who watches this product" when its price drops or it comes back.
        Index("ix_product_watches_product_id", "product_id"),
    )


class ScanCursor(Base):
    """How far a scanner has read. Saved in the transaction that offers the messages, so a
    crash before the commit re-reads the same occasions, and the outbox's dedup key keeps
    the second offer out."""

    __tablename__ = "message_scan_cursors"

    scanner: Mapped[str] = mapped_column(String(50), primary_key=True)
    #: The last product change handled (change-driven scanners).
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    #: The end of the last time window handled (time-driven scanners).
    last_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

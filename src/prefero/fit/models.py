"""The customer's measurements and fit preference, and the fit feedback their returns gave.

Sensitive personal data: written and read only with the ``fit`` consent (``prefero.fit.
consent``), deleted when that consent is withdrawn, listed in the data export and erased with
the customer (``ON DELETE CASCADE``). A household profile's measurements live under the
profile's own customer row (its *subject*), so deleting the profile takes them too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["FitFeedback", "FitProfile"]


class FitProfile(Base):
    """One customer's (or household profile's) measurements in cm and fit preference."""

    __tablename__ = "fit_profiles"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    chest: Mapped[float | None] = mapped_column(Float)
    waist: Mapped[float | None] = mapped_column(Float)
    hips: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    inseam: Mapped[float | None] = mapped_column(Float)
    foot_length: Mapped[float | None] = mapped_column(Float)
    fit: Mapped[str] = mapped_column(String(10), default="regular")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("fit in ('slim','regular','relaxed')", name="fit"),
    )


class FitFeedback(Base):
    """A return that said how a size fitted (too small, too large)."""

    __tablename__ = "fit_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: The returned product: its size chart (``prefero.fit.charts``) is looked up when the
    #: feedback is read, so that a shop's new charts apply to old returns too.
    product_id: Mapped[str] = mapped_column(String(200))
    size: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("reason in ('too_small','too_large')", name="reason"),
        # The customer's newest feedback, read with the measurements on sized pages.
        Index("ix_fit_feedback_customer_time", "customer_id", "occurred_at"),
    )

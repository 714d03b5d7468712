"""Stored recommendation counts: anonymous aggregates, by day, placement and reason code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base

__all__ = ["RecommendationDaily"]


class RecommendationDaily(Base):
    """How often items shown for one reason on one placement were shown (``impressions``)
    and clicked (``clicks``) on one UTC day. No customer, session or product: nothing here
    is anybody's personal data, so erasure has nothing to remove (see
    ``prefero.analytics.counts`` for why that lets every click count, consent or not).

    ``placement`` is one of ``prefero.types.Placement`` or ``other`` (a click that named
    another); ``reason`` is the item's leading reason code, or ``unknown`` for a click that
    did not say."""

    __tablename__ = "recommendation_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    placement: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)

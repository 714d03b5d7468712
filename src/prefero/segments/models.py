"""Stored rule segments and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.customers.models import Preference
from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["PREFERENCE_LOOKUP", "Segment", "SegmentMember"]


class Segment(Base):
    """A named condition (``prefero.segments.conditions``) over customers."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    condition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    #: Whether membership can change with time alone: the periodic sweep re-reads these.
    windowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SegmentMember(Base):
    """A customer in a segment now, and since when. Personal data: erased with the customer
    (the foreign key cascades) and listed in the customer's data export."""

    __tablename__ = "segment_members"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # segments_of (the request path) and the cascade of an erasure read by customer.
        Index("ix_segment_members_customer", "customer_id"),
    )


#: "Who declared diet=vegan" for counts over every customer: the preferences' own unique
#: index starts with the customer, which serves one customer's reads, not this one.
PREFERENCE_LOOKUP = Index("ix_preferences_kind_facet_value", Preference.kind, Preference.facet,
                          Preference.value, Preference.customer_id)

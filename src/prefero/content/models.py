"""What the database keeps for content slots: the slots, their variants, and the log of the
choices shown (the exposures experiments read).

A decision names the customer only when the request named a known customer who consented to
tracking (an exposure is behaviour); ``customer_id`` then points at ``customers.id`` with
``ON DELETE CASCADE``, and erasure deletes the rows with the customer (and the customer's data
export lists them). Any other decision is an anonymous count: slot, variant, arm, reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["ContentDecision", "ContentSlot", "ContentVariant"]


class ContentSlot(Base):
    """A place on the shop's pages. ``strategy`` picks the variant (``first_match``,
    ``best_score`` or ``split``); ``salt`` (random, made at creation, never changed) places
    visitors in a split independently of every other slot; ``control_share`` of them (split
    only) see ``fallback``, the variant shown when nothing else is (none: the slot stays
    empty)."""

    __tablename__ = "content_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    strategy: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str] = mapped_column(String(64))
    control_share: Mapped[float] = mapped_column(Float, default=0.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    fallback: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("strategy in ('first_match','best_score','split')", name="strategy"),
        CheckConstraint("control_share >= 0 and control_share < 1", name="control_share"),
    )


class ContentVariant(Base):
    """One variant of a slot: its texts per language (``{"en": {"title": …}, "pl": …}``, as
    the shop wrote them), its targeting (``prefero.content.targeting``), its ``weight`` for
    ``best_score`` and its ``share`` of a split."""

    __tablename__ = "content_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("content_slots.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    texts: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    targeting: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    share: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("slot_id", "key"),
        Index("ix_content_variants_slot_position", "slot_id", "position"),
    )


class ContentDecision(Base):
    """One choice shown: which variant of which slot (``variant_key`` null: nothing was
    shown), whether the visitor was in the control group of a split, the reason codes, and
    whether context (source, device, time, weather) was used. ``id`` is made when the choice
    is (the answer carries it); the row is written later, in a batch."""

    __tablename__ = "content_decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot_key: Mapped[str] = mapped_column(String(64))
    variant_key: Mapped[str | None] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(20))
    control: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JsonDoc)
    context_used: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_content_decisions_slot_at", "slot_key", "at"),)

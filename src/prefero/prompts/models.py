"""What the database keeps for on-site prompts: the shop's prompt definitions, and per
customer (or anonymous visitor) their caps, the prompts they dismissed and the log of the
prompts shown (what the caps count).

Every per-customer row points at ``customers.id`` with ``ON DELETE CASCADE``: erasure deletes
them with the customer, and the data export lists them (``prefero.prompts.export``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["Prompt", "PromptDismissal", "PromptSetting", "PromptShown"]


class Prompt(Base):
    """A prompt the shop defined: what fires it (``trigger`` and its ``threshold``: seconds
    on a page, percent of a page read, items in the cart), and the content slot whose
    variants (texts, links, targeting) it shows. ``priority``: the lower goes first when
    several prompts answer the same trigger."""

    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[int] = mapped_column(Integer)
    slot_key: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("trigger in ('cart_exit','dwell','scroll','return_after_search')",
                        name="trigger"),
        CheckConstraint("threshold >= 0", name="threshold"),
    )


class PromptSetting(Base):
    """The customer's caps: at most ``per_visit`` prompts a visit, at least ``gap_minutes``
    apart, none at all while ``off`` ("Don't show me these"). No row: the defaults
    (``prefero.prompts.caps.DEFAULT_CAPS``)."""

    __tablename__ = "prompt_settings"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    per_visit: Mapped[int] = mapped_column(Integer)
    gap_minutes: Mapped[int] = mapped_column(Integer)
    off: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("per_visit >= 0", name="per_visit"),
        CheckConstraint("gap_minutes >= 0", name="gap_minutes"),
    )


class PromptDismissal(Base):
    """A prompt the customer asked never to see again (by the prompt's key, so that it stays
    dismissed when the shop rewrites it)."""

    __tablename__ = "prompt_dismissals"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    prompt_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PromptShown(Base):
    """One prompt shown: to whom, in which visit (the shop's visit id), by which trigger, with
    which reason codes. What the caps count; kept with the customer's other data."""

    __tablename__ = "prompt_shown"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    prompt_key: Mapped[str] = mapped_column(String(64))
    visit: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[list[str]] = mapped_column(JsonDoc)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_prompt_shown_customer_at", "customer_id", "at"),)

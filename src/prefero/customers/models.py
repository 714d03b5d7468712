"""Customer profile, declared preferences, the append-only consent ledger and the customer's
decisions on suggested preferences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = [
    "ANONYMOUS_PREFIX",
    "PREFERENCE_KINDS",
    "SUGGESTION_DECISIONS",
    "ConsentRecord",
    "Customer",
    "Preference",
    "SuggestionDecision",
]

# like: weighted affinity; never/must: hard constraints; size: facet "size" values the customer
# wears within a category path (stored in ``facet``); dismiss: a product marked "not for me".
PREFERENCE_KINDS = ("like", "never", "must", "size", "dismiss")
SUGGESTION_DECISIONS = ("accepted", "rejected")
# The ids the shop's pages give visitors who have not signed in.
ANONYMOUS_PREFIX = "anon-"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str | None] = mapped_column(String(10))
    level_updated_at: Mapped[datetime | None] = mapped_column()
    exploration: Mapped[bool] = mapped_column(Boolean, default=True)
    budget_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    budget_source: Mapped[str | None] = mapped_column(String(100))
    budget_updated_at: Mapped[datetime | None] = mapped_column()
    #: An IANA zone name ("Europe/Warsaw"), set by the customer or from the shop's request:
    #: content slots read the time of day in it.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: Set on the customer row behind a household profile (``prefero.customers.households``):
    #: the account it belongs to, so that counts of customers can leave such rows out.
    household_owner_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Changed by the database (triggers of migration 0007) whenever the customer's
    #: preferences or consents change, to a value never handed out before: what a server
    #: process keeps of them is good while it stands.
    profile_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Preference(Base):
    __tablename__ = "preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    facet: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(500))
    weight: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100), default="declared")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the customer last declared or confirmed this value (``prefero.customers.freshness``
    #: reads how stale it is). Nullable only because SQLite cannot add a NOT NULL column
    #: without a constant default to a table with triggers; migration 0022 fills it, and a
    #: missing one reads as ``updated_at``.
    confirmed_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "facet", "value"),
        CheckConstraint("kind in ('like','never','must','size','dismiss')", name="kind"),
        CheckConstraint("weight is null or (weight >= -1 and weight <= 1)", name="weight_range"),
    )


class ConsentRecord(Base):
    """One grant or withdrawal. Rows are only ever inserted; the state is the latest row."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(100), default="api")
    policy_version: Mapped[str] = mapped_column(String(50))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_consent_records_customer_purpose", "customer_id", "purpose", "id"),
        UniqueConstraint("customer_id", "idempotency_key"),
    )


class SuggestionDecision(Base):
    """The customer's answer to one suggested preference (``prefero.customers.suggestions``).

    Rows are only inserted; the latest per (kind, facet, value) is the decision in force. The
    suggestion itself is never stored: it is recomputed from consented behaviour on each
    request, so withdrawing tracking consent makes every open suggestion vanish at once.
    """

    __tablename__ = "suggestion_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    facet: Mapped[str] = mapped_column(String(500))
    value: Mapped[str] = mapped_column(String(500))
    decision: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_suggestion_decisions_customer_key", "customer_id", "kind", "facet", "value",
              "decided_at"),
        CheckConstraint("decision in ('accepted','rejected')", name="decision"),
    )

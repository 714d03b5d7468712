"""What the database keeps for experiments: the experiments, their arms, who was shown which
arm (exposures), and the anonymous per-arm tallies of units measured without tracking consent.

An exposure names a unit (a customer row: a known customer or an anonymous visitor's id) only
when that unit consented to tracking when the arm was shown: an exposure is behaviour.
``unit_id`` points at ``customers.id`` with ``ON DELETE CASCADE``, so erasing a customer erases
their exposures. One row per (experiment, unit, arm): ``renders`` counts the times the arm was
actually shown, ``first_at`` starts the unit's measurement window. A unit with rows for two arms
(an anonymous visitor merged into a known customer in the other arm) is left out of the analysis
and counted.

A unit without tracking consent, in an experiment that allows anonymous measurement, leaves no
row of its own: its renders and its outcomes add to ``experiment_tallies`` (per arm and day),
which hold no identity.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["Experiment", "ExperimentArm", "ExperimentExposure", "ExperimentTally"]


class Experiment(Base):
    """One experiment. ``kind`` says what its arms change (``recommendations``, ``content``,
    ``messages``, or the shop-wide ``holdout``); ``target`` narrows it (a placement, a content
    slot's key, a message trigger's key); ``salt`` (random, made at creation, never changed)
    places units independently of every other experiment and slot; ``status`` runs
    draft → running → stopped."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    salt: Mapped[str] = mapped_column(String(64))
    #: May units without tracking consent take part (measured only as anonymous tallies)?
    anonymous_measurement: Mapped[bool] = mapped_column(Boolean, default=False)
    primary_metric: Mapped[str] = mapped_column(String(30))
    guardrails: Mapped[list[str]] = mapped_column(JsonDoc)
    #: Days before a unit's first exposure whose behaviour is CUPED's covariate.
    pre_period_days: Mapped[int] = mapped_column(Integer, default=14)
    #: Share of the traffic that takes part at all (the rest sees the shop as it is).
    traffic: Mapped[float] = mapped_column(Float, default=1.0)
    started_at: Mapped[datetime | None] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("kind in ('recommendations','content','messages','holdout')",
                        name="kind"),
        CheckConstraint("status in ('draft','running','stopped')", name="status"),
        CheckConstraint("traffic > 0 and traffic <= 1", name="traffic"),
        CheckConstraint("pre_period_days >= 0", name="pre_period_days"),
    )


class ExperimentArm(Base):
    """One arm: its ``share`` of the experiment's units, whether it is the ``control`` the
    others are compared with, and ``config``, what it changes (by the experiment's kind)."""

    __tablename__ = "experiment_arms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    control: Mapped[bool] = mapped_column(Boolean, default=False)
    config: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

    __table_args__ = (
        UniqueConstraint("experiment_id", "key"),
        CheckConstraint("share > 0 and share <= 1", name="share"),
    )


class ExperimentExposure(Base):
    """A unit (with tracking consent) shown an arm: when first and last, and how often."""

    __tablename__ = "experiment_exposures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                         index=True)
    arm_key: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime] = mapped_column()
    last_at: Mapped[datetime] = mapped_column()
    renders: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("experiment_id", "unit_id", "arm_key"),
        Index("ix_experiment_exposures_experiment_first", "experiment_id", "first_at"),
    )


class ExperimentTally(Base):
    """Anonymous per-arm, per-day totals of units measured without tracking consent:
    ``metric`` is ``renders`` or an outcome (``rec_click``, ``add_to_cart``, ``purchase``,
    ``rec_dismiss``); ``count`` events, ``amount`` their value (purchases: revenue)."""

    __tablename__ = "experiment_tallies"

    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True)
    arm_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))

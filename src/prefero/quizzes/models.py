"""Stored quiz definitions (every version kept), sessions, and the traits quizzes measure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["CustomerTrait", "QuizSession", "QuizVersion"]


class QuizVersion(Base):
    """One published version of a definition. Versions are never changed: a running session
    keeps the version it started with."""

    __tablename__ = "quiz_versions"

    quiz_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizSession(Base):
    __tablename__ = "quiz_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    # Null for a visitor who gave no id. Erasure sweeps this column like any customer_id.
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"))
    # Answers in the order given: [{"question_id": ..., "option_ids": [...], "value": ...,
    # "text": ..., "answered_at": ...}]; going back pops the last one.
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")
    stored: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_quiz_sessions_quiz", "quiz_id", "version", "started_at"),
        Index("ix_quiz_sessions_customer", "customer_id"),
    )


class CustomerTrait(Base):
    """A psychographic score (Big Five dimension or growth mindset) and where it came from."""

    __tablename__ = "customer_traits"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    trait: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

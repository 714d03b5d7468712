"""What remains after an erasure: a keyed hash of the id and the time, nothing else; and the
promises to retrain the artefacts it touched and to vacuum the tables it deleted from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["ErasureReceipt", "PendingRetrain", "PendingScrub"]


class ErasureReceipt(Base):
    __tablename__ = "erasure_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingRetrain(Base):
    """A promise that the trained artefacts will be rebuilt by ``due_at``, because an erasure
    removed data they were trained on. Names no customer: the reason is a fixed word."""

    __tablename__ = "pending_retrains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()


class PendingScrub(Base):
    """A promise that ``prefero maintain`` will ``VACUUM`` these tables (PostgreSQL) by
    ``due_at``, so that an erasure's dead tuples leave the heap and the indexes. Names tables
    (comma-separated), never a customer."""

    __tablename__ = "pending_scrubs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tables: Mapped[str] = mapped_column(String(2000))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()

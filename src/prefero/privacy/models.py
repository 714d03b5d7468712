"""What remains after an erasure: a keyed hash of the id and the time, nothing else; and the
promise to retrain the artefacts it touched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["ErasureReceipt", "PendingRetrain"]


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

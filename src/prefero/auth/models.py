"""What the database keeps about customer tokens: a "not before" time per customer (revoking
every token issued earlier) and the one-time codes that open the preference center."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base

__all__ = ["ExchangeCode", "TokenRevocation"]


class TokenRevocation(Base):
    """Tokens of ``customer_id`` issued before ``not_before`` are refused.

    No foreign key: a shop may sign in (and revoke) a customer Prefero has not seen yet.
    """

    __tablename__ = "customer_token_revocations"

    customer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    not_before: Mapped[datetime] = mapped_column()


class ExchangeCode(Base):
    """A one-time code for ``/session/exchange``. Only its SHA-256 is stored, so the table
    never holds something that could be replayed; the row is deleted on first use."""

    __tablename__ = "token_exchange_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    expires_at: Mapped[datetime] = mapped_column()

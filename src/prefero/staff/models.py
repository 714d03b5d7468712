"""One row per staff account. No customer id anywhere: a customer's erasure has nothing to
remove here, and a staff account is not in any customer's export."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["StaffAccount"]


class StaffAccount(Base):
    """A person of the shop who signs in to the dashboard."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Stored in lower case (``prefero.staff.accounts.normal_email``), so the unique
    #: constraint makes addresses unique whatever case they were typed in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: ``admin``, ``marketer`` or ``read_only`` (``prefero.staff.roles``).
    role: Mapped[str] = mapped_column(String(20))
    #: An argon2id hash in PHC form (``$argon2id$v=19$m=...``): parameters and salt inside.
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column()
    #: Sessions signed in before this moment end at their next request: a new password
    #: (or disabling the account) signs the account out everywhere.
    sessions_valid_from: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("role in ('admin','marketer','read_only')", name="role"),
    )

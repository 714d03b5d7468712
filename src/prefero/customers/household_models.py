"""The profiles of a household: an account ("me") and the people it shops for ("kids").

Every extra profile is backed by a customer row of its own, its *subject*, so that every
service keyed by a customer id (preferences, likes, rules, sizes, level, recommendations,
quizzes, search) works for a profile unchanged. This table maps (account, profile key) to
that subject. The main profile is the account itself and has no row here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["MAIN_PROFILE", "PROFILE_KEY_PATTERN", "PROFILE_KINDS", "HouseholdProfile"]

#: The key of the account's own profile: the account itself, with no row of its own.
MAIN_PROFILE = "main"
#: A profile's id in paths, forms and events: lower-case letters, digits and dashes.
PROFILE_KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}$"

#: What a profile is for; only the storefront's icon and wording depend on it.
PROFILE_KINDS = ("adult", "child", "teen", "other")


class HouseholdProfile(Base):
    """Personal data of the account holder: erased with the account (and with the subject)."""

    __tablename__ = "household_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: The profile's id in paths and forms: a slug, unique within the account.
    profile_key: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str | None] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                            unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("owner_id", "profile_key"),
        CheckConstraint("kind is null or kind in ('adult','child','teen','other')",
                        name="kind"),
    )

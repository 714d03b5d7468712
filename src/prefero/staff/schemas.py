"""What the staff services hand out: an account without its password hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from prefero.staff.roles import Role

__all__ = ["StaffOut"]


class StaffOut(BaseModel):
    """A staff account as the dashboard and the CLI show it (never the hash)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    email: str
    role: Role
    disabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    sessions_valid_from: datetime

    @property
    def actor(self) -> str:
        """How the audit log names this person."""
        return f"staff:{self.email}"

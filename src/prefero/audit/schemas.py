"""Response shapes of the audit log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuditEntryOut", "AuditPage", "CustomerAction"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class AuditEntryOut(_Out):
    """One recorded action, as admins read it."""

    id: int
    at: datetime
    actor: str = Field(description="key:<first 8 hex of the key's SHA-256>, customer:<id>, "
                                   "erased:<subject hash> or unknown")
    action: str = Field(description="What was done, e.g. customer.erase, catalog.import")
    target_kind: str | None = Field(description="customer, product, quiz, ... or null")
    target: str | None = Field(description="The record's id; the subject hash once the "
                                           "customer it names was erased")
    client: str | None = Field(description="The client address the request came from")


class AuditPage(_Out):
    """One page, newest first; pass ``next_cursor`` back for older entries (null: the end)."""

    items: list[AuditEntryOut]
    next_cursor: str | None


class CustomerAction(_Out):
    """An action on the customer's data, as the customer sees it in their own data view
    (without the client address, which may be someone else's)."""

    at: datetime
    actor: str
    action: str

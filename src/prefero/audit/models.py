"""One row per admin or privacy action. Rows are only ever added; the single permitted change
is the pseudonymisation an erasure performs (see ``prefero.audit.service``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, utcnow

__all__ = ["AuditEntry"]


class AuditEntry(Base):
    """An action taken through the API or the web forms.

    Deliberately no ``customer_id`` column: erasure sweeps every such column, and the audit
    trail must survive an erasure (pseudonymised), not vanish with it.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``key:<8 hex>``, ``customer:<id>``, ``erased:<subject hash>`` or ``unknown``.
    actor: Mapped[str] = mapped_column(String(220))
    #: ``customer.erase``, ``catalog.import`` ... (dotted, area first).
    action: Mapped[str] = mapped_column(String(60))
    #: What kind of record ``target`` names: ``customer``, ``product``, ``quiz`` ... or None.
    target_kind: Mapped[str | None] = mapped_column(String(20))
    #: The record's id; after the customer's erasure, the keyed subject hash instead.
    target: Mapped[str | None] = mapped_column(String(200))
    #: The client address as the proxy-aware middleware resolved it; cleared on erasure when
    #: the customer was the actor (an IP address is personal data).
    client: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_audit_log_target", "target_kind", "target", "id"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_action", "action", "id"),
    )

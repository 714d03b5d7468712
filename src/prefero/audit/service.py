"""Writing and reading the audit log. No HTTP here, and no way to change or delete an entry:
the only change ever made is ``pseudonymise_customer``, which erasure calls.

An entry is added to the caller's session, so it commits or rolls back with the action it
records: a failed action leaves no entry, a successful one always has one.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from prefero.audit.models import AuditEntry
from prefero.audit.schemas import AuditEntryOut, AuditPage
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput

__all__ = [
    "CUSTOMER",
    "MAX_PAGE_SIZE",
    "AuditFilter",
    "customer_actions",
    "list_entries",
    "pseudonymise_customer",
    "record",
]

CUSTOMER = "customer"
MAX_PAGE_SIZE = 200
_UNKNOWN_ACTOR = "unknown"
# The columns' widths (prefero.audit.models): longer values are cut, never refused, so that
# recording an action can never be what makes it fail.
_ACTOR_MAX, _TARGET_MAX, _CLIENT_MAX = 220, 200, 100


def record(session: Session, *, actor: str | None, action: str, target_kind: str | None = None,
           target: str | None = None, client: str | None = None) -> AuditEntry:
    """Add an entry to the caller's unit of work (it commits with the action).

    >>> record(session, actor="key:ab12cd34", action="customer.erase",
    ...        target_kind="customer", target="c1", client="203.0.113.9")  # doctest: +SKIP
    """
    entry = AuditEntry(at=utcnow(), actor=(actor or _UNKNOWN_ACTOR)[:_ACTOR_MAX],
                       action=action, target_kind=target_kind,
                       target=None if target is None else target[:_TARGET_MAX],
                       client=None if client is None else client[:_CLIENT_MAX])
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read; every field left as None matches everything."""

    actor: str | None = None
    action: str | None = None
    target_kind: str | None = None
    target: str | None = None
    since: datetime | None = None


def list_entries(session: Session, *, where: AuditFilter, cursor: str | None, limit: int
                 ) -> AuditPage:
    """A page of entries, newest first.

    >>> list_entries(session, where=AuditFilter(action="customer.erase"), cursor=None,
    ...              limit=50).items  # doctest: +SKIP
    []
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}",
                           [FieldError(("limit",), f"must be between 1 and {MAX_PAGE_SIZE}")])
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if cursor:
        query = query.where(AuditEntry.id < _decode_cursor(cursor))
    if where.actor is not None:
        query = query.where(AuditEntry.actor == where.actor)
    if where.action is not None:
        query = query.where(AuditEntry.action == where.action)
    if where.target_kind is not None:
        query = query.where(AuditEntry.target_kind == where.target_kind)
    if where.target is not None:
        query = query.where(AuditEntry.target == where.target)
    if where.since is not None:
        query = query.where(AuditEntry.at >= _utc(where.since))
    entries = list(session.scalars(query))
    more = len(entries) > limit
    entries = entries[:limit]
    return AuditPage(items=[AuditEntryOut.model_validate(e) for e in entries],
                     next_cursor=_encode_cursor(entries[-1].id) if more else None)


def customer_actions(session: Session, *, customer_id: str, limit: int = 100
                     ) -> list[AuditEntry]:
    """The newest ``limit`` actions on the customer's data or taken by the customer."""
    query = (select(AuditEntry)
             .where(or_(
                 (AuditEntry.target_kind == CUSTOMER) & (AuditEntry.target == customer_id),
                 AuditEntry.actor == f"{CUSTOMER}:{customer_id}"))
             .order_by(AuditEntry.id.desc()).limit(limit))
    return list(session.scalars(query))


def pseudonymise_customer(session: Session, *, customer_id: str, subject: str) -> int:
    """Replace the customer's id in every entry by ``subject`` (the keyed hash an erasure
    receipt keeps), and drop the client address of what the customer did themselves. The
    entries themselves stay: the log must still show that the actions happened. Returns how
    many entries changed.

    >>> pseudonymise_customer(session, customer_id="c1", subject="ab" * 32)  # doctest: +SKIP
    3
    """
    session.flush()  # entries added earlier in this unit of work are included
    about = session.execute(
        update(AuditEntry)
        .where(AuditEntry.target_kind == CUSTOMER, AuditEntry.target == customer_id)
        .values(target=subject).execution_options(synchronize_session=False))
    by = session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor == f"{CUSTOMER}:{customer_id}")
        .values(actor=f"erased:{subject}", client=None)
        .execution_options(synchronize_session=False))
    return int(getattr(about, "rowcount", 0)) + int(getattr(by, "rowcount", 0))


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # "0001-01-01T00:00:00+14:00" is before year 1 in UTC
        raise InvalidInput("since is out of range", [
            FieldError(("since",), "must be a time between the years 1 and 9999 in UTC")
        ]) from None


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"a:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
        # Bounded: a cursor is an id this API handed out, never a 40-digit number.
        if text.startswith("a:") and text[2:].isascii() and text[2:].isdigit() \
                and len(text) <= 12:
            return int(text[2:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("the cursor is not valid",
                       [FieldError(("cursor",), "not a cursor returned by this API")])

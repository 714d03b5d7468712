"""The audit log, for admins: who did what to which record, when and from where."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BeforeValidator

from prefero.api.deps import DbSession, require
from prefero.api.params import NO_CONTROL_CHARACTERS
from prefero.audit import service
from prefero.audit.schemas import AuditPage
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1/audit", tags=["audit"])
# No stored value holds a control character (PostgreSQL cannot even compare one): a filter
# with one is refused, not sent to the database.
_TEXT = NO_CONTROL_CHARACTERS


def _text_only(value: object) -> object:
    # Pydantic's lax mode reads a bare number as a Unix time; the contract says ISO-8601.
    if value is not None and not isinstance(value, str):
        raise ValueError("must be an ISO-8601 time with a UTC offset")
    if isinstance(value, str) and value.replace(".", "", 1).lstrip("-").isdigit():
        raise ValueError("must be an ISO-8601 time with a UTC offset, not a number")
    return value


@router.get("", dependencies=[Depends(require("admin"))])
def list_audit(
    session: DbSession,
    actor: Annotated[str | None, Query(min_length=1, max_length=220, pattern=_TEXT,
                                       description="e.g. key:ab12cd34 or customer:c1")] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=60, pattern=_TEXT,
                                        description="e.g. customer.erase")] = None,
    target_kind: Annotated[str | None, Query(min_length=1, max_length=20, pattern=_TEXT,
                                             description="customer, product, quiz ...")] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=200, pattern=_TEXT,
                                        description="The record's id (or subject hash)")] = None,
    since: Annotated[AwareDatetime | None, BeforeValidator(_text_only), Query(
        description="Only entries at or after this time (ISO-8601 with a UTC offset)")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
) -> AuditPage:
    """Entries newest first, a page at a time, filtered by actor, action, target and time."""
    where = service.AuditFilter(actor=actor, action=action, target_kind=target_kind,
                                target=target, since=since)
    try:
        return service.list_entries(session, where=where, cursor=cursor, limit=limit)
    except InvalidInput as exc:
        # The service names its arguments; on this API they arrived in the query string.
        raise InvalidInput(exc.detail, [FieldError(("query", *e.loc), e.msg)
                                        for e in exc.errors]) from exc

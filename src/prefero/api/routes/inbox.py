"""The customer's in-app inbox: the messages delivered to it, newest first, and marking one
read. The customer's own token or an API key with the scope (read to list, ingest to mark),
as for the customer's other routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from prefero.api.deps import DbSession, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.messaging import inbox_service as service
from prefero.messaging.inbox_service import InboxMessageOut, InboxPage

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["inbox"])

_READ = [Depends(own_customer("read"))]
_INGEST = [Depends(own_customer("ingest"))]

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The message's id from the "
                                                                "inbox listing")]


@router.get("/{customer_id}/inbox", dependencies=_READ)
def list_inbox(
    customer_id: CustomerId, session: DbSession,
    cursor: Annotated[str | None, Query(max_length=100,
                                        description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 20,
) -> InboxPage:
    """The messages delivered to the customer's in-app inbox, newest first, each with why
    it was sent and its one-click unsubscribe link, and how many are unread."""
    try:
        return service.inbox(session, customer_id=customer_id, limit=limit, cursor=cursor)
    except InvalidInput as exc:
        # The service names its arguments; here they arrived in the query string.
        raise InvalidInput(exc.detail, [FieldError(("query", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.post("/{customer_id}/inbox/{message_id}/read", dependencies=_INGEST,
             responses=problem_responses(404))
def read_message(customer_id: CustomerId, message_id: MessageId,
                 session: DbSession) -> InboxMessageOut:
    """Mark the message read (opened). Marking it again keeps the first time; a message
    that is not in this customer's inbox is 404."""
    return service.mark_read(session, customer_id=customer_id, message_id=message_id,
                             now=utcnow())

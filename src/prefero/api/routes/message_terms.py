"""The customer's terms for messages, and what was sent and queued with why.

Open to the shop's keys and to the customer's own token. Bad input is answered 422 with each
wrong field's path from the body (``["body", "quiet_hours", "start"]``) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.messaging.history import MAX_LIMIT, MessagesOut, message_history
from prefero.messaging.terms import MessageTermsIn, MessageTermsOut, get_terms, save_terms

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["messages"])

_OWN_READ = [Depends(own_customer("read"))]
_OWN_INGEST = [Depends(own_customer("ingest"))]
_CUSTOMER = ("customer", "customer_id")


@contextmanager
def _in_body() -> Iterator[None]:
    """The service names fields from the terms' root; FastAPI's own errors start with
    "body". One convention for the client."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/{customer_id}/message-terms", dependencies=_OWN_READ,
            responses=problem_responses(404))
def get_message_terms(customer_id: CustomerId, session: DbSession, runtime: Rt
                      ) -> MessageTermsOut:
    """The terms in force: each trigger on or off, each channel with the consent it needs,
    the caps as set and after fatigue, quiet hours, the preferred send time, the language."""
    return get_terms(session, customer_id=customer_id, settings=runtime.settings,
                     now=utcnow())


@router.put("/{customer_id}/message-terms",
            dependencies=[*_OWN_INGEST,
                          Depends(audited("message_terms.write", target=_CUSTOMER))])
def put_message_terms(customer_id: CustomerId, body: MessageTermsIn, session: DbSession,
                      runtime: Rt) -> MessageTermsOut:
    """Replace the terms (fields left out: the shop's defaults; ``quiet_hours: null``: none).
    Messages waiting for a trigger switched off or a channel no longer wanted are
    cancelled."""
    with _in_body():
        return save_terms(session, customer_id=customer_id, terms=body,
                          settings=runtime.settings, now=utcnow())


@router.get("/{customer_id}/messages", dependencies=_OWN_READ,
            responses=problem_responses(404))
def get_messages(customer_id: CustomerId, session: DbSession,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> MessagesOut:
    """What was sent and what is queued, newest first, each with why it was sent (and, for
    one that did not go, why not)."""
    return message_history(session, customer_id=customer_id, limit=limit)

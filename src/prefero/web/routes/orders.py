"""The visitor's orders placed at this shop, and sending a line back.

A return names the order line and why it goes back; the line is marked returned and a
``return`` event reports it with the line's size, so that the next size recommended for that
brand can move (``prefero.fit``). The customer is always the session's visitor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.delivery.service import customer_zone
from prefero.errors import PreferoError
from prefero.events.schemas import RETURN_REASONS
from prefero.i18n.catalogues import N_
from prefero.orders.service import orders_of, return_line
from prefero.runtime import Runtime
from prefero.types import EventType
from prefero.web.i18n import language_of
from prefero.web.identity import visitor
from prefero.web.order_words import delivery_words
from prefero.web.render import page
from prefero.web.visit_events import record

__all__ = ["router"]

router = APIRouter()

#: Why a line goes back, in the shopper's words, in the order the form offers them.
REASON_WORDS = {
    "too_small": N_("Too small"),
    "too_large": N_("Too large"),
    "not_as_described": N_("Not as described"),
    "changed_mind": N_("I changed my mind"),
}
assert tuple(REASON_WORDS) == RETURN_REASONS
_NOT_RETURNED = N_("That line could not be sent back: it is not in your orders or it was "
                   "already sent back.")


def _render(request: Request, session: Session, runtime: Runtime, *,
            problem: str | None = None, status_code: int = 200) -> Response:
    customer_id = visitor(request).customer_id
    orders = orders_of(session, customer_id=customer_id)
    time_zone = customer_zone(session, customer_id,
                              default=runtime.settings.content_time_zone)
    deliveries = {order.id: delivery_words(order.delivery, language=language_of(request),
                                           time_zone=time_zone) for order in orders}
    return page(request, "storefront/orders.html", session=session, runtime=runtime,
                orders=orders, deliveries=deliveries, reasons=REASON_WORDS, problem=problem,
                status_code=status_code)


@router.get("/orders")
def orders_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


@router.post("/orders/return")
def send_back(request: Request, session: DbSession, runtime: Rt,
              order_id: Annotated[str, Form(min_length=1, max_length=64)],
              position: Annotated[int, Form(ge=0, le=1000)],
              reason: Annotated[str, Form(min_length=1, max_length=20)]) -> Response:
    try:
        line = return_line(session, customer_id=visitor(request).customer_id,
                           order_id=order_id, position=position, reason=reason)
    except PreferoError:
        session.rollback()
        return _render(request, session, runtime, problem=_NOT_RETURNED, status_code=409)
    record(session, request, runtime, EventType.RETURN, product_id=line.product_id,
           quantity=line.quantity, reason=reason, order_id=order_id, size=line.size)
    return RedirectResponse("/orders", status_code=303)

"""The shop's pages report what the visitor does as events of the session's visitor: a
known customer by id, anyone else as the anonymous visitor the session stands for. Ingest
then decides, by consent, what is kept about the person."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from prefero.events.schemas import EventIn
from prefero.events.service import ingest
from prefero.runtime import Runtime
from prefero.types import EventType
from prefero.web.identity import visitor

__all__ = ["record", "visitor_event"]


def visitor_event(request: Request, kind: EventType, *, product_id: str | None,
                  placement: str | None = None, price: Decimal | None = None,
                  quantity: int | None = None, reason: str | None = None,
                  event_id: str | None = None, order_id: str | None = None,
                  **extra: Any) -> EventIn:
    """One event of the visitor's; a fresh id unless ``event_id`` is given (``extra``: the
    event's other fields, e.g. a size)."""
    who = visitor(request)
    person: dict[str, Any] = ({"customer_id": who.customer_id} if who.signed_in
                              else {"anonymous_id": who.customer_id})
    return EventIn(event_id=event_id or f"web-{uuid.uuid4().hex}", type=kind,
                   product_id=product_id, placement=placement, price=price,
                   quantity=quantity, reason=reason, order_id=order_id, **person, **extra)


def record(session: Session, request: Request, runtime: Runtime, kind: EventType, *,
           product_id: str | None, placement: str | None = None,
           price: Decimal | None = None, quantity: int | None = None,
           **extra: Any) -> None:
    """One event for the visitor. A fresh id per call: every click is its own event."""
    ingest(session, [visitor_event(request, kind, product_id=product_id, placement=placement,
                                   price=price, quantity=quantity, **extra)],
           settings=runtime.settings, experiments=runtime.experiments)

"""Taste boxes: the customer's subscriptions, their deliveries and the ratings of each item,
and the replenishment reminders from the customer's own purchase cadence.

Open to the shop's key and to the customer's own token. A box or delivery of another
customer answers 404, like one that does not exist. Bad input is 422 with each field's path
from the body's root (``["body", "budget"]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, Field

from prefero.api.deps import DbSession, Rt, own_customer, require
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerId
from prefero.api.problems import problem_responses
from prefero.boxes import service
from prefero.boxes.replenishment import Replenishment, due_soon, replenishments
from prefero.boxes.schemas import (
    BoxChange,
    BoxIn,
    BoxOut,
    DeliveryOut,
    ItemOut,
    RatingIn,
    ThemeOut,
)
from prefero.customers.repository import require_customer
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["boxes"])

_OWN_READ = [Depends(own_customer("read"))]
_OWN_WRITE = [Depends(own_customer("ingest"))]
_UNKNOWN = problem_responses(404)
_BOX = "/customers/{customer_id}/boxes/{box_id}"

BoxId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The box's id")]
Number = Annotated[int, Path(ge=1, le=2**31 - 1, description="The delivery's number")]
ProductId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)]


class Boxes(BaseModel):
    items: list[BoxOut]


class Themes(BaseModel):
    items: list[ThemeOut]


class Deliveries(BaseModel):
    items: list[DeliveryOut]


class Replenishments(BaseModel):
    due: list[Replenishment] = Field(description="Due within the shop's lead time: "
                                                 "'Running low?'")
    all: list[Replenishment] = Field(description="Every cadence the purchases show")


@contextmanager
def _in_body() -> Iterator[None]:
    """The service names fields from the body's root; FastAPI's own errors start with
    "body". One convention for the client."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/box-themes", dependencies=[Depends(require("read"))])
def list_themes(runtime: Rt) -> Themes:
    """The boxes the shop offers (``Settings.box_themes``)."""
    return Themes(items=service.list_themes(runtime.settings))


@router.get("/customers/{customer_id}/boxes", dependencies=_OWN_READ, responses=_UNKNOWN,
            tags=["customers"])
def list_boxes(customer_id: CustomerId, session: DbSession) -> Boxes:
    """The customer's boxes, oldest first, cancelled ones included."""
    return Boxes(items=service.list_boxes(session, customer_id=customer_id))


@router.post("/customers/{customer_id}/boxes", status_code=status.HTTP_201_CREATED,
             dependencies=_OWN_WRITE, responses=_UNKNOWN, tags=["customers"])
def subscribe(customer_id: CustomerId, body: BoxIn, session: DbSession, runtime: Rt
              ) -> BoxOut:
    """Subscribe to a box: its first delivery is composed at once, from the customer's
    likes and within their rules and the budget."""
    with _in_body():
        return service.subscribe(session, customer_id=customer_id, box=body, now=utcnow(),
                                 settings=runtime.settings, schema=runtime.facet_schema)


@router.patch(_BOX, dependencies=_OWN_WRITE, responses=_UNKNOWN, tags=["customers"])
def change_box(customer_id: CustomerId, box_id: BoxId, body: BoxChange, session: DbSession
               ) -> BoxOut:
    """Change the cadence or the budget, pause or resume."""
    with _in_body():
        return service.change_box(session, customer_id=customer_id, box_id=box_id,
                                  change=body, now=utcnow())


@router.delete(_BOX, dependencies=_OWN_WRITE, responses=_UNKNOWN, tags=["customers"])
def cancel_box(customer_id: CustomerId, box_id: BoxId, session: DbSession) -> BoxOut:
    """Cancel the box. Its deliveries and ratings stay, and keep teaching later boxes."""
    return service.cancel_box(session, customer_id=customer_id, box_id=box_id, now=utcnow())


@router.get(f"{_BOX}/deliveries", dependencies=_OWN_READ, responses=_UNKNOWN,
            tags=["customers"])
def list_deliveries(customer_id: CustomerId, box_id: BoxId, session: DbSession
                    ) -> Deliveries:
    """The box's deliveries, newest first, with each item's price and rating."""
    return Deliveries(items=service.deliveries(session, customer_id=customer_id,
                                               box_id=box_id))


@router.put(f"{_BOX}/deliveries/{{number}}/items/{{product_id}}/rating",
            dependencies=_OWN_WRITE, responses=_UNKNOWN, tags=["customers"])
def rate_item(customer_id: CustomerId, box_id: BoxId, number: Number, product_id: ProductId,
              body: RatingIn, session: DbSession) -> ItemOut:
    """Rate one item 1–5 stars. A 1-star item's brand and leaf category rank lower in the
    next box (and the item never returns); a 5-star item may return."""
    with _in_body():
        return service.rate_item(session, customer_id=customer_id, box_id=box_id,
                                 number=number, product_id=product_id, rating=body.rating,
                                 now=utcnow())


@router.get("/customers/{customer_id}/replenishment", dependencies=_OWN_READ,
            responses=_UNKNOWN, tags=["customers"])
def replenishment(customer_id: CustomerId, session: DbSession, runtime: Rt) -> Replenishments:
    """Consumables the customer buys regularly, each with its median interval and when it
    is next due (only with the customer's ``tracking`` consent; refunds don't count)."""
    require_customer(session, customer_id)
    found = replenishments(session, customer_id=customer_id, settings=runtime.settings)
    return Replenishments(all=found, due=due_soon(
        found, now=utcnow(), lead_days=runtime.settings.replenishment_lead_days))

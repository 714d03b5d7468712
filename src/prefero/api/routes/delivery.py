"""Delivery windows and wishes. The shop publishes its windows with an admin key
(``PUT /v1/delivery/windows``, every write in the audit log), as every other definition of
the shop (catalogue, quizzes, prompts, content) is written, and reads them with a read key;
a customer's options and wishes (``/v1/customers/{id}/delivery-...``) are open to a key and
to the customer's own token; a shop that checks out on its own side books an order's window
with an ingest key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import StringConstraints

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, own_customer, require
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.db.base import utcnow
from prefero.delivery import service
from prefero.delivery.readiness import MAX_CART
from prefero.delivery.schemas import Booking, BookingIn, DeliveryOptions, Windows, WindowsIn
from prefero.delivery.schemas import Wishes as WishesIn
from prefero.errors import FieldError, PreferoError

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["delivery"])

_CUSTOMER = ("customer", "customer_id")


def _empty_cart() -> list[str]:
    return []


# A product id as the catalogue stores them: no control characters (PostgreSQL text holds no
# NUL), at most 200 characters.
CartItem = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                            pattern=r"^[^\x00-\x1f\x7f]+$")]
CartQuery = Annotated[list[CartItem], Query(
    max_length=MAX_CART, default_factory=_empty_cart,
    description="The cart's product ids, one parameter each: ?cart=sku-1&cart=sku-2 "
                "(repeats allowed). An empty cart is ready after handling.")]


@contextmanager
def _located(*prefix: str | int) -> Iterator[None]:
    """The service points from the input's root; FastAPI's own errors start with "body" or
    "query". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except PreferoError as exc:
        if not exc.errors:
            raise
        exc.errors = [FieldError((*prefix, *e.loc), e.msg) for e in exc.errors]
        raise


@router.put("/delivery/windows", responses=problem_responses(409),
            dependencies=[Depends(require("admin")),
                          Depends(audited("delivery.windows.write"))])
def put_windows(body: WindowsIn, session: DbSession) -> Windows:
    """Replace the shop's upcoming windows in one idempotent write (an API key with the
    ``admin`` scope: the windows are the shop's own definition, like its catalogue; an
    ingest or read key is 403): each window is created or updated by its ``id``; windows
    starting later that the body leaves out are removed. A window with bookings keeps
    them: removing it, lowering its ``capacity`` below the booked count or moving its time
    or place is 409, naming ``["body", "windows", i, field]`` (``["body", "windows"]`` for
    one left out). A body wrong in itself (ends before
    it starts, a pick-up window without its point, an id twice) is 422 at the field."""
    with _located("body"):
        return Windows(items=service.replace_windows(session, body, now=utcnow()))


@router.get("/delivery/windows", dependencies=[Depends(require("read"))])
def get_windows(session: DbSession) -> Windows:
    """The shop's windows that have not ended, by start time, with their booked counts."""
    return Windows(items=service.list_windows(session, since=utcnow()))


@router.get("/customers/{customer_id}/delivery-options",
            dependencies=[Depends(own_customer("read"))])
def delivery_options(customer_id: CustomerId, session: DbSession, runtime: Rt,
                     language: Language, cart: CartQuery) -> DeliveryOptions:
    """Every window starting from now for the cart (``?cart=sku-1&cart=sku-2``): the
    available ones first, those matching the customer's wishes first with the reasons why
    (worded in the Accept-Language), then the full ones and those starting before the cart
    can be ready (``available: false``, with why). Wishes only order the list; they never
    remove a window. A product the shop does not sell: 422 at ``["query", "cart", i]``."""
    with _located("query"):
        return service.delivery_options(session, customer_id=customer_id, cart=cart,
                                        now=utcnow(), language=language,
                                        shop_zone=runtime.settings.content_time_zone)


@router.get("/customers/{customer_id}/delivery-preferences",
            dependencies=[Depends(own_customer("read"))])
def get_delivery_preferences(customer_id: CustomerId, session: DbSession) -> WishesIn:
    """The customer's delivery wishes (all empty when they declared none)."""
    return service.get_wishes(session, customer_id) or WishesIn()


@router.put("/customers/{customer_id}/delivery-preferences",
            dependencies=[Depends(own_customer("ingest")),
                          Depends(audited("delivery.wishes.write", target=_CUSTOMER))])
def put_delivery_preferences(customer_id: CustomerId, body: WishesIn, session: DbSession
                             ) -> WishesIn:
    """Replace the customer's delivery wishes, e.g. ``{"weekdays": [5], "hours":
    [{"start": 18, "end": 21}], "method": "pickup", "pickup_point_id": "centre", "speed":
    "green"}``; days 0 = Monday, hours on the customer's own clock. All empty forgets them.
    An hour range ending before it starts: 422 at ``["body", "hours", i, "end"]``; a
    pick-up point without method pickup: 422 at ``["body", "pickup_point_id"]``."""
    with _located("body"):
        return service.set_wishes(session, customer_id=customer_id, wishes=body)


@router.post("/customers/{customer_id}/delivery-bookings",
             status_code=status.HTTP_201_CREATED,
             responses={**problem_responses(409),
                        200: {"model": Booking, "description": "The order's booking, "
                                                               "already made"}},
             # Ingest, not admin: the shop's checkout books each order as it is placed, with
             # the key it already sends its events with; an admin key does not belong on
             # that hot path. A booking changes no definition: only one order's place.
             dependencies=[Depends(require("ingest")),
                           Depends(audited("delivery.book", target=_CUSTOMER))])
def book_delivery(customer_id: CustomerId, body: BookingIn, session: DbSession,
                  response: Response) -> Booking:
    """Book an order placed on the shop's side into a window: ``{"window_id":
    "sat-home-evening", "order_id": "o-1001"}``. Idempotent on the order id: the same
    booking again answers it (200). A full window, or an order booked already in another
    window or for another customer: 409; a window that is not upcoming: 422 at ``["body",
    "window_id"]``."""
    with _located("body"):
        booking, created = service.reserve(session, customer_id=customer_id,
                                           window_id=body.window_id, order_id=body.order_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return booking

"""Booking an order into a window, never past its capacity.

The place is taken by one conditional UPDATE (``booked = booked + 1 WHERE booked <
capacity``): the database decides, so two bookings racing for the last place cannot both
succeed (PostgreSQL re-checks the condition on the row the first one wrote; SQLite runs one
writer at a time). The booking row and the count change together in one savepoint, so a
refused booking leaves nothing behind even when the caller goes on with its unit of work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow
from prefero.delivery.schemas import Booking
from prefero.errors import Conflict, FieldError, InvalidInput

__all__ = ["book", "booking_out", "customer_bookings", "reserve"]


class _Full(Exception):
    """Raised inside the savepoint so that it rolls back."""


def booking_out(row: DeliveryBooking) -> Booking:
    return Booking(order_id=row.order_id, window_id=row.window_id,
                      customer_id=row.customer_id, created_at=row.created_at)


def _held(session: Session, order_id: str) -> DeliveryBooking | None:
    return session.scalar(select(DeliveryBooking).where(DeliveryBooking.order_id == order_id))


def _same(held: DeliveryBooking, *, customer_id: str, window_id: str) -> DeliveryBooking:
    if held.customer_id != customer_id or held.window_id != window_id:
        raise Conflict("this order is booked already, in another window or for another "
                       "customer", [FieldError(("order_id",), "booked already")])
    return held


def reserve(session: Session, *, customer_id: str, window_id: str, order_id: str,
            now: datetime | None = None) -> tuple[Booking, bool]:
    """Book ``order_id`` into ``window_id`` for the customer: the booking and whether it
    was made now. Booking the same order into the same window again answers the booking
    held (idempotent on the order id). ``InvalidInput`` at ``("window_id",)`` for a window
    the shop does not have or that has started; ``Conflict`` when the window is full, or
    the order is booked elsewhere (``("order_id",)``).

    >>> booking, created = reserve(session, customer_id="c1", window_id="mon-home-evening",
    ...                            order_id="o-1001")  # doctest: +SKIP
    >>> booking.window_id, created  # doctest: +SKIP
    ('mon-home-evening', True)
    """
    moment = now or utcnow()
    held = _held(session, order_id)
    if held is not None:
        return booking_out(_same(held, customer_id=customer_id, window_id=window_id)), False
    window = session.get(DeliveryWindow, window_id)
    if window is None or window.starts_at <= moment:
        raise InvalidInput("no such delivery window open for booking",
                           [FieldError(("window_id",), "not an upcoming delivery window")])
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})
    booking = DeliveryBooking(order_id=order_id, window_id=window_id,
                              customer_id=customer_id, created_at=moment)
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
            taken = session.execute(
                update(DeliveryWindow)
                .where(DeliveryWindow.id == window_id,
                       DeliveryWindow.booked < DeliveryWindow.capacity)
                .values(booked=DeliveryWindow.booked + 1)
                .execution_options(synchronize_session=False))
            assert isinstance(taken, CursorResult)
            if taken.rowcount != 1:
                raise _Full
    except _Full:
        raise Conflict("this delivery window is full",
                       [FieldError(("window_id",), "no places left")]) from None
    except IntegrityError:
        # The same order booked by a request that won the race.
        held = _held(session, order_id)
        if held is None:  # pragma: no cover - a constraint other than the order's
            raise
        return booking_out(_same(held, customer_id=customer_id, window_id=window_id)), False
    # The count changed in the database, not in the loaded row: read it again when asked.
    session.expire(window, ["booked"])
    return booking_out(booking), True


def book(session: Session, *, customer_id: str, window_id: str, order_id: str,
         now: datetime | None = None) -> Booking:
    """Book the order into the window at checkout (``reserve`` without the "made now"
    flag): ``Conflict`` when the window is full, ``InvalidInput`` at ``("window_id",)`` for
    a window that is not upcoming.

    >>> book(session, customer_id="c1", window_id="mon-home-evening",
    ...      order_id="o-1001").window_id  # doctest: +SKIP
    'mon-home-evening'
    """
    return reserve(session, customer_id=customer_id, window_id=window_id,
                   order_id=order_id, now=now)[0]


def customer_bookings(session: Session, customer_id: str) -> list[Booking]:
    """The customer's bookings, the newest first (their data export)."""
    rows = session.scalars(select(DeliveryBooking)
                           .where(DeliveryBooking.customer_id == customer_id)
                           .order_by(DeliveryBooking.created_at.desc(),
                                     DeliveryBooking.id.desc()))
    return [booking_out(row) for row in rows]

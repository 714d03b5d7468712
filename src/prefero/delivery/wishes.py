"""The customer's delivery wishes: read, replaced as a whole, exported, erased (cascade).

The hours are wall-clock hours of the customer's own time zone, so "18–21" stays the
evening when the clocks change.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryWish
from prefero.delivery.schemas import HourRange, Wishes
from prefero.errors import FieldError, InvalidInput

__all__ = ["clear_wishes", "get_wishes", "set_wishes"]


def get_wishes(session: Session, customer_id: str) -> Wishes | None:
    """The customer's wishes, or ``None`` when they declared none.

    >>> get_wishes(session, "c1")  # doctest: +SKIP
    Wishes(weekdays=[5], hours=[HourRange(start=18, end=21)], method='home', ...)
    """
    row = session.get(DeliveryWish, customer_id)
    if row is None:
        return None
    return Wishes(weekdays=list(row.weekdays),
                  hours=[HourRange(start=start, end=end) for start, end in row.hours],
                  method=row.method,
                  pickup_point_id=row.pickup_point_id,
                  speed=row.speed)


def _checked(wishes: Wishes) -> Wishes:
    """Every wrong field at once (paths from the wishes' root); the answer in stored form:
    days sorted without repeats, hours sorted by start."""
    errors = [FieldError(("hours", i, "end"), "must be after start")
              for i, r in enumerate(wishes.hours) if r.end <= r.start]
    if wishes.pickup_point_id is not None and wishes.method != "pickup":
        errors.append(FieldError(("pickup_point_id",),
                                 "a pick-up point goes with method 'pickup'"))
    if errors:
        raise InvalidInput("the delivery wishes are not usable", errors)
    hours = sorted({(r.start, r.end) for r in wishes.hours})
    return wishes.model_copy(update={
        "weekdays": sorted(set(wishes.weekdays)),
        "hours": [HourRange(start=start, end=end) for start, end in hours]})


def set_wishes(session: Session, *, customer_id: str, wishes: Wishes) -> Wishes:
    """Replace the customer's wishes (creating the customer when new); all-empty wishes
    remove them. ``InvalidInput`` names the field: ``("hours", i, "end")`` before its
    start, ``("pickup_point_id",)`` without ``method`` pickup.

    >>> set_wishes(session, customer_id="c1", wishes=Wishes(weekdays=[5, 5, 0]))
    ... # doctest: +SKIP
    Wishes(weekdays=[0, 5], hours=[], method=None, pickup_point_id=None, speed=None)
    """
    checked = _checked(wishes)
    if not checked.declared:
        clear_wishes(session, customer_id)
        return checked
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})
    row = session.get(DeliveryWish, customer_id)
    if row is None:
        row = DeliveryWish(customer_id=customer_id)
        session.add(row)
    row.weekdays = list(checked.weekdays)
    row.hours = [[r.start, r.end] for r in checked.hours]
    row.method, row.pickup_point_id = checked.method, checked.pickup_point_id
    row.speed, row.updated_at = checked.speed, utcnow()
    session.flush()
    return checked


def clear_wishes(session: Session, customer_id: str) -> bool:
    """Forget the customer's wishes; True when there were any."""
    result = session.execute(delete(DeliveryWish).where(
        DeliveryWish.customer_id == customer_id))
    return bool(getattr(result, "rowcount", 0))

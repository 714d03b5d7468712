"""The shop's delivery windows: one idempotent write replaces every upcoming window.

A window already booked keeps its bookings: it cannot be removed, shrunk below its booked
count, or moved to another time or place (its customers were promised that one) —
``Conflict`` naming the field. Windows that have started are history: a write that leaves
them out keeps them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryWindow
from prefero.delivery.schemas import WindowIn, WindowOut, WindowsIn
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound

__all__ = ["MAX_CAPACITY", "list_windows", "replace_windows", "set_capacity",
           "window_out"]

#: The most orders one window may take (``WindowIn.capacity``'s bound).
MAX_CAPACITY = 1_000_000


def window_out(row: DeliveryWindow) -> WindowOut:
    return WindowOut(id=row.id, method=row.method,
                     pickup_point_id=row.pickup_point_id,
                     pickup_point_name=row.pickup_point_name, starts_at=row.starts_at,
                     ends_at=row.ends_at, capacity=row.capacity, booked=row.booked,
                     price=row.price, currency=row.currency, green=row.green)


def list_windows(session: Session, *, since: datetime | None = None) -> list[WindowOut]:
    """The shop's windows (those ending after ``since``, when given), by start, then id.

    >>> [w.id for w in list_windows(session, since=now)]  # doctest: +SKIP
    ['mon-home-morning', 'mon-pickup-centre']
    """
    query = select(DeliveryWindow).order_by(DeliveryWindow.starts_at, DeliveryWindow.id)
    if since is not None:
        query = query.where(DeliveryWindow.ends_at > since)
    return [window_out(row) for row in session.scalars(query)]


def _shape_errors(windows: list[WindowIn]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, window in enumerate(windows):
        if window.id in seen:
            errors.append(FieldError(("windows", i, "id"), "the same id is given twice"))
        seen.add(window.id)
        if window.ends_at <= window.starts_at:
            errors.append(FieldError(("windows", i, "ends_at"), "must be after starts_at"))
        if window.method == "pickup" and window.pickup_point_id is None:
            errors.append(FieldError(("windows", i, "pickup_point_id"),
                                     "a pick-up window names its point"))
        if window.method == "home" and (window.pickup_point_id or window.pickup_point_name):
            errors.append(FieldError(("windows", i, "pickup_point_id"),
                                     "a home delivery window has no pick-up point"))
    return errors


def _booked_changes(i: int, window: WindowIn, row: DeliveryWindow) -> list[FieldError]:
    """What a write may not change in a window with bookings."""
    errors: list[FieldError] = []
    if window.capacity < row.booked:
        errors.append(FieldError(("windows", i, "capacity"),
                                 f"{row.booked} orders are booked in this window already; "
                                 f"give at least that many"))
    for name in ("starts_at", "ends_at", "method", "pickup_point_id"):
        if getattr(window, name) != getattr(row, name):
            errors.append(FieldError(("windows", i, name),
                                     f"{row.booked} orders are booked in this window; its "
                                     f"time and place cannot change"))
    return errors


def replace_windows(session: Session, body: WindowsIn, *, now: datetime) -> list[WindowOut]:
    """Make ``body.windows`` the shop's windows: each is written (created or updated by its
    id), and every window starting after ``now`` that the body leaves out is removed.
    Writing the same body twice leaves the same windows. ``InvalidInput`` (422) for a body
    wrong in itself; ``Conflict`` (409) where it would drop, shrink or move a booked window,
    at ``("windows", i, field)`` or, for a window left out, ``("windows",)``.

    >>> replace_windows(session, WindowsIn(windows=[...]), now=now)  # doctest: +SKIP
    [WindowOut(id='mon-home-morning', ...)]
    """
    errors = _shape_errors(body.windows)
    if errors:
        raise InvalidInput("the delivery windows are not usable", errors)
    # Locked (PostgreSQL): a booking racing this write waits, then sees the new capacity.
    rows = {row.id: row for row in session.scalars(
        select(DeliveryWindow).with_for_update().execution_options(populate_existing=True))}
    conflicts: list[FieldError] = []
    for i, window in enumerate(body.windows):
        row = rows.get(window.id)
        if row is not None and row.booked:
            conflicts.extend(_booked_changes(i, window, row))
    given = {window.id for window in body.windows}
    dropped = [row for row in rows.values() if row.id not in given and row.starts_at > now]
    conflicts.extend(FieldError(("windows",), f"window {row.id!r} has {row.booked} bookings "
                                              f"and cannot be removed")
                     for row in sorted(dropped, key=lambda r: r.id) if row.booked)
    if conflicts:
        raise Conflict("booked windows keep their bookings", conflicts)
    if dropped:
        session.execute(delete(DeliveryWindow).where(
            DeliveryWindow.id.in_([row.id for row in dropped])))
    stamp = utcnow()
    for window in body.windows:
        row = rows.get(window.id)
        if row is None:
            row = DeliveryWindow(id=window.id, booked=0)
            session.add(row)
        row.method, row.green = window.method, window.green
        row.pickup_point_id, row.pickup_point_name = (window.pickup_point_id,
                                                      window.pickup_point_name)
        row.starts_at, row.ends_at = window.starts_at, window.ends_at
        # Cents, as the column keeps them: the answer to a write reads as the next read does.
        row.capacity, row.currency = window.capacity, window.currency
        row.price = window.price.quantize(Decimal("0.01"))
        row.updated_at = stamp
    session.flush()
    return list_windows(session)


def set_capacity(session: Session, window_id: str, *, capacity: int) -> WindowOut:
    """Change one window's capacity, by the rules ``replace_windows`` applies to it: from 0
    to ``MAX_CAPACITY`` (``InvalidInput`` at ``("capacity",)``), and never below the orders
    booked in it (``Conflict`` at ``("capacity",)``); ``NotFound`` for a window the shop
    does not have. Everything else about the window stays as it is.

    >>> set_capacity(session, "mon-home-evening", capacity=12).capacity  # doctest: +SKIP
    12
    """
    if not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidInput("the capacity is out of range", [FieldError(
            ("capacity",), f"a whole number from 0 to {MAX_CAPACITY}")])
    # Locked (PostgreSQL) as in replace_windows: a booking racing this write waits, then
    # sees the new capacity; the booked count compared below is the one in force.
    row = session.scalars(select(DeliveryWindow).where(DeliveryWindow.id == window_id)
                          .with_for_update()
                          .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound(f"no delivery window {window_id!r}")
    if capacity < row.booked:
        raise Conflict("booked windows keep their bookings", [FieldError(
            ("capacity",), f"{row.booked} orders are booked in this window already; give "
                           f"at least that many")])
    row.capacity = capacity
    row.updated_at = utcnow()
    session.flush()
    return window_out(row)

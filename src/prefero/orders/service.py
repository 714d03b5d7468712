"""Placing an order and reading a customer's orders back.

Placing is one write of the order and its lines in the caller's transaction, so that what
else checkout does in the same transaction (booking a delivery window, taking configured
options from stock, the purchase events) stands or falls with it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.events.schemas import RETURN_REASONS
from prefero.orders.models import Order, OrderLine
from prefero.orders.schemas import OrderLineIn, OrderLineOut, OrderOut

__all__ = ["MAX_LINES", "checkout_order_id", "exported_orders", "get_order", "has_order",
           "move_orders", "new_order_id", "orders_of", "place_order", "return_line"]

#: Lines one order may hold (the demo cart holds fewer).
MAX_LINES = 100


def new_order_id() -> str:
    """A fresh order id, known before the order is written (a booking names it first).

    >>> len(new_order_id())
    32
    """
    return uuid.uuid4().hex


def checkout_order_id(*, customer_id: str, token: str) -> str:
    """The id of the order one checkout form places: the same for every post of that form,
    so that a double click or a reload finds the order placed instead of placing another.

    >>> checkout_order_id(customer_id="c-1", token="t") == checkout_order_id(
    ...     customer_id="c-1", token="t") != checkout_order_id(customer_id="c-2", token="t")
    True
    """
    return hashlib.sha256(f"{customer_id}\x1f{token}".encode()).hexdigest()[:32]


def has_order(session: Session, *, customer_id: str, order_id: str) -> bool:
    """Whether the customer has placed this order."""
    order = session.get(Order, order_id)
    return order is not None and order.customer_id == customer_id


def place_order(session: Session, *, customer_id: str, lines: Sequence[OrderLineIn],
                currency: str, delivery: Mapping[str, Any] | None = None,
                order_id: str | None = None, extra_charge: Decimal = Decimal(0),
                anonymous: bool = False) -> OrderOut:
    """Write an order with its lines; the total is the lines' prices times quantities, plus
    ``extra_charge`` (the delivery's price). The customer row is created when missing (a
    visitor who allowed nothing has none yet), ``anonymous`` saying what it is.

    >>> order = place_order(session, customer_id="c-1", currency="PLN", lines=[
    ...     OrderLineIn(product_id="p-1", title="Shirt", unit_price=Decimal("99.00"))]
    ... )  # doctest: +SKIP
    >>> order.total  # doctest: +SKIP
    Decimal('99.00')
    """
    if not lines:
        raise InvalidInput("An order needs at least one line.",
                           errors=[FieldError(loc=("lines",), msg="no lines")])
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"An order holds at most {MAX_LINES} lines.",
                           errors=[FieldError(loc=("lines",), msg=f"more than {MAX_LINES}")])
    ensure_customers(session, {customer_id: anonymous})
    total = sum((line.unit_price * line.quantity for line in lines), extra_charge)
    order = Order(id=order_id or new_order_id(), customer_id=customer_id, currency=currency,
                  total=total, delivery=dict(delivery) if delivery is not None else None)
    session.add(order)
    session.flush()
    session.add_all(OrderLine(order_id=order.id, position=position, **line.model_dump())
                    for position, line in enumerate(lines))
    session.flush()
    return _out(order, session)


def _outs(session: Session, orders: Sequence[Order]) -> list[OrderOut]:
    """The orders with their lines, read in one query for all of them."""
    lines: dict[str, list[OrderLineOut]] = {order.id: [] for order in orders}
    if lines:
        for row in session.scalars(select(OrderLine).where(OrderLine.order_id.in_(lines))
                                   .order_by(OrderLine.order_id, OrderLine.position)):
            lines[row.order_id].append(OrderLineOut(
                position=row.position, product_id=row.product_id, title=row.title,
                quantity=row.quantity, unit_price=row.unit_price,
                configuration=row.configuration, size=row.size,
                measurements=row.measurements, return_reason=row.return_reason,
                returned_at=row.returned_at))
    return [OrderOut(id=order.id, currency=order.currency, total=order.total,
                     delivery=order.delivery, placed_at=order.placed_at,
                     lines=lines[order.id]) for order in orders]


def _out(order: Order, session: Session) -> OrderOut:
    return _outs(session, [order])[0]


def get_order(session: Session, *, customer_id: str, order_id: str) -> OrderOut:
    """One of the customer's orders; another customer's order is not found, like a missing
    one (its existence is not theirs to learn)."""
    order = session.get(Order, order_id)
    if order is None or order.customer_id != customer_id:
        raise NotFound(f"No order {order_id!r}.")
    return _out(order, session)


def orders_of(session: Session, *, customer_id: str, limit: int = 50) -> list[OrderOut]:
    """The customer's orders, newest first."""
    rows = session.scalars(select(Order).where(Order.customer_id == customer_id)
                           .order_by(Order.placed_at.desc(), Order.id).limit(limit)).all()
    return _outs(session, rows)


def exported_orders(session: Session, customer_id: str) -> list[OrderOut]:
    """Every order of the customer, for the data export."""
    rows = session.scalars(select(Order).where(Order.customer_id == customer_id)
                           .order_by(Order.placed_at, Order.id)).all()
    return _outs(session, rows)


def move_orders(session: Session, *, anonymous_id: str, customer_id: str) -> int:
    """Give a visitor's orders to the customer the visitor turned out to be (merge)."""
    result = session.execute(update(Order).where(Order.customer_id == anonymous_id)
                             .values(customer_id=customer_id))
    return int(getattr(result, "rowcount", 0))


def return_line(session: Session, *, customer_id: str, order_id: str, position: int,
                reason: str) -> OrderLineOut:
    """Mark one line of the customer's order as sent back, with why; a line goes back once.

    >>> return_line(session, customer_id="c-1", order_id="o-1", position=0,
    ...             reason="too_small").return_reason  # doctest: +SKIP
    'too_small'
    """
    if reason not in RETURN_REASONS:
        raise InvalidInput("Unknown return reason.", errors=[FieldError(
            loc=("reason",), msg=f"one of {', '.join(RETURN_REASONS)}")])
    order = get_order(session, customer_id=customer_id, order_id=order_id)
    row = session.get(OrderLine, (order.id, position))
    if row is None:
        raise NotFound(f"Order {order_id!r} has no line {position}.")
    if row.returned_at is not None:
        raise Conflict("This line was already sent back.")
    row.return_reason, row.returned_at = reason, utcnow()
    session.flush()
    return next(line for line in _out(session.get_one(Order, order.id), session).lines
                if line.position == position)

"""Orders: placed with their lines' copies, totals as the lines add up, read back only by
their customer, a line sent back once with a known reason, moved to the customer a visitor
turns out to be, and gone with an erased customer. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import customer
from prefero.customers.merge import merge_customers
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.orders.models import Order, OrderLine
from prefero.orders.schemas import OrderLineIn
from prefero.orders.service import (
    get_order,
    orders_of,
    place_order,
    return_line,
)
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime

SHIRT = OrderLineIn(product_id="shirt", title="Oxford shirt", quantity=2,
                    unit_price=Decimal("129.99"), size="M")
SUIT = OrderLineIn(product_id="suit", title="Suit", unit_price=Decimal("1499.00"),
                   measurements={"chest_cm": 98, "fit": "slim"})


def test_an_order_keeps_its_lines_and_adds_them_up(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        placed = place_order(session, customer_id="c1", currency="PLN", lines=[SHIRT, SUIT],
                             delivery={"window_id": "w1", "label": "Saturday 10:00–12:00"})
    assert placed.total == Decimal("129.99") * 2 + Decimal("1499.00")
    with runtime.session() as session:
        again = get_order(session, customer_id="c1", order_id=placed.id)
    assert [(line.position, line.product_id, line.size) for line in again.lines] == [
        (0, "shirt", "M"), (1, "suit", None)]
    assert again.lines[1].measurements == {"chest_cm": 98, "fit": "slim"}
    assert again.delivery == {"window_id": "w1", "label": "Saturday 10:00–12:00"}


def test_an_order_needs_lines(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        with pytest.raises(InvalidInput) as refused:
            place_order(session, customer_id="c1", currency="PLN", lines=[])
        assert [e.loc for e in refused.value.errors] == [("lines",)]
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_another_customer_cannot_read_an_order(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        customer(session, "c2")
        placed = place_order(session, customer_id="c1", currency="PLN", lines=[SHIRT])
    with runtime.session() as session:
        with pytest.raises(NotFound):
            get_order(session, customer_id="c2", order_id=placed.id)
        assert orders_of(session, customer_id="c2") == []


def test_a_line_goes_back_once_with_a_known_reason(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        customer(session, "c2")
        placed = place_order(session, customer_id="c1", currency="PLN", lines=[SHIRT, SUIT])
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput) as refused:
            return_line(session, customer_id="c1", order_id=placed.id, position=0,
                        reason="bored")
        assert [e.loc for e in refused.value.errors] == [("reason",)]
        with pytest.raises(NotFound):
            return_line(session, customer_id="c2", order_id=placed.id, position=0,
                        reason="too_small")
        with pytest.raises(NotFound):
            return_line(session, customer_id="c1", order_id=placed.id, position=5,
                        reason="too_small")
        line = return_line(session, customer_id="c1", order_id=placed.id, position=0,
                           reason="too_small")
        assert line.return_reason == "too_small" and line.returned_at is not None
        with pytest.raises(Conflict):
            return_line(session, customer_id="c1", order_id=placed.id, position=0,
                        reason="too_large")
    with runtime.session() as session:
        lines = get_order(session, customer_id="c1", order_id=placed.id).lines
    assert [line.return_reason for line in lines] == ["too_small", None]


def test_a_visitors_orders_follow_them_into_their_account(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "anon-1").anonymous = True
        customer(session, "c1")
        placed = place_order(session, customer_id="anon-1", currency="PLN", lines=[SHIRT])
    with runtime.session(write=True) as session:
        merge_customers(session, anonymous_id="anon-1", customer_id="c1",
                        settings=runtime.settings)
    with runtime.session() as session:
        assert [order.id for order in orders_of(session, customer_id="c1")] == [placed.id]


def test_orders_are_in_the_export_and_gone_after_erasure(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        placed = place_order(session, customer_id="c1", currency="PLN", lines=[SHIRT, SUIT])
    with runtime.session() as session:
        exported = customer_data(session, customer_id="c1", settings=runtime.settings)
    assert [order.id for order in exported.orders] == [placed.id]
    assert exported.orders[0].lines[1].measurements == {"chest_cm": 98, "fit": "slim"}
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="c1", settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
        assert session.scalar(select(func.count()).select_from(OrderLine)) == 0

"""One window's capacity changed on its own (the console's form): the same rules as the
shop's whole write of its windows — never below the orders booked, within the schema's
bounds, nothing else of the window touched, a refused change leaving it as it was. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow
from prefero.delivery.schemas import WindowIn, WindowsIn
from prefero.delivery.service import book, replace_windows
from prefero.delivery.windows import MAX_CAPACITY, list_windows, set_capacity
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.runtime import Runtime


def _publish(runtime: Runtime, *, capacity: int = 3) -> None:
    start = utcnow().replace(microsecond=0) + timedelta(hours=5)
    window = WindowIn(id="sat-evening", method="pickup", pickup_point_id="centre",
                      pickup_point_name="Centre", starts_at=start,
                      ends_at=start + timedelta(hours=3), capacity=capacity,
                      price=Decimal("4.50"), currency="PLN", green=True)
    with runtime.session(write=True) as session:
        replace_windows(session, WindowsIn(windows=[window]), now=utcnow())


def _book(runtime: Runtime, n: int) -> None:
    for i in range(n):
        with runtime.session(write=True) as session:
            book(session, customer_id=f"c{i}", window_id="sat-evening", order_id=f"o{i}")


def _row(runtime: Runtime) -> tuple[int, int, Decimal, bool, str | None]:
    with runtime.session() as session:
        row = session.get(DeliveryWindow, "sat-evening")
        assert row is not None
        return row.capacity, row.booked, row.price, row.green, row.pickup_point_id


def test_a_capacity_above_the_booked_count_is_stored_and_nothing_else_changes(
        runtime: Runtime) -> None:
    _publish(runtime)
    _book(runtime, 2)
    with runtime.session(write=True) as session:
        out = set_capacity(session, "sat-evening", capacity=2)
    assert (out.capacity, out.booked) == (2, 2)
    assert _row(runtime) == (2, 2, Decimal("4.50"), True, "centre")
    with runtime.session(write=True) as session:
        set_capacity(session, "sat-evening", capacity=40)
        assert [w.capacity for w in list_windows(session)] == [40]


def test_below_the_booked_count_is_a_conflict_at_capacity_and_nothing_changes(
        runtime: Runtime) -> None:
    _publish(runtime)
    _book(runtime, 2)
    with pytest.raises(Conflict) as refused, runtime.session(write=True) as session:
        set_capacity(session, "sat-evening", capacity=1)
    assert [e.loc for e in refused.value.errors] == [("capacity",)]
    assert "2 orders are booked" in refused.value.errors[0].msg
    assert _row(runtime)[:2] == (3, 2)


@pytest.mark.parametrize("capacity", [-1, MAX_CAPACITY + 1])
def test_out_of_range_is_invalid_at_capacity(runtime: Runtime, capacity: int) -> None:
    _publish(runtime)
    with pytest.raises(InvalidInput) as refused, runtime.session(write=True) as session:
        set_capacity(session, "sat-evening", capacity=capacity)
    assert [e.loc for e in refused.value.errors] == [("capacity",)]
    assert _row(runtime)[0] == 3


def test_a_window_the_shop_does_not_have_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound), runtime.session(write=True) as session:
        set_capacity(session, "nope", capacity=3)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(booked=st.integers(0, 4), asked=st.integers(-2, 8))
def test_the_capacity_never_ends_below_the_booked_count(runtime: Runtime, booked: int,
                                                        asked: int) -> None:
    """Whatever is asked, the window afterwards holds its bookings: the change is made
    exactly when ``booked <= asked``, and the capacity is otherwise the one before."""
    with runtime.session(write=True) as session:
        session.execute(delete(DeliveryBooking))
        session.execute(delete(DeliveryWindow))
    _publish(runtime, capacity=4)
    _book(runtime, booked)
    try:
        with runtime.session(write=True) as session:
            set_capacity(session, "sat-evening", capacity=asked)
    except (Conflict, InvalidInput):
        assert asked < booked or asked < 0
        assert _row(runtime)[0] == 4
    else:
        assert asked >= booked
        assert _row(runtime)[0] == asked
    assert _row(runtime)[1] <= _row(runtime)[0]

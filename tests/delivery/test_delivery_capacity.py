"""Bookings never pass a window's capacity: the last place goes to exactly one of several
racing orders (threads with their own units of work, on SQLite and PostgreSQL); a full
window is a Conflict; booking is idempotent on the order id; the shop's write of its
windows keeps the booked ones."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from factories import add_products, product
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow
from prefero.delivery.schemas import WindowIn, WindowsIn
from prefero.delivery.service import book, delivery_options, replace_windows, reserve
from prefero.errors import Conflict, InvalidInput
from prefero.runtime import Runtime


def _window(wid: str, *, hours: int = 5, capacity: int = 1, at: datetime | None = None,
            **changes: object) -> WindowIn:
    """A window ``hours`` after ``at`` (else the clock now): a test that writes a window
    again passes one ``at``, as a booked window may not move by even a second."""
    start = (at or utcnow()).replace(microsecond=0) + timedelta(hours=hours)
    values: dict[str, object] = {
        "id": wid, "method": "home", "starts_at": start, "ends_at": start + timedelta(hours=3),
        "capacity": capacity, "price": Decimal("9.99"), "currency": "PLN"}
    values.update(changes)
    return WindowIn.model_validate(values)


def _publish(runtime: Runtime, *windows: WindowIn) -> None:
    with runtime.session(write=True) as session:
        replace_windows(session, WindowsIn(windows=list(windows)), now=utcnow())


def _booked(runtime: Runtime, wid: str) -> int:
    with runtime.session() as session:
        row = session.get(DeliveryWindow, wid)
        assert row is not None
        return row.booked


def test_two_orders_racing_for_the_last_place_cannot_both_get_it(runtime: Runtime) -> None:
    _publish(runtime, _window("last-place", capacity=3))
    contenders = 8
    barrier = threading.Barrier(contenders)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            with runtime.session(write=True) as session:
                book(session, customer_id=f"c{n}", window_id="last-place", order_id=f"o{n}")
            result = "booked"
        except Conflict:
            result = "full"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] * 3 + ["full"] * 5
    assert _booked(runtime, "last-place") == 3
    with runtime.session() as session:
        assert session.query(DeliveryBooking).count() == 3


def test_a_full_window_is_refused_and_leaves_nothing_behind(runtime: Runtime) -> None:
    _publish(runtime, _window("one", capacity=1))
    with runtime.session(write=True) as session:
        book(session, customer_id="a", window_id="one", order_id="o-a")
    with runtime.session(write=True) as session:
        with pytest.raises(Conflict) as refused:
            book(session, customer_id="b", window_id="one", order_id="o-b")
        assert [e.loc for e in refused.value.errors] == [("window_id",)]
        # The caller goes on with its unit of work: the refused booking is not in it.
        session.flush()
        assert session.query(DeliveryBooking).filter_by(order_id="o-b").count() == 0
    assert _booked(runtime, "one") == 1


def test_booking_is_idempotent_on_the_order_id(runtime: Runtime) -> None:
    _publish(runtime, _window("w1", capacity=5), _window("w2", capacity=5))
    with runtime.session(write=True) as session:
        first, created = reserve(session, customer_id="a", window_id="w1", order_id="o-1")
        again, created_again = reserve(session, customer_id="a", window_id="w1",
                                       order_id="o-1")
        assert (created, created_again) == (True, False)
        assert again == first
        with pytest.raises(Conflict):
            reserve(session, customer_id="a", window_id="w2", order_id="o-1")
        with pytest.raises(InvalidInput) as unknown:
            reserve(session, customer_id="a", window_id="nope", order_id="o-2")
        assert [e.loc for e in unknown.value.errors] == [("window_id",)]
    assert _booked(runtime, "w1") == 1


def test_the_shops_write_keeps_booked_windows(runtime: Runtime) -> None:
    at = utcnow()
    _publish(runtime, _window("kept", capacity=2, at=at),
             _window("free", capacity=2, hours=8, at=at))
    with runtime.session(write=True) as session:
        book(session, customer_id="a", window_id="kept", order_id="o-1")
        book(session, customer_id="b", window_id="kept", order_id="o-2")
    with runtime.session(write=True) as session:
        with pytest.raises(Conflict) as dropped:
            replace_windows(session, WindowsIn(windows=[]), now=utcnow())
        assert [e.loc for e in dropped.value.errors] == [("windows",)]
        with pytest.raises(Conflict) as shrunk:
            replace_windows(session, WindowsIn(windows=[_window("kept", capacity=1, at=at)]),
                            now=utcnow())
        assert [e.loc for e in shrunk.value.errors] == [("windows", 0, "capacity")]
        session.rollback()
    # Dropping the free one, raising the capacity and the price of the booked one: fine,
    # and the same write twice gives the same windows.
    body = WindowsIn(windows=[_window("kept", capacity=4, price=Decimal("5"), at=at)])
    with runtime.session(write=True) as session:
        once = replace_windows(session, body, now=utcnow())
    with runtime.session(write=True) as session:
        twice = replace_windows(session, body, now=utcnow())
    assert once == twice
    assert [(w.id, w.capacity, w.booked, w.price) for w in twice] == [
        ("kept", 4, 2, Decimal("5.00"))]


def test_options_leave_out_nothing_a_wish_could_hide(runtime: Runtime) -> None:
    _publish(runtime, _window("soon", hours=1, capacity=3), _window("later", capacity=3),
             _window("full", hours=6, capacity=0))
    with runtime.session(write=True) as session:
        add_products(session, [product("sku-1", category="Bread"),
                               product("sku-2", category="Bread", availability="backorder")])
    with runtime.session() as session:
        options = delivery_options(session, customer_id="a", cart=["sku-1"], now=utcnow())
        assert [(o.window.id, o.available) for o in options.options] == [
            ("later", True), ("soon", False), ("full", False)]
        assert [r.code for r in options.options[1].reasons] == ["not_ready"]
        backordered = delivery_options(session, customer_id="a", cart=["sku-2"],
                                       now=utcnow())
        assert not any(o.available for o in backordered.options)
        with pytest.raises(InvalidInput) as unknown:
            delivery_options(session, customer_id="a", cart=["sku-1", "gone"], now=utcnow())
        assert [e.loc for e in unknown.value.errors] == [("cart", 1)]

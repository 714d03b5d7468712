"""Checkout as one transaction over the shop's parts: a saved configuration is ordered at
the price its configurator gives now, with its choices copied and its options taken from
stock; a made-to-measure product needs the fit consent and the measurements its maker needs,
and then carries them; a delivery window is booked, priced into the total, and a full window
refuses the whole order. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import add_products, consent, customer, product
from prefero.configurators.models import OptionStock
from prefero.configurators.service import defaults_for, save_configuration, stock_levels
from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryBooking, DeliveryWindow
from prefero.delivery.service import checkout_delivery
from prefero.errors import Conflict
from prefero.fit.schemas import MeasurementsIn
from prefero.fit.service import put_measurements
from prefero.orders.cart import CartEntry
from prefero.orders.checkout import CheckoutRefused, Shop, cart_lines, place_checkout
from prefero.orders.models import Order
from prefero.runtime import Runtime

LAPTOP = "cfg-laptop-14"
COAT = "coat"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product(LAPTOP, category="Electronics > Computers > Laptops", price=3999),
            product(COAT, category="Fashion > Outerwear > Coats", brand="Massimo Dutti",
                    price=899.0),
            product("mug", category="Home > Kitchen", price=20.0),
        ])
        customer(session, "c1")
        start = utcnow() + timedelta(days=2)
        session.add_all([
            DeliveryWindow(id="w-open", method="home", starts_at=start,
                           ends_at=start + timedelta(hours=3), capacity=5, booked=0,
                           price=Decimal("9.99"), currency="PLN", green=False),
            DeliveryWindow(id="w-last", method="home", starts_at=start + timedelta(days=1),
                           ends_at=start + timedelta(days=1, hours=3), capacity=1, booked=0,
                           price=Decimal("14.99"), currency="PLN", green=True),
        ])
    return runtime


def _shop(runtime: Runtime) -> Shop:
    with runtime.session() as session:
        index = runtime.recommender.snapshot(session)[0]
    return Shop(index=index, configurators=runtime.configurators, settings=runtime.settings)


def _saved_laptop(runtime: Runtime) -> tuple[int, Decimal]:
    with runtime.session(write=True) as session:
        chosen = defaults_for(session, runtime.configurators, customer_id="c1",
                              product_id=LAPTOP, settings=runtime.settings, language="en")
        saved = save_configuration(session, runtime.configurators, customer_id="c1",
                                   product_id=LAPTOP, choices=chosen.choices)
    return saved.id, saved.price


def _offered(runtime: Runtime, cart: list[str]):  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        return checkout_delivery(session, customer_id="c1", cart=cart, now=utcnow(),
                                 language="en", time_zone="UTC")


def test_a_configuration_is_ordered_as_configured(shop: Runtime) -> None:
    configuration_id, price = _saved_laptop(shop)
    parts = _shop(shop)
    with shop.session(write=True) as session:
        before = stock_levels(session, shop.configurators.configurators[LAPTOP])
        order = place_checkout(session, parts, customer_id="c1", language="en",
                               entries=[CartEntry(LAPTOP, configuration_id=configuration_id)],
                               extras=[], delivery=None)
    line = order.lines[0]
    assert line.unit_price == price and order.total == price
    assert line.configuration is not None
    assert line.configuration["configuration_id"] == configuration_id
    with shop.session() as session:
        after = stock_levels(session, shop.configurators.configurators[LAPTOP])
    counted = {key: left for key, left in before.items() if left is not None}
    chosen = {(c["group"], c["option"]) for c in line.configuration["choices"]}
    assert counted, "the demo laptop counts some options' stock"
    for key, left in counted.items():
        assert after[key] == left - (1 if key in chosen else 0)


def test_a_made_to_measure_coat_needs_consent_and_measurements(shop: Runtime) -> None:
    parts = _shop(shop)
    with shop.session() as session:
        [line] = cart_lines(session, parts, customer_id="c1", entries=[CartEntry(COAT)],
                            language="en")
    assert line.problem is not None and "Made to your measurements" in line.details
    with shop.session(write=True) as session:
        with pytest.raises(CheckoutRefused) as refused:
            place_checkout(session, parts, customer_id="c1", entries=[CartEntry(COAT)],
                           extras=[], language="en")
        assert [e.loc for e in refused.value.errors] == [("lines", 0)]
    with shop.session(write=True) as session:
        consent(session, "c1", "fit", True)
        put_measurements(session, owner_id="c1", settings=shop.settings,
                         body=MeasurementsIn(chest=98, waist=84, height=182, fit="slim"))
    with shop.session(write=True) as session:
        order = place_checkout(session, parts, customer_id="c1", entries=[CartEntry(COAT)],
                               extras=[], language="en")
    kept = order.lines[0].measurements
    assert kept is not None and kept["fit"] == "slim"
    assert kept["measurements"] == {"chest": 98.0, "waist": 84.0, "height": 182.0}


def test_the_window_is_booked_and_priced_into_the_order(shop: Runtime) -> None:
    parts = _shop(shop)
    offered = _offered(shop, ["mug"])
    assert {c.value for c in offered.choices if c.available} == {"w-open", "w-last"}
    with shop.session(write=True) as session:
        with pytest.raises(CheckoutRefused) as refused:
            place_checkout(session, parts, customer_id="c1", entries=[CartEntry("mug")],
                           extras=[], language="en", delivery=offered)
        assert [e.loc for e in refused.value.errors] == [("delivery_window",)]
    with shop.session(write=True) as session:
        order = place_checkout(session, parts, customer_id="c1", entries=[CartEntry("mug")],
                               extras=[], language="en", delivery=offered,
                               delivery_window="w-last")
    assert order.total == Decimal("20.00") + Decimal("14.99")
    assert order.delivery is not None and order.delivery["window_id"] == "w-last"
    with shop.session() as session:
        booking = session.scalars(select(DeliveryBooking)).one()
        assert (booking.order_id, booking.window_id) == (order.id, "w-last")


def test_a_full_window_refuses_the_whole_order(shop: Runtime) -> None:
    configuration_id, _price = _saved_laptop(shop)
    parts = _shop(shop)
    offered = _offered(shop, [LAPTOP])
    with shop.session(write=True) as session:
        # Someone else takes the last place after the page was shown.
        session.get_one(DeliveryWindow, "w-last").booked = 1
    with shop.session() as session:
        before = session.scalar(select(func.count()).select_from(OptionStock))
    with shop.session(write=True) as session, pytest.raises(Conflict):
        place_checkout(session, parts, customer_id="c1",
                       entries=[CartEntry(LAPTOP, configuration_id=configuration_id)],
                       extras=[], language="en", delivery=offered, delivery_window="w-last")
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
        assert session.scalar(select(func.count()).select_from(DeliveryBooking)) == 0
        assert session.scalar(select(func.count()).select_from(OptionStock)) == before

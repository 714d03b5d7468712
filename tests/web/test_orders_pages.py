"""The demo shop's cart, checkout and orders: a size chosen on the way in is kept on the
order line, a size the product is not sold in changes nothing, the order is placed with its
purchase events naming it, the thanks page shows that order, and a line sent back says why,
once, and reports a return event. Only the session's own orders are reachable."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_products, product
from prefero.events.models import Event
from prefero.orders.models import Order
from prefero.runtime import Runtime
from webforms import submit


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("tee", category="Fashion > Tops > T-Shirts", price=49.5,
                    facets={"size": ["s", "m", "l"]}, brand="Acme"),
            product("mug", category="Home > Kitchen", price=20.0),
        ])
    return client


def _order(runtime: Runtime) -> Order:
    with runtime.session() as session:
        return session.scalars(select(Order)).one()


def test_a_size_goes_from_the_cart_into_the_order(shop: TestClient, runtime: Runtime) -> None:
    refused = submit(shop, "/cart/add", {"product_id": "tee", "size": "XXL"})
    assert refused.status_code == 404
    assert "Your cart is empty." in shop.get("/cart").text
    submit(shop, "/cart/add", {"product_id": "tee", "size": "M"})
    submit(shop, "/cart/add", {"product_id": "mug"})
    cart = shop.get("/cart").text
    assert "Size M" in cart
    done = submit(shop, "/checkout", {}, page="/checkout")
    assert done.status_code == 200 and "Thank you for your order!" in done.text
    assert "Size M" in done.text
    order = _order(runtime)
    with runtime.session() as session:
        kinds = session.scalars(select(Event.order_id).where(Event.type == "purchase")).all()
        sizes = dict(session.execute(select(Order.id, Order.total)).all())
    assert sizes[order.id] == order.total and float(order.total) == 69.5
    # Purchases name the order they belong to (when the visitor's events are kept at all).
    assert set(kinds) <= {order.id}


def test_sending_a_line_back_once(shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/cart/add", {"product_id": "tee", "size": "S"})
    submit(shop, "/checkout", {}, page="/checkout")
    order = _order(runtime)
    page = shop.get("/orders").text
    assert f'data-order-id="{order.id}"' in page and "Size S" in page
    assert re.search(r'<option value="too_small">Too small</option>', page)
    sent = submit(shop, "/orders/return", {"order_id": order.id, "position": "0",
                                           "reason": "too_small"}, html=page)
    assert sent.status_code == 200 and "Sent back: Too small" in sent.text
    again = submit(shop, "/orders/return", {"order_id": order.id, "position": "0",
                                            "reason": "too_large"}, page="/orders")
    assert again.status_code == 409 and "already sent back" in again.text
    assert "Sent back: Too small" in again.text


def test_another_visitors_order_is_out_of_reach(shop: TestClient, runtime: Runtime,
                                               ) -> None:
    submit(shop, "/cart/add", {"product_id": "mug"})
    submit(shop, "/checkout", {}, page="/checkout")
    order = _order(runtime)
    shop.cookies.clear()
    assert order.id not in shop.get("/orders").text
    refused = submit(shop, "/orders/return", {"order_id": order.id, "position": "0",
                                              "reason": "changed_mind"}, page="/orders")
    assert refused.status_code == 409
    with runtime.session() as session:
        assert session.scalars(select(Event).where(Event.type == "return")).all() == []


def test_orders_page_in_polish(shop: TestClient) -> None:
    submit(shop, "/lang", {"lang": "pl"})
    submit(shop, "/cart/add", {"product_id": "tee", "size": "L"})
    submit(shop, "/checkout", {}, page="/checkout")
    page = shop.get("/orders").text
    for words in ("Twoje zamówienia", "Rozmiar L", "Za mały", "Odeślij"):
        assert words in page


def test_a_product_that_needs_a_choice_goes_to_where_it_is_made(shop: TestClient,
                                                                  runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("cfg-laptop-14", category="Electronics > Laptops",
                                       price=3999.0)])
    sized = submit(shop, "/cart/add", {"product_id": "tee"}, follow_redirects=False)
    assert sized.status_code == 303
    assert sized.headers["location"] == "/p/tee?choose=size#size-choice"
    laptop = submit(shop, "/cart/add", {"product_id": "cfg-laptop-14"},
                    follow_redirects=False)
    assert laptop.status_code == 303 and laptop.headers["location"] == "/configure/cfg-laptop-14"
    assert "Your cart is empty." in shop.get("/cart").text


def test_the_same_checkout_form_posted_twice_places_one_order(shop: TestClient,
                                                               runtime: Runtime) -> None:
    submit(shop, "/cart/add", {"product_id": "mug"})
    page = shop.get("/checkout").text
    token = re.search(r'name="checkout_token" value="([^"]+)"', page)
    assert token is not None
    first = submit(shop, "/checkout", {"checkout_token": token.group(1)}, html=page)
    again = submit(shop, "/checkout", {"checkout_token": token.group(1)}, html=page)
    assert "Thank you for your order!" in first.text and "Thank you for your order!" in again.text
    with runtime.session() as session:
        assert len(session.scalars(select(Order)).all()) == 1


def test_a_made_to_measure_line_says_what_is_missing_in_polish(shop: TestClient,
                                                                runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("coat", category="Fashion > Outerwear > Coats",
                                       brand="Massimo Dutti", price=899.0)])
    submit(shop, "/lang", {"lang": "pl"})
    submit(shop, "/cart/add", {"product_id": "coat"})
    cart = shop.get("/cart").text
    assert "Szyte na miarę: aby to zamówić, pozwól nam używać Twoich wymiarów" in cart
    assert 'href="/preferences/measurements"' in cart
    refused = submit(shop, "/checkout", {}, page="/checkout")
    assert refused.status_code == 409
    assert "Części pozycji z koszyka nie można zamówić" in refused.text
    with runtime.session() as session:
        assert session.scalars(select(Order)).all() == []

"""The storefront counts what its pages show: one impression per recommendation card, on
the home page, a product page, the cart and the checkout; never the listings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from prefero.analytics.counts import finish_impressions, waiting_impressions
from prefero.runtime import Runtime
from webforms import submit

CARD = re.compile(r'<li class="card product-card" data-product-id="')


def shown(runtime: Runtime) -> dict[str, int]:
    per_placement: dict[str, int] = {}
    for (_day, placement, _reason), n in waiting_impressions(runtime).items():
        per_placement[placement] = per_placement.get(placement, 0) + n
    return per_placement


def test_each_card_shown_is_one_impression_of_its_page(client: TestClient,
                                                       shop: Runtime) -> None:
    home = client.get("/")
    assert home.status_code == 200
    cards = len(CARD.findall(home.text))
    assert cards > 0 and shown(shop) == {"home": cards}

    page = client.get("/p/p3")
    assert shown(shop)["product"] == len(CARD.findall(page.text)) > 0

    submit(client, "/cart/add", {"product_id": "p3"})  # (shows the cart once)
    already = shown(shop).get("cart", 0)
    cart = client.get("/cart")
    assert 'class="cart-line" data-product-id="p3"' in cart.text  # a line, not a card
    assert shown(shop)["cart"] - already == len(CARD.findall(cart.text)) > 0
    checkout = client.get("/checkout")
    assert shown(shop).get("checkout", 0) == len(CARD.findall(checkout.text))

    before = dict(shown(shop))
    client.get("/c/Groceries/Bread")
    client.get("/search", params={"q": "loaf"})
    assert shown(shop) == before  # listings are not recommendation rows
    assert finish_impressions(shop) == sum(before.values())

"""The product page's alert button and the preference center's list of product alerts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.messaging.triggers.watches import exported_watches
from prefero.runtime import Runtime
from webforms import PREFERENCES, me, shopper, submit


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("shoe", category="Fashion > Shoes", brand="Acme", title="Trail runner"),
            product("gone", category="Fashion > Shoes", brand="Acme", title="Sold-out boot",
                    availability="out_of_stock"),
        ])
    return shopper(client)


def test_set_an_alert_on_the_product_page_and_turn_it_off_in_the_preference_center(
        web: TestClient, runtime: Runtime) -> None:
    page = web.get("/p/gone")
    assert 'data-watching=""' in page.text and "Notify me" in page.text
    done = submit(web, "/watches", {"product_id": "gone", "what": "stock", "back": "/p/gone"},
                  html=page.text, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/p/gone"
    assert "We will let you know when it is back in stock." in web.get("/p/gone").text
    with runtime.session() as session:
        assert [(w.product_id, w.what) for w in exported_watches(session, me(web))] == [
            ("gone", "stock")]
    center = web.get(PREFERENCES).text
    assert "Sold-out boot" in center and "watches-remove-1" in center
    off = submit(web, f"{PREFERENCES}/watches/remove", {"product_id": "gone"}, html=center,
                 follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == "/preferences#watches"
    after = web.get(PREFERENCES).text
    assert "The alert for Sold-out boot is off." in after
    assert "watches-remove-1" not in after


def test_htmx_swaps_the_block_and_bad_input_changes_nothing(web: TestClient,
                                                            runtime: Runtime) -> None:
    page = web.get("/p/shoe")
    swapped = submit(web, "/watches", {"product_id": "shoe", "what": "price"},
                     html=page.text, headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert 'data-watching="price"' in swapped.text
    stopped = submit(web, "/watches/remove", {"product_id": "shoe"}, html=page.text,
                     headers={"HX-Request": "true"})
    assert 'data-watching=""' in stopped.text
    missing = submit(web, "/watches", {"product_id": "nope"}, html=page.text,
                     follow_redirects=False)
    assert missing.status_code == 404
    # A tampered choice watches for both, never stores a value the table refuses.
    submit(web, "/watches", {"product_id": "shoe", "what": "colour"}, html=page.text)
    with runtime.session() as session:
        assert [w.what for w in exported_watches(session, me(web))] == ["both"]


def test_polish_words(web: TestClient) -> None:
    page = web.get("/p/shoe", headers={"Accept-Language": "pl"}).text
    assert "Powiadom mnie" in page and "Daj mi znać, gdy stanieje" in page
    center = web.get(PREFERENCES, headers={"Accept-Language": "pl"}).text
    assert "Powiadomienia o produktach" in center
    assert "Nie masz jeszcze powiadomień o produktach." in center

"""The taste box pages: subscribe from a form, see the delivery with pictures and prices,
rate an item by htmx (the item swaps in place) or a plain post (back to the page), bad input
is 422 next to its field and changes nothing, pause, resume and cancel; Polish throughout.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.runtime import Runtime
from webforms import shopper, submit

COFFEE = "Groceries > Beverages > Coffee & Tea"


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("beans", category=COFFEE, price=40, brand="Roast", title="Espresso beans"),
            product("ground", category=COFFEE, price=30, brand="Mill", title="Ground crema"),
        ])
    return shopper(client)


def _subscribe(web: TestClient, **data: str) -> object:
    return submit(web, "/boxes", {"theme": "coffee", "cadence": "30", "budget": "80", **data},
                  page="/boxes", follow_redirects=False)


def test_subscribe_see_the_box_and_rate_an_item(web: TestClient) -> None:
    empty = web.get("/boxes")
    assert empty.status_code == 200 and "You have no box yet" in empty.text
    made = _subscribe(web, budget="80,00 zł")
    assert made.status_code == 303, made.text  # type: ignore[attr-defined]
    page = web.get("/boxes").text
    assert "Coffee box" in page and "Every 30 days" in page and "Espresso beans" in page
    assert "/images/products/" in page or "<img" in page
    item = 'id="item-1-1-beans"'
    assert item in page
    # htmx: the item comes back alone, with its rating saved and announced.
    swapped = submit(web, "/boxes/1/deliveries/1/items/beans/rating", {"rating": "5"},
                     html=page, headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith("{#") is False
    assert item in swapped.text and "<html" not in swapped.text
    assert 'value="5" checked' in swapped.text and "Saved: 5 stars." in swapped.text
    # Without JavaScript: back to the page, at the item.
    plain = submit(web, "/boxes/1/deliveries/1/items/ground/rating", {"rating": "1"},
                   html=page, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/boxes#item-1-1-ground"
    assert "You rated it 1 star." in web.get("/boxes").text


def test_bad_input_is_422_next_to_the_field_and_changes_nothing(web: TestClient) -> None:
    for data, field in (({"budget": "lots"}, "box-budget"), ({"budget": "-5"}, "box-budget"),
                        ({"budget": "1e6"}, "box-budget"), ({"theme": "wine"}, "box-theme"),
                        ({"cadence": "0"}, "box-cadence")):
        answer = _subscribe(web, **data)
        assert answer.status_code == 422, data  # type: ignore[attr-defined]
        assert f'id="{field}-error"' in answer.text  # type: ignore[attr-defined]
    assert "You have no box yet" in web.get("/boxes").text
    _subscribe(web)
    page = web.get("/boxes").text
    for bad in ("0", "6", "x", ""):
        answer = submit(web, "/boxes/1/deliveries/1/items/beans/rating", {"rating": bad},
                        html=page)
        assert answer.status_code == 422 and 'id="item-1-1-beans-error"' in answer.text
    assert 'checked' not in web.get("/boxes").text.split('id="item-1-1-beans"')[1].split(
        "</li>")[0]
    # Another box's item, or a box that is not this visitor's: 404, nothing rated.
    assert submit(web, "/boxes/9/deliveries/1/items/beans/rating", {"rating": "3"},
                  html=page).status_code == 404


def test_pause_resume_and_cancel(web: TestClient) -> None:
    _subscribe(web)
    page = web.get("/boxes").text
    assert submit(web, "/boxes/1/pause", html=page).status_code == 200
    paused = web.get("/boxes").text
    assert 'data-box-status="paused"' in paused and "Resume the box" in paused
    submit(web, "/boxes/1/resume", html=paused)
    submit(web, "/boxes/1/cancel", html=paused)
    cancelled = web.get("/boxes").text
    assert 'data-box-status="cancelled"' in cancelled and "Espresso beans" in cancelled


def test_the_page_in_polish(web: TestClient) -> None:
    _subscribe(web)
    web.cookies.set("lang", "pl")
    page = web.get("/boxes").text
    assert "Twoje pudełko smaków" in page and "Pudełko kawowe" in page
    assert "Co 30 dni" in page and "Kończy się?" in page
    assert "Coffee box" not in page and "Every 30 days" not in page

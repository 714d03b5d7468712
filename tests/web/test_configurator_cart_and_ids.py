"""The configurator's edges: a configuration or quiz version id beyond the int4 columns is a
422 (never a 500 from the database), a tampered quiz version changes nothing, and "Add to
cart" puts the saved configuration in the cart through the cart service, recording the
configuration's price. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_products, product
from prefero.configurators.service import list_configurations
from prefero.events.models import Event
from prefero.runtime import Runtime
from prefero.types import EventType
from webforms import PREFERENCES, me, submit

LAPTOP = "cfg-laptop-14"
PAGE = f"/configure/{LAPTOP}"
# The demo definition's defaults (src/prefero/catalog/configurators.yaml); with a 1 TB
# disk the laptop costs 4,749.00 where the catalogue says 3,999.
CHOSEN = {"processor": "core-i5", "memory": "ram-16", "storage": "ssd-1tb",
          "graphics": "integrated", "power": "w100", "case": "aluminium", "colour": "silver"}
PRICE = Decimal("4749.00")
TOO_BIG = (2**31, 3_000_000_000, 2**70)


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [product(LAPTOP, category="Electronics > Computers > Laptops",
                                       brand="Prefero", title="Prefero Build 14 laptop",
                                       price=3999)])
    runtime.recommender.refresh()
    client.headers.pop("X-API-Key", None)
    assert client.get(PAGE).status_code == 200
    return client


def _form(**extra: str) -> dict[str, object]:
    return {**{f"choice:{group}": value for group, value in CHOSEN.items()}, **extra}


def _saved(runtime: Runtime, web: TestClient) -> list[int]:
    with runtime.session() as session:
        return [c.id for c in list_configurations(session, customer_id=me(web))]


def test_ids_beyond_the_columns_are_422_and_delete_nothing(web: TestClient,
                                                           runtime: Runtime) -> None:
    page = web.get(PAGE).text
    assert submit(web, f"{PAGE}/save", _form(), html=page,
                  follow_redirects=False).status_code == 303
    kept = _saved(runtime, web)
    assert len(kept) == 1
    for too_big in TOO_BIG:
        assert web.get(f"{PAGE}?configuration={too_big}").status_code == 422, too_big
        assert web.get(f"{PAGE}?from_quiz=laptop-finder&quiz_version={too_big}"
                       ).status_code == 422, too_big
        deleted = submit(web, f"{PREFERENCES}/configurations/{too_big}/delete", {},
                         page=PREFERENCES, follow_redirects=False)
        assert deleted.status_code == 422, too_big
    # The largest id the column holds names nothing of this visitor's: "nothing to remove".
    largest = submit(web, f"{PREFERENCES}/configurations/{2**31 - 1}/delete", {},
                     page=PREFERENCES, follow_redirects=False)
    assert largest.status_code == 303
    assert _saved(runtime, web) == kept


@pytest.mark.parametrize("version", ["\u00b2", "\u0663", "0", "-1", "x", str(2**31)])
def test_a_tampered_quiz_version_is_422_and_saves_nothing(web: TestClient, runtime: Runtime,
                                                          version: str) -> None:
    page = web.get(PAGE).text
    form = _form(from_quiz="laptop-finder", quiz_version=version)
    for path in (PAGE, f"{PAGE}/save", f"{PAGE}/cart"):
        assert submit(web, path, form, html=page, follow_redirects=False
                      ).status_code == 422, path
    assert _saved(runtime, web) == []
    assert "Prefero Build 14 laptop" not in web.get("/cart").text


def test_add_to_cart_records_the_configurations_price(web: TestClient,
                                                      runtime: Runtime) -> None:
    # With tracking consent, so that the event is kept as the visitor's.
    submit(web, f"{PREFERENCES}/consents", {"purpose": "tracking", "granted": "true"},
           page=PREFERENCES)
    page = web.get(PAGE).text
    added = submit(web, f"{PAGE}/cart", _form(), html=page, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/cart"
    [saved] = _saved(runtime, web)
    cart = web.get("/cart").text
    assert "Prefero Build 14 laptop" in cart and "PLN\u00a04,749.00" in cart
    with runtime.session() as session:
        prices = list(session.scalars(select(Event.price).where(
            Event.type == EventType.ADD_TO_CART.value, Event.product_id == LAPTOP)))
    assert prices == [PRICE]
    # The same configuration again: the saved one is reused, the cart keeps one line.
    submit(web, f"{PAGE}/cart", _form(), html=page, follow_redirects=False)
    assert _saved(runtime, web) == [saved]
    assert web.get("/cart").text.count(f'data-product-id="{LAPTOP}"') == 1

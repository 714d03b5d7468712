"""The boxes API: subscribe, list, change, cancel, deliveries, ratings and replenishment;
422 with each field's path from the body's root and nothing changed; another customer's
box is 404; a customer token reaches only its own boxes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from customer_tokens import bearer, token_for
from factories import add_products, customer, product
from prefero.runtime import Runtime

COFFEE = "Groceries > Beverages > Coffee & Tea"
BOXES = "/v1/customers/ann/boxes"


@pytest.fixture
def shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("beans", category=COFFEE, price=40, brand="Roast"),
                               product("ground", category=COFFEE, price=30, brand="Mill")])
        customer(session, "ann")
        customer(session, "bob")


def _locs(answer: Any) -> list[list[str | int]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [error["loc"] for error in answer.json()["errors"]]


@pytest.mark.usefixtures("shop")
def test_subscribe_list_deliveries_and_rate(client: TestClient) -> None:
    assert [t["key"] for t in client.get("/v1/box-themes").json()["items"]] == [
        "snacks", "cosmetics", "coffee"]
    made = client.post(BOXES, json={"theme": "coffee", "cadence_days": 30, "budget": "80"})
    assert made.status_code == 201, made.text
    box = made.json()
    assert box["name"] == "Coffee box" and box["status"] == "active"
    assert box["budget"] == "80.00"
    big = client.post(BOXES, json={"theme": "coffee", "cadence_days": 30, "budget": "1e+06"})
    assert big.json()["budget"] == "1000000.00"  # never "1E+6"
    client.delete(f"{BOXES}/{big.json()['id']}")
    assert [b["id"] for b in client.get(BOXES).json()["items"]] == [box["id"], big.json()["id"]]
    [delivery] = client.get(f"{BOXES}/{box['id']}/deliveries").json()["items"]
    assert delivery["number"] == 1 and delivery["total"] == "70.00"
    assert {i["product_id"] for i in delivery["items"]} == {"beans", "ground"}
    rated = client.put(f"{BOXES}/{box['id']}/deliveries/1/items/beans/rating",
                       json={"rating": 5})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    paused = client.patch(f"{BOXES}/{box['id']}", json={"status": "paused"})
    assert paused.json()["status"] == "paused"
    cancelled = client.delete(f"{BOXES}/{box['id']}")
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(("body", "loc"), [
    ({"theme": "wine", "cadence_days": 30, "budget": "80"}, ["body", "theme"]),
    ({"theme": "coffee", "cadence_days": 0, "budget": "80"}, ["body", "cadence_days"]),
    ({"theme": "coffee", "cadence_days": 30, "budget": "-1"}, ["body", "budget"]),
    ({"theme": "coffee", "cadence_days": 30, "budget": "1e+07"}, ["body", "budget"]),
    ({"theme": "coffee", "cadence_days": 30, "budget": "0.001"}, ["body", "budget"]),
    ({"theme": "coffee", "cadence_days": 30, "budget": "80", "currency": "EUR"},
     ["body", "currency"]),
    ({"theme": "coffee", "cadence_days": 30}, ["body", "budget"]),
    ({"theme": "coffee", "cadence_days": True, "budget": "80"}, ["body", "cadence_days"]),
    ({"theme": "coffee", "cadence_days": 30, "budget": "80", "colour": "red"},
     ["body", "colour"]),
])
def test_bad_subscriptions_are_422_with_the_field_and_change_nothing(
        client: TestClient, body: dict[str, Any], loc: list[str]) -> None:
    assert loc in _locs(client.post(BOXES, json=body))
    assert client.get(BOXES).json()["items"] == []


@pytest.mark.usefixtures("shop")
def test_bad_ratings_and_changes_are_422_and_unknown_ones_404(client: TestClient) -> None:
    box = client.post(BOXES, json={"theme": "coffee", "cadence_days": 30,
                                   "budget": "80"}).json()
    one = f"{BOXES}/{box['id']}"
    for bad in (0, 6, "five", None, 2.5, True, "3"):
        assert ["body", "rating"] in _locs(
            client.put(f"{one}/deliveries/1/items/beans/rating", json={"rating": bad}))
    assert ["body", "status"] in _locs(client.patch(one, json={"status": "cancelled"}))
    assert ["body", "cadence_days"] in _locs(client.patch(one, json={"cadence_days": 400}))
    assert ["path", "box_id"] in _locs(client.get(f"{BOXES}/0/deliveries"))
    assert client.put(f"{one}/deliveries/9/items/beans/rating",
                      json={"rating": 3}).status_code == 404
    assert client.get(f"/v1/customers/bob/boxes/{box['id']}/deliveries").status_code == 404
    assert client.patch(f"/v1/customers/bob/boxes/{box['id']}",
                        json={"budget": "10"}).status_code == 404
    assert client.get("/v1/customers/nobody/boxes").status_code == 404
    [delivery] = client.get(f"{one}/deliveries").json()["items"]
    assert all(item["rating"] is None for item in delivery["items"])


@pytest.mark.usefixtures("shop")
def test_a_customer_token_reaches_only_its_own_boxes(client: TestClient,
                                                     runtime: Runtime) -> None:
    own = bearer(token_for(runtime.settings, "ann"))
    anon = {"X-API-Key": ""}
    made = client.post(BOXES, json={"theme": "coffee", "cadence_days": 14, "budget": "50"},
                       headers={**anon, **own})
    assert made.status_code == 201, made.text
    assert client.get("/v1/customers/bob/boxes",
                      headers={**anon, **own}).status_code == 403


@pytest.mark.usefixtures("shop")
def test_replenishment_is_empty_without_purchases(client: TestClient) -> None:
    answer = client.get("/v1/customers/ann/replenishment")
    assert answer.status_code == 200 and answer.json() == {"due": [], "all": []}

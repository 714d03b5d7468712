"""POST /v1/events and /v1/events/ga4: auth, refusal with field paths, partial batches."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.customers.repository import ensure_customers
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.runtime import Runtime

EVENTS = "/v1/events"
GA4 = "/v1/events/ga4"


def ev(event_id: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "type": "view", "anonymous_id": "v-1", "product_id": "sku-1",
            **fields}


def ingest_key(runtime: Runtime) -> str:
    # Read from the settings rather than imported from tests/conftest.py: with more than one
    # conftest.py in the tree, "from apikeys import ..." can find the wrong one.
    return runtime.settings.ingest_keys[0]


def stored(runtime: Runtime, model: Any) -> int:
    # A fresh session: what it sees has been committed.
    with runtime.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_ingest_needs_a_key(client: TestClient) -> None:
    response = client.post(EVENTS, json={"events": [ev("e1")]}, headers={"X-API-Key": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    unknown = client.post(GA4, json={"event": "page_view"}, headers={"X-API-Key": "nope"})
    assert unknown.status_code == 401


@pytest.mark.parametrize("path", [EVENTS, GA4])
def test_a_read_key_cannot_ingest(client: TestClient, settings: Settings, path: str) -> None:
    read_key = settings.read_keys[0]
    response = client.post(path, json={"events": []}, headers={"X-API-Key": read_key})
    assert response.status_code == 403
    assert "ingest" in response.json()["detail"]


def test_an_ingest_key_stores_a_batch_durably(client: TestClient, runtime: Runtime) -> None:
    response = client.post(EVENTS, json={"events": [ev("e1"), ev("e2"), ev("e1")]},
                           headers={"X-API-Key": ingest_key(runtime)})
    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 1, "linked": 0,
                               "anonymous_only": 2, "ignored": 0, "rejected": []}
    assert stored(runtime, EventReceipt) == 2
    assert stored(runtime, ProductActivity) == 1


def test_consented_events_are_linked(client: TestClient, runtime: Runtime) -> None:
    with runtime.session() as session:
        ensure_customers(session, {"c-1": False})
        session.add(ConsentRecord(customer_id="c-1", purpose="tracking", granted=True,
                                  policy_version="t"))
    body = {"events": [{"event_id": "e1", "type": "add_to_cart", "customer_id": "c-1",
                        "product_id": "sku-1", "quantity": 1, "price": 9.5}]}
    assert client.post(EVENTS, json=body).json()["linked"] == 1
    assert stored(runtime, Event) == 1


def test_an_invalid_event_refuses_the_batch_with_its_path(
    client: TestClient, runtime: Runtime
) -> None:
    events = [ev("e0"), ev("e1"), ev("e2"), ev("e3", product_id=None),
              ev("e4", occurred_at="2026-01-01T00:00:00"), ev("e5", colour="red")]
    response = client.post(EVENTS, json={"events": events})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert [e["loc"] for e in problem["errors"]] == [
        ["events", 3, "product_id"], ["events", 4, "occurred_at"], ["events", 5, "colour"]]
    assert stored(runtime, EventReceipt) == 0 and stored(runtime, ProductActivity) == 0


def test_partial_keeps_the_good_events(client: TestClient, runtime: Runtime) -> None:
    events = [ev("e0"), ev("e1", type="search"), ev("e2", quantity=0)]
    response = client.post(EVENTS, params={"partial": "true"}, json={"events": events})
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"] == [
        {"index": 1, "errors": [{"loc": ["events", 1, "query"],
                                 "msg": "query is required for search events"}]},
        {"index": 2, "errors": [{"loc": ["events", 2, "quantity"],
                                 "msg": "Input should be greater than or equal to 1"}]},
    ]
    assert stored(runtime, EventReceipt) == 1


def test_more_than_a_thousand_events_is_refused_clearly(client: TestClient) -> None:
    response = client.post(EVENTS, json={"events": [ev(f"e{i}") for i in range(1001)]})
    assert response.status_code == 422
    assert "at most 1000 events" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["events"]


@pytest.mark.parametrize("body", [[ev("e1")], {"events": "e1"}, {"events": [], "more": 1}, {}])
def test_a_body_of_the_wrong_shape_is_refused(client: TestClient, body: Any) -> None:
    response = client.post(EVENTS, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_ga4_datalayer_pushes(client: TestClient, runtime: Runtime) -> None:
    pushes = [
        {"event": "view_item_list", "client_id": "555.1",
         "ecommerce": {"items": [{"item_id": "A"}, {"item_id": "B"}]}},
        {"event": "view_item", "ecommerce": {"currency": "PLN",
                                             "items": [{"item_id": "A", "price": "19.99"}]}},
        {"event": "add_to_cart", "ecommerce": {"items": [{"id": "A", "quantity": "2"}]}},
    ]
    response = client.post(GA4, json=pushes, headers={"X-API-Key": ingest_key(runtime)})
    assert response.status_code == 200
    # "A" is not in this shop's (empty) catalogue: the answer says so, once.
    assert response.json() == {"accepted": 2, "duplicates": 0, "linked": 0,
                               "anonymous_only": 2, "ignored": 1, "rejected": [],
                               "unknown_products": ["A"]}
    # A retried identical body is idempotent.
    assert client.post(GA4, json=pushes).json()["duplicates"] == 2
    assert stored(runtime, ProductActivity) == 2


def test_ga4_measurement_protocol_refusal_and_partial(
    client: TestClient, runtime: Runtime
) -> None:
    body = {"client_id": "555.1", "events": [
        {"name": "purchase", "params": {"transaction_id": "T1", "items": [
            {"item_id": "A", "price": "10.00", "quantity": "1"}]}},
        {"name": "purchase", "params": {"items": [{"item_id": "B", "price": "ten"}]}},
        {"name": "refund", "params": {"transaction_id": "T0"}},
    ]}
    refused = client.post(GA4, json=body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["events", 1, "params", "items", 0, "price"]]
    assert stored(runtime, EventReceipt) == 0

    partial = client.post(GA4, params={"partial": "true"}, json=body)
    assert partial.status_code == 200
    result = partial.json()
    # The refund of a whole order is an event of its own, not ignored.
    assert (result["accepted"], result["ignored"]) == (2, 0)
    assert result["rejected"][0]["index"] == 1
    assert stored(runtime, EventReceipt) == 2


def test_ga4_too_many_events(client: TestClient) -> None:
    response = client.post(GA4, json={"client_id": "1", "events": [{"name": "x"}] * 1001})
    assert response.status_code == 422
    assert "at most 1000 events" in response.json()["detail"]


def test_the_batch_shape_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["paths"][EVENTS]["post"]["requestBody"]["content"]["application/json"][
        "schema"]
    event = schema["properties"]["events"]["items"]
    assert "product_id" in event["properties"] and "$ref" not in str(schema)
    assert "IngestResult" in spec["components"]["schemas"]


def test_ga4_gtag_entries_with_top_level_items(client: TestClient, runtime: Runtime) -> None:
    entries = [
        {"0": "config", "1": "G-ABC123", "2": {"client_id": "555.1"}},
        {"0": "event", "1": "view_search_results", "2": {"search_term": "tent"}},
        {"event": "add_to_cart", "items": [{"item_id": "A"}]},
        ["event", "purchase", {"transaction_id": "T-9", "items": [{"item_id": "A"}]}],
    ]
    response = client.post(GA4, json=entries, headers={"X-API-Key": ingest_key(runtime)})
    assert response.status_code == 200
    assert {key: response.json()[key] for key in ("accepted", "ignored", "rejected")} == {
        "accepted": 3, "ignored": 1, "rejected": []}
    with runtime.session() as session:
        counted = {kind: int(total) for kind, total in session.execute(
            select(ProductActivity.type, func.sum(ProductActivity.count))
            .group_by(ProductActivity.type))}
    assert counted == {"add_to_cart": 1, "purchase": 1}

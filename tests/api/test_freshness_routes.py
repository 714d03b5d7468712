"""Staleness over HTTP: GET .../preferences says what is stale and since when; POST
.../preferences/confirm confirms all or some values, refusing unknown ones with their path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from prefero.customers.models import Preference
from prefero.runtime import Runtime

PREFS = "/v1/customers/c1/preferences"
CONFIRM = "/v1/customers/c1/preferences/confirm"
BODY = {
    "likes": [{"facet": "brand", "value": "Acme", "weight": 0.8}],
    "constraints": [{"facet": "allergens", "op": "never", "values": ["gluten"]}],
    "sizes": [{"category": "Fashion > Kids", "values": ["110"]}],
}


def _age(runtime: Runtime, days: int, value: str | None = None) -> datetime:
    at = datetime.now(UTC) - timedelta(days=days)
    statement = update(Preference).values(confirmed_at=at)
    if value is not None:
        statement = statement.where(Preference.value == value)
    with runtime.session(write=True) as session:
        session.execute(statement)
    return at


def _stale(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(PREFS)
    assert response.status_code == 200, response.text
    stale: list[dict[str, Any]] = response.json()["stale"]
    return stale


def test_get_answers_when_each_value_was_confirmed_and_which_are_stale(
        client: TestClient, runtime: Runtime) -> None:
    assert client.put(PREFS, json=BODY).status_code == 200
    assert _stale(client) == []
    body = client.get(PREFS).json()
    assert body["likes"][0]["confirmed_at"] and body["sizes"][0]["confirmed_at"]
    _age(runtime, 150, "110")  # children's sizes: 120 days by default
    _age(runtime, 800, "acme")  # likes: 365 days; 800 days is the third window
    stale = _stale(client)
    assert [(s["kind"], s["value"], s["months"], s["factor"]) for s in stale] == [
        ("like", "acme", 26, 0.25), ("size", "110", 5, 1.0)]
    # A GET answer PUT back as it is stays valid (and confirms nothing).
    again = client.get(PREFS).json()
    del again["customer_id"], again["effective_level"]
    assert client.put(PREFS, json=again).status_code == 200
    assert len(_stale(client)) == 2


def test_confirm_some_then_all(client: TestClient, runtime: Runtime) -> None:
    client.put(PREFS, json=BODY)
    _age(runtime, 800)
    assert len(_stale(client)) == 3
    response = client.post(CONFIRM, json={"values": [
        {"kind": "size", "facet": "Fashion > Kids", "value": "110"}]})
    assert response.status_code == 200, response.text
    assert response.json()["confirmed"] == [
        {"kind": "size", "facet": "Fashion > Kids", "value": "110"}]
    assert [s["value"] for s in _stale(client)] == ["acme", "gluten"]
    assert client.post(CONFIRM, json={}).status_code == 200
    assert _stale(client) == []
    # Nothing but the time changed.
    like = client.get(PREFS).json()["likes"][0]
    assert (like["value"], like["weight"], like["source"]) == ("acme", 0.8, "declared")


def test_unknown_values_are_refused_with_their_path_and_nothing_is_confirmed(
        client: TestClient, runtime: Runtime) -> None:
    client.put(PREFS, json=BODY)
    _age(runtime, 800)
    response = client.post(CONFIRM, json={"values": [
        {"kind": "like", "facet": "brand", "value": "acme"},
        {"kind": "like", "facet": "brand", "value": "zeta"}]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "values", 1]]
    assert len(_stale(client)) == 3
    bad_kind = client.post(CONFIRM, json={"values": [{"kind": "dismiss", "facet": "product",
                                                      "value": "p1"}]})
    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["loc"][:4] == ["body", "values", 0, "kind"]
    assert client.post(CONFIRM, json={"values": []}).status_code == 422
    missing = client.post("/v1/customers/nobody/preferences/confirm", json={})
    assert missing.status_code == 404

"""Suggestions over HTTP: shapes, scopes and the documented problems."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from apikeys import INGEST_KEY, READ_KEY
from factories import add_products, customer, events, product
from prefero.runtime import Runtime

LIST = "/v1/customers/{}/suggestions"
DECIDE = "/v1/customers/{}/suggestions/{}/{}"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def seed(runtime: Runtime, cid: str = "c1") -> None:
    """8 of 10 grocery orders sugar-free, spread so that nothing else reaches the threshold
    except the shared top-level category."""
    with runtime.session() as s:
        add_products(s, [product(f"g{i}", category="Groceries > Snacks" if i % 2
                                 else "Groceries > Dairy", brand=f"b{i % 5}",
                                 facets={"sugar_free": i < 8}) for i in range(10)])
        customer(s, cid)
        events(s, cid, [("purchase", f"g{i}") for i in range(10)])


def sugar_free_id(client: TestClient, cid: str = "c1") -> str:
    items = client.get(LIST.format(cid)).json()["items"]
    return next(i["id"] for i in items if (i["facet"], i["value"]) == ("sugar_free", "true"))


def test_list_shape(client: TestClient, runtime: Runtime) -> None:
    seed(runtime)
    response = client.get(LIST.format("c1"), headers={"X-API-Key": READ_KEY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == "c1" and body["tracking_consent"] is True
    item = next(i for i in body["items"] if i["facet"] == "sugar_free")
    assert set(item) == {"id", "facet", "value", "label", "kind", "weight", "confidence",
                         "evidence"}
    assert (item["value"], item["kind"]) == ("true", "like")
    assert 0 <= item["confidence"] <= 1 and 0 < item["weight"] <= 1
    assert item["evidence"]["text"] == "Sugar-free — 8 of your last 10 orders in Groceries"
    assert (item["evidence"]["matching"], item["evidence"]["total"]) == (8, 10)
    polish = client.get(LIST.format("c1"), headers={"X-API-Key": READ_KEY,
                                                     "Accept-Language": "pl"}).json()
    said = next(i for i in polish["items"] if i["facet"] == "sugar_free")["evidence"]["text"]
    assert said.startswith("Bez cukru — 8 z 10 ostatnich zamówień w dziale ")


def test_accept_returns_the_decision_and_the_like(client: TestClient,
                                                  runtime: Runtime) -> None:
    seed(runtime)
    sid = sugar_free_id(client)
    response = client.post(DECIDE.format("c1", sid, "accept"),
                           headers={"X-API-Key": INGEST_KEY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["decision"], body["facet"], body["value"]) == (
        sid, "accepted", "sugar_free", "true")
    assert body["preference"]["source"] == "suggestion"
    likes = client.get("/v1/customers/c1/preferences").json()["likes"]
    assert [(like["facet"], like["value"], like["source"]) for like in likes] == [
        ("sugar_free", "true", "suggestion")]
    assert all(i["id"] != sid for i in client.get(LIST.format("c1")).json()["items"])
    # A retry answers the same decision.
    again = client.post(DECIDE.format("c1", sid, "accept"))
    assert again.status_code == 200 and again.json()["decided_at"] == body["decided_at"]


def test_reject_returns_the_decision(client: TestClient, runtime: Runtime) -> None:
    seed(runtime)
    sid = sugar_free_id(client)
    body = client.post(DECIDE.format("c1", sid, "reject")).json()
    assert (body["decision"], body["preference"]) == ("rejected", None)
    assert all(i["id"] != sid for i in client.get(LIST.format("c1")).json()["items"])
    problem(client.post(DECIDE.format("c1", sid, "accept")), 409)


def test_keys_and_scopes(client: TestClient, runtime: Runtime) -> None:
    seed(runtime)
    sid = sugar_free_id(client)
    problem(client.get(LIST.format("c1"), headers={"X-API-Key": ""}), 401)
    problem(client.get(LIST.format("c1"), headers={"X-API-Key": "nope"}), 401)
    for verb in ("accept", "reject"):
        problem(client.post(DECIDE.format("c1", sid, verb), headers={"X-API-Key": READ_KEY}),
                403)


def test_not_found_and_conflict(client: TestClient, runtime: Runtime) -> None:
    seed(runtime)
    sid = sugar_free_id(client)
    problem(client.get(LIST.format("nobody")), 404)
    problem(client.post(DECIDE.format("nobody", sid, "accept")), 404)
    problem(client.post(DECIDE.format("c1", "f" * 32, "accept")), 404)
    problem(client.post(DECIDE.format("c1", "not-an-id", "reject")), 422)
    withdrawn = client.post("/v1/customers/c1/consents",
                            json={"purpose": "tracking", "granted": False})
    assert withdrawn.status_code == 201
    listed = client.get(LIST.format("c1")).json()
    assert (listed["tracking_consent"], listed["items"]) == (False, [])
    problem(client.post(DECIDE.format("c1", sid, "accept")), 409)


def test_openapi_documents_the_problems(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for verb in ("accept", "reject"):
        responses = paths[f"/v1/customers/{{customer_id}}/suggestions/{{suggestion_id}}/{verb}"][
            "post"]["responses"]
        assert {"401", "403", "404", "409", "422"} <= set(responses)
    assert "404" in paths["/v1/customers/{customer_id}/suggestions"]["get"]["responses"]

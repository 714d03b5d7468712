"""The watches API: PUT/GET/DELETE a customer's watched products, problem+json for bad
input, and a customer token that reaches only its own watches."""

from __future__ import annotations

from fastapi.testclient import TestClient

from customer_tokens import token_for
from prefero.runtime import Runtime


def _product(client: TestClient, pid: str = "p1") -> None:
    response = client.put(f"/v1/products/{pid}", json={
        "id": pid, "title": f"Shoe {pid}", "price": "99.00", "currency": "PLN"})
    assert response.status_code in (200, 201), response.text


def test_watch_change_list_and_remove(client: TestClient) -> None:
    _product(client)
    created = client.put("/v1/customers/c1/watches/p1", json={"what": "price"})
    assert created.status_code == 201
    assert created.json()["what"] == "price" and created.json()["title"] == "Shoe p1"
    changed = client.put("/v1/customers/c1/watches/p1")
    assert changed.status_code == 200 and changed.json()["what"] == "both"
    listed = client.get("/v1/customers/c1/watches").json()["items"]
    assert [(w["product_id"], w["what"]) for w in listed] == [("p1", "both")]
    assert client.delete("/v1/customers/c1/watches/p1").status_code == 204
    assert client.delete("/v1/customers/c1/watches/p1").status_code == 204
    assert client.get("/v1/customers/c1/watches").json() == {"items": []}


def test_bad_input_is_a_precise_problem_and_changes_nothing(client: TestClient) -> None:
    _product(client)
    bad = client.put("/v1/customers/c1/watches/p1", json={"what": "colour"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in bad.json()["errors"]] == [["body", "what"]]
    extra = client.put("/v1/customers/c1/watches/p1", json={"what": "price", "x": 1})
    assert extra.status_code == 422
    missing = client.put("/v1/customers/c1/watches/nope", json={"what": "price"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    # Nothing was stored: the customer was not even created.
    assert client.get("/v1/customers/c1/watches").status_code == 404


def test_a_customer_token_reaches_only_its_own_watches(client: TestClient,
                                                       runtime: Runtime) -> None:
    _product(client)
    client.put("/v1/customers/c2/watches/p1")
    own = {"Authorization": f"Bearer {token_for(runtime.settings, 'c1')}", "X-API-Key": ""}
    assert client.put("/v1/customers/c1/watches/p1", headers=own).status_code == 201
    assert client.get("/v1/customers/c2/watches", headers=own).status_code == 403
    assert client.delete("/v1/customers/c2/watches/p1", headers=own).status_code == 403
    assert len(client.get("/v1/customers/c2/watches").json()["items"]) == 1


def test_both_answers_of_a_put_are_documented(client: TestClient) -> None:
    # 201 for a new watch, 200 for a changed one: a client generated from the document
    # must know both (the API fuzz found the 201 undocumented).
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/customers/{customer_id}/watches/{product_id}"]["put"]
    assert {"200", "201"} <= set(operation["responses"])

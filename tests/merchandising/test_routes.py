"""/v1/merchandising/rules: a read key lists and reads, the admin key writes (each write in
the audit log, none for a refused one), wrong input is problem+json naming each field and
changes nothing, and recommendations follow a change from the next request on, with the
reason worded in the shopper's language. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import READ_KEY
from factories import activity, add_products, product
from prefero.audit.models import AuditEntry
from prefero.recommend.training import train
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}
PATH = "/v1/merchandising/rules"
BOOST = {"name": "Acme week", "action": "boost",
         "condition": {"facet": "brand", "values": ["Acme"]}, "placements": ["home"],
         "starts_at": "2026-12-01T00:00:00+01:00", "strength": 2}


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("merchandising."))
            .order_by(AuditEntry.id))]


def test_rules_are_added_listed_read_updated_and_deleted(client: TestClient,
                                                         runtime: Runtime) -> None:
    added = client.post(PATH, json=BOOST)
    assert added.status_code == 201
    rule = added.json()
    assert rule["condition"] == {"facet": "brand", "values": ["acme"], "product_ids": []}
    assert (rule["starts_at"], rule["ends_at"], rule["strength"]) == (
        "2026-11-30T23:00:00Z", None, 2.0)
    assert client.get(PATH, headers=READ).json()["items"] == [rule]
    assert client.get(f"{PATH}/{rule['id']}", headers=READ).json() == rule
    replaced = client.put(f"{PATH}/{rule['id']}", json={
        "name": "Acme on top", "action": "pin", "position": 1,
        "condition": {"product_ids": ["a1"]}})
    assert replaced.status_code == 200
    assert (replaced.json()["action"], replaced.json()["strength"],
            replaced.json()["placements"]) == (
        "pin", None, ["home", "product", "cart", "checkout", "search"])
    assert client.delete(f"{PATH}/{rule['id']}").status_code == 204
    assert client.get(PATH).json()["items"] == []
    assert actions(runtime) == [
        ("merchandising.rules.add", None), ("merchandising.rules.write", str(rule["id"])),
        ("merchandising.rules.delete", str(rule["id"]))]


def problem(client: TestClient, method: str, path: str, body: Any) -> list[list[Any]]:
    answer = client.request(method, path, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [error["loc"] for error in answer.json()["errors"]]


def test_wrong_input_names_each_field_and_changes_nothing(client: TestClient,
                                                          runtime: Runtime) -> None:
    assert problem(client, "POST", PATH, {**BOOST, "condition": {
        "facet": "flavour", "values": ["x"]}}) == [["body", "condition", "facet"]]
    assert problem(client, "POST", PATH, {**BOOST, "ends_at": "2026-11-01T00:00:00Z"}) == [
        ["body", "ends_at"]]
    assert problem(client, "POST", PATH, {**BOOST, "action": "pin", "position": 0}) == [
        ["body", "position"]]
    assert problem(client, "POST", PATH, {**BOOST, "action": "pin"}) == [
        ["body", "strength"], ["body", "position"]]
    assert problem(client, "POST", PATH, {**BOOST, "strength": 1e6}) == [["body", "strength"]]
    assert problem(client, "POST", PATH, {**BOOST, "placements": ["email"]}) == [
        ["body", "placements", 0]]
    assert problem(client, "POST", PATH, {**BOOST, "condition": {
        "facet": "eco", "values": ["perhaps"]}}) == [["body", "condition", "values", 0]]
    stored = client.post(PATH, json=BOOST).json()
    assert problem(client, "PUT", f"{PATH}/{stored['id']}", {**BOOST, "condition": {}}) == [
        ["body", "condition"]]
    assert client.put(f"{PATH}/{stored['id'] + 1}", json=BOOST).status_code == 404
    assert client.delete(f"{PATH}/{stored['id'] + 1}").status_code == 404
    assert client.get(f"{PATH}/{stored['id'] + 1}").status_code == 404
    assert client.get(f"{PATH}/0").status_code == 422
    assert client.get(PATH).json()["items"] == [stored]
    assert actions(runtime) == [("merchandising.rules.add", None)]


def test_a_read_key_may_list_but_not_write(client: TestClient) -> None:
    assert client.get(PATH, headers=READ).status_code == 200
    assert client.post(PATH, headers=READ, json=BOOST).status_code == 403
    assert client.delete(f"{PATH}/1", headers=READ).status_code == 403
    assert client.get(PATH, headers={"X-API-Key": "wrong"}).status_code == 401


def test_recommendations_follow_a_change_and_say_so_in_the_shoppers_language(
        client: TestClient, runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [product(p, category="Shop > Things", brand=brand)
                               for p, brand in (("a1", "Acme"), ("b1", "Bolt"),
                                                ("b2", "Bolt"))])
        activity(session, {"b1": 30, "b2": 20, "a1": 10})
    train(runtime)
    ask = {"n": 3}
    assert client.get("/v1/recommendations", params=ask).json()["items"][0]["product_id"] == (
        "b1")
    client.post(PATH, json={"name": "Acme week", "action": "boost",
                            "condition": {"facet": "brand", "values": ["acme"]}})
    answer = client.get("/v1/recommendations", params=ask,
                        headers={"Accept-Language": "pl"}).json()
    top = answer["items"][0]
    assert top["product_id"] == "a1"
    first = top["reasons"][0]
    assert (first["code"], first["text"]) == ("featured", "Wyróżnione przez sklep")
    assert all(r["code"] != "featured" for item in answer["items"][1:]
               for r in item["reasons"])
    hide = client.post(PATH, json={"name": "No Bolt", "action": "hide",
                                   "condition": {"facet": "brand", "values": ["bolt"]}})
    assert hide.status_code == 201
    assert [i["product_id"] for i in client.get("/v1/recommendations",
                                                params=ask).json()["items"]] == ["a1"]

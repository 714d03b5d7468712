"""/v1/search/synonyms: a read key lists, the admin key writes (each write in the audit log,
none for a refused one), wrong input is problem+json naming each field, and search finds by
a rule from the next request on. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import READ_KEY
from factories import add_products, product
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("search.synonyms"))
            .order_by(AuditEntry.id))]


def test_rules_are_added_listed_replaced_and_deleted(client: TestClient,
                                                      runtime: Runtime) -> None:
    added = client.post("/v1/search/synonyms", json={"terms": ["Chleb", "bread"]})
    assert added.status_code == 201
    rule = added.json()
    assert (rule["source"], rule["terms"]) == (None, ["chleb", "bread"])
    one_way = client.post("/v1/search/synonyms", json={"source": "tablet", "terms": ["iPad"]})
    assert one_way.status_code == 201
    listed = client.get("/v1/search/synonyms", headers=READ)
    assert listed.status_code == 200
    assert [(r["source"], r["terms"]) for r in listed.json()["items"]] == [
        (None, ["chleb", "bread"]), ("tablet", ["ipad"])]
    replaced = client.put(f"/v1/search/synonyms/{rule['id']}",
                          json={"terms": ["chleb", "bread", "loaf"]})
    assert replaced.status_code == 200 and replaced.json()["terms"] == ["chleb", "bread", "loaf"]
    assert client.delete(f"/v1/search/synonyms/{rule['id']}").status_code == 204
    assert [r["terms"] for r in client.get("/v1/search/synonyms").json()["items"]] == [["ipad"]]
    whole = client.put("/v1/search/synonyms", json={"items": [{"terms": ["tee", "t-shirt"]}]})
    assert whole.status_code == 200
    assert [r["terms"] for r in whole.json()["items"]] == [["tee", "t shirt"]]
    assert actions(runtime) == [
        ("search.synonyms.add", None), ("search.synonyms.add", None),
        ("search.synonyms.write", str(rule["id"])), ("search.synonyms.delete", str(rule["id"])),
        ("search.synonyms.replace", None)]


def test_wrong_input_names_each_field_and_changes_nothing(client: TestClient,
                                                          runtime: Runtime) -> None:
    lonely = client.post("/v1/search/synonyms", json={"terms": ["chleb"]})
    assert lonely.status_code == 422
    assert lonely.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in lonely.json()["errors"]] == [["body", "terms"]]
    whole = client.put("/v1/search/synonyms", json={"items": [
        {"terms": ["tee", "t shirt"]}, {"source": "tablet", "terms": ["ipad", "tablet"]}]})
    assert whole.status_code == 422
    assert [e["loc"] for e in whole.json()["errors"]] == [["body", "items", 1, "terms", 1]]
    empty = client.post("/v1/search/synonyms", json={"terms": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["body", "terms"]
    unknown = client.put("/v1/search/synonyms/7", json={"terms": ["a", "b"]})
    assert unknown.status_code == 404
    assert client.delete("/v1/search/synonyms/7").status_code == 404
    assert client.get("/v1/search/synonyms").json()["items"] == []
    assert actions(runtime) == []


def test_a_read_key_may_list_but_not_write(client: TestClient) -> None:
    assert client.get("/v1/search/synonyms", headers=READ).status_code == 200
    refused = client.post("/v1/search/synonyms", headers=READ, json={"terms": ["a", "b"]})
    assert refused.status_code == 403


def test_search_finds_by_a_rule_from_the_next_request_on(client: TestClient,
                                                          runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [product("rye", title="Rye Bread", category="Groceries > Bakery")])
    assert client.get("/v1/search", params={"q": "chleba"}).json()["items"] == []
    assert client.post("/v1/search/synonyms", json={"terms": ["chleb", "bread"]}
                       ).status_code == 201
    found = client.get("/v1/search", params={"q": "chleba"}).json()
    assert [item["product_id"] for item in found["items"]] == ["rye"]
    assert found["corrected_query"] is None

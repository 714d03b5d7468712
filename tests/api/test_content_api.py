"""/v1/content: slots written with the admin key (each write audited, none for a refused
one), wrong input answered as problem+json naming each field and changing nothing, and a
slot's content for a visitor with a read key or the customer's own token. SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apikeys import INGEST_KEY, READ_KEY
from content_helpers import slot_body, variant_body
from customer_tokens import bearer, token_for
from prefero.audit.models import AuditEntry
from prefero.content.decisions import flush_decisions
from prefero.content.models import ContentDecision, ContentSlot
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}
HERO = slot_body("home-hero", variant_body("welcome", targeting={"visitor": "new"}),
                 variant_body("everyone"), fallback="everyone")


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("content."))
            .order_by(AuditEntry.id))]


def locs(answer: Any) -> list[list[str | int]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [e["loc"] for e in answer.json()["errors"]]


def test_slots_are_created_listed_changed_and_deleted(client: TestClient,
                                                      runtime: Runtime) -> None:
    created = client.post("/v1/content/slots", json=HERO)
    assert created.status_code == 201, created.text
    assert [v["key"] for v in created.json()["variants"]] == ["welcome", "everyone"]
    assert client.get("/v1/content/slots", headers=READ).json()["items"][0]["key"] == "home-hero"
    added = client.post("/v1/content/slots/home-hero/variants?position=0",
                        json=variant_body("rainy", targeting={"weather": ["rain"]}))
    assert added.status_code == 201
    assert [v["key"] for v in added.json()["variants"]] == ["rainy", "welcome", "everyone"]
    changed = client.put("/v1/content/slots/home-hero/variants/rainy",
                         json=variant_body("rainy", targeting={"weather": ["snow"]}))
    assert changed.json()["variants"][0]["targeting"]["weather"] == ["snow"]
    assert client.delete("/v1/content/slots/home-hero/variants/rainy").status_code == 200
    whole = client.put("/v1/content/slots/home-hero", json={
        "name": "Hero", "strategy": "split", "control_share": 0.5, "fallback": "everyone",
        "variants": [variant_body("everyone"), variant_body("new-look", share=1)]})
    assert whole.status_code == 200, whole.text
    assert client.get("/v1/content/slots/home-hero").json()["strategy"] == "split"
    assert client.delete("/v1/content/slots/home-hero").status_code == 204
    assert client.get("/v1/content/slots/home-hero").status_code == 404
    assert actions(runtime) == [
        ("content.slot.create", None), ("content.variant.add", "home-hero"),
        ("content.variant.write", "home-hero"), ("content.variant.delete", "home-hero"),
        ("content.slot.write", "home-hero"), ("content.slot.delete", "home-hero")]


def test_wrong_input_names_each_field_and_changes_nothing(client: TestClient,
                                                          runtime: Runtime) -> None:
    bad = slot_body("home-hero",
                    variant_body("a", targeting={"declared": [{"facet": "nofacet",
                                                               "value": "x"}]}),
                    variant_body("a"), fallback="missing", control_share=0.3)
    assert locs(client.post("/v1/content/slots", json=bad)) == [
        ["body", "variants", 0, "targeting", "declared", 0, "facet"],
        ["body", "variants", 1, "key"], ["body", "fallback"], ["body", "control_share"]]
    shapes = slot_body("Bad Key", variant_body("v", targeting={"device": ["toaster"]}),
                       strategy="random")
    shapes["variants"][0]["texts"]["en"]["link"] = "javascript:alert(1)"
    assert sorted(map(str, locs(client.post("/v1/content/slots", json=shapes)))) == sorted(map(
        str, [["body", "key"], ["body", "strategy"],
              ["body", "variants", 0, "texts", "en", "link"],
              ["body", "variants", 0, "targeting", "device", 0]]))
    assert locs(client.post("/v1/content/slots", json=slot_body("slots"))) == [["body", "key"]]
    assert client.post("/v1/content/slots", json=HERO).status_code == 201
    assert client.post("/v1/content/slots", json=HERO).status_code == 409
    # The fallback cannot go while the slot relies on it; a variant's key cannot change.
    refused = client.delete("/v1/content/slots/home-hero/variants/everyone")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["loc"] == ["fallback"]
    assert locs(client.put("/v1/content/slots/home-hero/variants/welcome",
                           json=variant_body("other"))) == [["body", "key"]]
    assert client.put("/v1/content/slots/nope", json={"name": "x"}).status_code == 404
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ContentSlot)) == 1
    assert [a for a, _ in actions(runtime)] == ["content.slot.create"]


def test_writes_need_the_admin_key_and_reads_a_read_key(client: TestClient) -> None:
    assert client.post("/v1/content/slots", json=HERO, headers=READ).status_code == 403
    assert client.post("/v1/content/slots", json=HERO,
                       headers={"X-API-Key": INGEST_KEY}).status_code == 403
    assert client.get("/v1/content/slots", headers={"X-API-Key": "nope"}).status_code == 401


def test_content_for_a_visitor_is_explained_and_logged(client: TestClient,
                                                        runtime: Runtime) -> None:
    client.post("/v1/content/slots", json=HERO)
    answer = client.get("/v1/content/home-hero?visitor_id=anon-1&lang=pl", headers=READ)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["variant"]["key"] == "welcome" and body["variant"]["language"] == "pl"
    assert body["variant"]["title"] == "welcome po polsku"
    assert body["reasons"] == [{"code": "new_visitor", "params": {
        "segment": None, "facet": None, "value": None, "trait": None, "share": None,
        "site": None}, "text": "Pokazujemy, bo jesteś tu po raz pierwszy"}]
    back = client.get("/v1/content/home-hero?visitor_id=anon-1&returning=true",
                      headers={**READ, "Accept-Language": "en"}).json()
    assert back["variant"]["key"] == "everyone"
    assert back["reasons"][0]["text"] == "Shown to everyone (default)"
    flush_decisions(runtime)
    with runtime.session() as session:
        logged = {row.id: row for row in session.scalars(select(ContentDecision))}
    assert set(logged) == {body["decision_id"], back["decision_id"]}
    first = logged[body["decision_id"]]
    # An anonymous visitor without tracking consent: a count, naming nobody.
    assert (first.variant_key, first.reasons, first.customer_id) == (
        "welcome", ["new_visitor"], None)


def test_content_requests_are_checked(client: TestClient) -> None:
    client.post("/v1/content/slots", json=HERO)
    assert client.get("/v1/content/nope", headers=READ).status_code == 404
    assert locs(client.get("/v1/content/home-hero?time_zone=Mars/Olympus",
                           headers=READ)) == [["query", "time_zone"]]
    assert locs(client.get("/v1/content/home-hero?weather=foggy&device=fridge",
                           headers=READ)) == [["query", "device"], ["query", "weather"]]


def test_a_customer_token_reaches_only_its_own_content(client: TestClient,
                                                        runtime: Runtime) -> None:
    client.post("/v1/content/slots", json=HERO)
    token = bearer(token_for(runtime.settings, "c9"))
    mine = client.get("/v1/content/home-hero", headers={**token, "X-API-Key": ""})
    assert mine.status_code == 200, mine.text
    other = client.get("/v1/content/home-hero?customer_id=c8",
                       headers={**token, "X-API-Key": ""})
    assert other.status_code == 403
    assert other.json()["errors"][0]["loc"] == ["query", "customer_id"]
    assert client.get("/v1/content/slots", headers={**token, "X-API-Key": ""}
                      ).status_code in (401, 403)

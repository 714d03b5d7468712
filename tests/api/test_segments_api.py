"""/v1/segments: a read key lists, counts and previews, the admin key writes and exports
(each write and export in the audit log, none for a refused one), a wrong condition is
problem+json naming each field's path and changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apikeys import INGEST_KEY, READ_KEY
from factories import consent, customer
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from prefero.segments.models import Segment

READ = {"X-API-Key": READ_KEY}
VEGAN = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("segment."))
            .order_by(AuditEntry.id))]


def shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "ala", likes=[("diet", "vegan", 1.0)])
        customer(session, "bob", likes=[("diet", "vegan", 0.5)])
        customer(session, "cyd", likes=[("diet", "vegan", -1.0)])
        consent(session, "ala", "marketing_email", True)
        consent(session, "bob", "marketing_email", True)
        consent(session, "bob", "marketing_email", False)


def test_segments_are_created_read_changed_and_deleted(client: TestClient,
                                                       runtime: Runtime) -> None:
    shop(runtime)
    created = client.post("/v1/segments", json={"key": "vegans", "name": "Vegans",
                                                "condition": VEGAN})
    assert created.status_code == 201
    assert (created.json()["key"], created.json()["members"]) == ("vegans", 2)
    assert created.json()["condition"]["facet"] == "diet"
    listed = client.get("/v1/segments", headers=READ).json()["items"]
    assert [(s["key"], s["members"]) for s in listed] == [("vegans", 2)]
    assert client.get("/v1/customers/ala/segments", headers=READ).json()["segments"] == [
        "vegans"]
    assert client.get("/v1/customers/cyd/segments", headers=READ).json()["segments"] == []
    changed = client.put("/v1/segments/vegans", json={
        "name": "Vegan haters", "condition": {**VEGAN, "kind": "dislike"}})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["members"]) == ("Vegan haters", 1)
    assert client.get("/v1/customers/cyd/segments").json()["segments"] == ["vegans"]
    preview = client.get("/v1/segments/vegans/preview?limit=5", headers=READ).json()
    assert (preview["total"], preview["customer_ids"]) == (1, ["cyd"])
    assert client.delete("/v1/segments/vegans").status_code == 204
    assert client.get("/v1/segments/vegans").status_code == 404
    assert actions(runtime) == [("segment.create", "vegans"), ("segment.update", "vegans"),
                                ("segment.delete", "vegans")]


def test_count_answers_for_a_condition_without_storing_it(client: TestClient,
                                                          runtime: Runtime) -> None:
    shop(runtime)
    both = {"type": "and", "conditions": [
        VEGAN, {"type": "consent", "purpose": "marketing_email", "granted": True}]}
    answer = client.post("/v1/segments/count", json={"condition": both}, headers=READ)
    assert answer.status_code == 200 and answer.json() == {"count": 1}
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Segment)) == 0


def test_a_wrong_condition_names_the_field_and_changes_nothing(client: TestClient,
                                                               runtime: Runtime) -> None:
    wrong = client.post("/v1/segments", json={"key": "x", "name": "X", "condition": {
        "type": "and", "conditions": [{"type": "trait", "trait": "openness", "op": "gte",
                                       "value": "high"}]}})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in wrong.json()["errors"]] == [
        ["body", "condition", "conditions", 0, "value"]]
    unknown = client.post("/v1/segments/count", json={"condition": {
        "type": "or", "conditions": [VEGAN, {"type": "horoscope"}]}}, headers=READ)
    assert [e["loc"] for e in unknown.json()["errors"]] == [
        ["body", "condition", "conditions", 1, "type"]]
    deep: dict[str, object] = VEGAN
    for _ in range(500):
        deep = {"type": "not", "condition": deep}
    too_deep = client.post("/v1/segments/count", json={"condition": deep}, headers=READ)
    assert too_deep.status_code == 422
    bad_key = client.post("/v1/segments", json={"key": "Vegans!", "name": " ",
                                                "condition": VEGAN})
    assert bad_key.status_code == 422
    assert [e["loc"] for e in bad_key.json()["errors"]] == [["body", "key"], ["body", "name"]]
    reserved = client.post("/v1/segments", json={"key": "count", "name": "Count",
                                                  "condition": VEGAN})
    assert [e["loc"] for e in reserved.json()["errors"]] == [["body", "key"]]
    # A path word of the API is never taken for a key: only its own methods are allowed.
    refused = client.get("/v1/segments/count")
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST")
    client.post("/v1/segments", json={"key": "vegans", "name": "Vegans", "condition": VEGAN})
    taken = client.post("/v1/segments", json={"key": "vegans", "name": "V", "condition": VEGAN})
    assert taken.status_code == 409
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Segment)) == 1
    assert actions(runtime) == [("segment.create", "vegans")]


def test_scopes(client: TestClient, runtime: Runtime) -> None:
    body = {"key": "vegans", "name": "Vegans", "condition": VEGAN}
    assert client.post("/v1/segments", json=body, headers=READ).status_code == 403
    assert client.post("/v1/segments", json=body,
                       headers={"X-API-Key": INGEST_KEY}).status_code == 403
    assert client.get("/v1/segments", headers={"X-API-Key": "nope"}).status_code == 401
    client.post("/v1/segments", json=body)
    assert client.get("/v1/segments/vegans/export?channel=marketing_email",
                      headers=READ).status_code == 403
    assert client.delete("/v1/segments/vegans", headers=READ).status_code == 403
    assert actions(runtime) == [("segment.create", "vegans")]


def test_export_streams_only_consented_known_customers(client: TestClient,
                                                       runtime: Runtime) -> None:
    shop(runtime)
    with runtime.session(write=True) as session:
        customer(session, "anon-1", likes=[("diet", "vegan", 1.0)]).anonymous = True
        consent(session, "anon-1", "marketing_email", True)
    client.post("/v1/segments", json={"key": "vegans", "name": "Vegans", "condition": VEGAN})
    csv = client.get("/v1/segments/vegans/export?channel=marketing_email&format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text == "customer_id,channel\nala,marketing_email\n"
    lines = client.get("/v1/segments/vegans/export?channel=marketing_push&format=jsonl")
    assert lines.text == ""
    with runtime.session(write=True) as session:
        consent(session, "bob", "marketing_push", True)
    lines = client.get("/v1/segments/vegans/export?channel=marketing_push&format=jsonl")
    assert [json.loads(line) for line in lines.text.splitlines()] == [
        {"customer_id": "bob", "channel": "marketing_push"}]
    wrong = client.get("/v1/segments/vegans/export?channel=sms")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["query", "channel"]
    assert client.get("/v1/segments/nope/export?channel=marketing_email").status_code == 404
    assert actions(runtime) == [("segment.create", "vegans"),
                                ("segment.export.marketing_email", "vegans"),
                                ("segment.export.marketing_push", "vegans"),
                                ("segment.export.marketing_push", "vegans")]

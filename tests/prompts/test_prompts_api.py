"""The prompts API: definitions (admin writes, exact error paths), the customer's caps,
decide and dismiss, with API keys and the customer's own token only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from apikeys import INGEST_KEY, READ_KEY
from customer_tokens import bearer, token_for
from factories import consent, customer
from prefero.runtime import Runtime
from prompt_helpers import add_slot, prompt_body


def _shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_slot(session, runtime, "p-exit")


def test_the_shop_creates_lists_replaces_and_deletes_a_prompt(client: TestClient,
                                                              runtime: Runtime) -> None:
    _shop(runtime)
    made = client.post("/v1/prompts", json=prompt_body("exit", "cart_exit", slot="p-exit"))
    assert made.status_code == 201, made.text
    assert made.json()["threshold"] == 1  # the trigger's default
    assert [p["key"] for p in client.get("/v1/prompts",
                                         headers={"X-API-Key": READ_KEY}).json()["items"]] \
        == ["exit"]
    replaced = client.put("/v1/prompts/exit", json={"name": "Leaving", "trigger": "dwell",
                                                    "threshold": 40, "slot": "p-exit"})
    assert replaced.status_code == 200 and replaced.json()["trigger"] == "dwell"
    assert client.post("/v1/prompts", json=prompt_body("exit", "dwell", slot="p-exit")
                       ).status_code == 409
    assert client.delete("/v1/prompts/exit").status_code == 204
    assert client.get("/v1/prompts/exit").status_code == 404


def test_bad_definitions_name_each_field_and_store_nothing(client: TestClient,
                                                           runtime: Runtime) -> None:
    _shop(runtime)
    answer = client.post("/v1/prompts", json=prompt_body("x", "scroll", slot="nope",
                                                         threshold=300))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {tuple(e["loc"]) for e in answer.json()["errors"]} == {
        ("body", "threshold"), ("body", "slot")}
    unknown = client.post("/v1/prompts", json={**prompt_body("x", "wink", slot="p-exit"),
                                               "colour": "red"})
    assert unknown.status_code == 422
    assert {tuple(e["loc"]) for e in unknown.json()["errors"]} == {
        ("body", "trigger"), ("body", "colour")}
    assert client.get("/v1/prompts").json()["items"] == []


def test_writing_definitions_needs_the_admin_key(client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    for key in (READ_KEY, INGEST_KEY):
        assert client.post("/v1/prompts", headers={"X-API-Key": key},
                           json=prompt_body("exit", "cart_exit", slot="p-exit")
                           ).status_code == 403


def test_a_customer_sets_caps_asks_and_dismisses_with_their_own_token(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    client.post("/v1/prompts", json=prompt_body("exit", "cart_exit", slot="p-exit"))
    own = bearer(token_for(runtime.settings, "alice"))
    client = TestClient(client.app)  # the customer's token alone, no API key
    base = "/v1/customers/alice"
    settings = client.get(f"{base}/prompt-settings", headers=own)
    assert settings.status_code == 200
    assert settings.json() == {
        "per_visit": 1, "gap_minutes": 30, "off": False, "dismissed": [], "defaults": True,
        "text": "At most 1 suggestion like this per visit. At least 30 minutes between "
                "two of them."}
    decided = client.post(f"{base}/prompts/decide", headers=own,
                          json={"trigger": "cart_exit", "facts": {"cart_items": 2}})
    assert decided.status_code == 200
    assert decided.json()["none_because"] == "no_consent"
    with runtime.session(write=True) as session:
        customer(session, "alice")
        consent(session, "alice", "context", True)
    decided = client.post(f"{base}/prompts/decide?lang=pl", headers=own,
                          json={"trigger": "cart_exit", "facts": {"cart_items": 2,
                                                                  "visit_id": "v1"}})
    body = decided.json()
    assert body["prompt"]["key"] == "exit"
    assert body["prompt"]["reasons"][0]["text"] == ("Pokazujemy, bo wychodzisz z 2 "
                                                    "produktami w koszyku")
    assert client.post(f"{base}/prompts/exit/dismiss", headers=own).status_code == 204
    assert client.post(f"{base}/prompts/nope/dismiss", headers=own).status_code == 404
    put = client.put(f"{base}/prompt-settings", headers=own, json={"per_visit": 2,
                                                                   "off": True})
    assert put.status_code == 200
    assert (put.json()["per_visit"], put.json()["off"], put.json()["dismissed"]) == (
        2, True, ["exit"])
    assert put.json()["text"] == "You have switched these suggestions off."


def test_bad_caps_and_facts_are_refused_with_their_paths(client: TestClient) -> None:
    base = "/v1/customers/alice"
    answer = client.put(f"{base}/prompt-settings", json={"per_visit": 9, "gap_minutes": "5",
                                                         "off": "yes"})
    assert answer.status_code == 422
    assert {tuple(e["loc"]) for e in answer.json()["errors"]} == {
        ("body", "per_visit"), ("body", "gap_minutes"), ("body", "off")}
    answer = client.post(f"{base}/prompts/decide", json={
        "trigger": "dwell", "facts": {"scroll_percent": 101, "visit_id": "a b"}})
    assert answer.status_code == 422
    assert {tuple(e["loc"]) for e in answer.json()["errors"]} == {
        ("body", "facts", "scroll_percent"), ("body", "facts", "visit_id")}


def test_another_customers_token_reaches_nothing(client: TestClient,
                                                 runtime: Runtime) -> None:
    bob = bearer(token_for(runtime.settings, "bob"))
    client = TestClient(client.app)  # the customer's token alone, no API key
    base = "/v1/customers/alice"
    assert client.get(f"{base}/prompt-settings", headers=bob).status_code == 403
    assert client.put(f"{base}/prompt-settings", headers=bob,
                      json={"off": True}).status_code == 403
    assert client.post(f"{base}/prompts/decide", headers=bob,
                       json={"trigger": "dwell"}).status_code == 403
    assert client.post(f"{base}/prompts/x/dismiss", headers=bob).status_code == 403
    assert client.get("/v1/prompts", headers=bob).status_code == 403

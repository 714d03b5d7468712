"""Customer tokens over HTTP: issuing and revoking them, and what a token may reach."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY, TOKEN_KEY
from customer_tokens import bearer, expired_token, tampered_token, token_for
from factories import add_products, customer, product
from prefero.customers.models import Customer
from prefero.runtime import Runtime


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as s:
        add_products(s, [product("sku-1", category="Groceries > Bread", price=6),
                         product("sku-2", category="Groceries > Bread", price=9)])
        customer(s, "alice", likes=[("category", "Groceries", 1.0)])
        customer(s, "bob", never=[("brand", "acme")])
    return runtime


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A client without the API key: what a shopper's page sends."""
    yield TestClient(client.app)


def _issue(client: TestClient, customer_id: str, key: str = TOKEN_KEY) -> dict[str, Any]:
    response = client.post(f"/v1/customers/{customer_id}/tokens", headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_token_scope_and_admin_issue_tokens_read_and_ingest_keys_do_not(
        client: TestClient, shop: Runtime) -> None:
    body = _issue(client, "alice")
    assert set(body) == {"token", "token_type", "expires_at", "exchange_url"}
    assert body["token_type"] == "Bearer"
    expires = datetime.fromisoformat(body["expires_at"])
    left = (expires - datetime.now(UTC)).total_seconds()
    assert shop.settings.token_ttl_seconds - 5 < left <= shop.settings.token_ttl_seconds
    assert body["exchange_url"].startswith("/session/exchange?code=")
    assert body["token"] not in body["exchange_url"]
    _issue(client, "alice", key=ADMIN_KEY)
    for key in (READ_KEY, INGEST_KEY):
        refused = client.post("/v1/customers/alice/tokens", headers={"X-API-Key": key})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert client.post("/v1/customers/alice/tokens",
                       headers={"X-API-Key": "nope"}).status_code == 401


def test_a_token_key_has_no_other_scope(client: TestClient, shop: Runtime) -> None:
    headers = {"X-API-Key": TOKEN_KEY}
    assert client.get("/v1/customers/alice/preferences", headers=headers).status_code == 403
    assert client.get("/v1/products", headers=headers).status_code == 403


def test_a_token_reads_and_writes_its_own_customer_only(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    alice = bearer(_issue(client, "alice")["token"])
    own = browser.get("/v1/customers/alice/preferences", headers=alice)
    assert own.status_code == 200
    assert own.json()["customer_id"] == "alice"
    put = browser.put("/v1/customers/alice/preferences", headers=alice,
                      json={"likes": [{"facet": "category", "value": "Groceries",
                                       "weight": 0.5}]})
    assert put.status_code == 200, put.text
    assert browser.get("/v1/customers/alice/consents", headers=alice).status_code == 200
    assert browser.get("/v1/customers/alice/data", headers=alice).status_code == 200
    assert browser.get("/v1/customers/alice/suggestions", headers=alice).status_code == 200

    before = client.get("/v1/customers/bob/preferences").json()
    for method, path, body in [
        ("GET", "/v1/customers/bob/preferences", None),
        ("PUT", "/v1/customers/bob/preferences", {"likes": []}),
        ("GET", "/v1/customers/bob/consents", None),
        ("POST", "/v1/customers/bob/consents", {"purpose": "tracking", "granted": True}),
        ("GET", "/v1/customers/bob/data", None),
        ("DELETE", "/v1/customers/bob", None),
        ("GET", "/v1/customers/bob/suggestions", None),
        ("GET", "/v1/customers/bob/quiz-preferences", None),
    ]:
        response = browser.request(method, path, headers=alice, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/customers/bob/preferences").json() == before


def test_a_token_cannot_call_the_shops_endpoints(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    alice = bearer(_issue(client, "alice")["token"])
    for method, path in [("GET", "/v1/products"), ("POST", "/v1/customers/alice/merge"),
                         ("POST", "/v1/customers/alice/tokens"),
                         ("DELETE", "/v1/customers/alice/tokens"),
                         ("POST", "/v1/events/ga4"), ("GET", "/v1/quizzes")]:
        response = browser.request(method, path, headers=alice, json={})
        assert response.status_code == 403, (method, path, response.text)


def test_erasure_with_the_customers_own_token(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    alice = bearer(_issue(client, "alice")["token"])
    assert browser.delete("/v1/customers/alice", headers=alice).status_code == 200
    assert client.get("/v1/customers/alice/preferences").status_code == 404
    assert client.get("/v1/customers/bob/preferences").status_code == 200


def _exists(runtime: Runtime, customer_id: str) -> bool:
    with runtime.session() as s:
        return s.get(Customer, customer_id) is not None


@pytest.mark.parametrize("eraser", ["admin key", "own token"])
def test_an_erased_customers_earlier_tokens_stay_dead(
        client: TestClient, browser: TestClient, shop: Runtime, eraser: str) -> None:
    """Erasure sweeps the revocation row with everything else naming the id; the tokens
    issued before it must not come back to life and re-create the customer."""
    revoked_earlier = bearer(_issue(client, "alice")["token"])
    client.delete("/v1/customers/alice/tokens", headers={"X-API-Key": TOKEN_KEY})
    before = bearer(_issue(client, "alice")["token"])
    erase = browser.delete("/v1/customers/alice", headers=before) if eraser == "own token" \
        else client.delete("/v1/customers/alice")
    assert erase.status_code == 200
    assert not _exists(shop, "alice")
    for token in (before, revoked_earlier):
        put = browser.put("/v1/customers/alice/preferences", headers=token,
                          json={"likes": [{"facet": "category", "value": "Groceries",
                                           "weight": 0.5}]})
        assert put.status_code == 401, put.text
        assert put.headers["www-authenticate"] == "Bearer"
        event = {"event_id": "after-erasure", "type": "view", "customer_id": "alice",
                 "product_id": "sku-1", "occurred_at": datetime.now(UTC).isoformat()}
        posted = browser.post("/v1/events", headers=token, json={"events": [event]})
        assert posted.status_code == 401, posted.text
        assert browser.get("/v1/recommendations", headers=token).status_code == 401
    assert not _exists(shop, "alice")
    # A returning customer signed in again after the erasure gets a working token.
    again = bearer(_issue(client, "alice")["token"])
    assert browser.put("/v1/customers/alice/preferences", headers=again,
                       json={"likes": []}).status_code == 200
    assert _exists(shop, "alice")
    # Other customers' tokens were never affected.
    assert browser.get("/v1/customers/bob/preferences",
                       headers=bearer(_issue(client, "bob")["token"])).status_code == 200


@pytest.mark.parametrize("kind", ["expired", "tampered", "wrong key", "garbage"])
def test_a_bad_token_is_401_with_a_bearer_challenge(
        browser: TestClient, shop: Runtime, kind: str) -> None:
    settings = shop.settings
    token = {
        "expired": lambda: expired_token(settings, "alice"),
        "tampered": lambda: tampered_token(settings, "alice"),
        "wrong key": lambda: token_for(settings.model_copy(
            update={"token_keys": ["not-the-servers-key"]}), "alice"),
        "garbage": lambda: "not.a.token",
    }[kind]()
    response = browser.get("/v1/customers/alice/preferences", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/invalid-token")
    if kind == "expired":
        assert "expired" in response.json()["detail"]


def test_an_api_key_401_still_names_the_key_header(browser: TestClient, shop: Runtime
                                                   ) -> None:
    response = browser.get("/v1/customers/alice/preferences", headers={"X-API-Key": "nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "X-API-Key"


def test_revocation_refuses_earlier_tokens_and_not_later_ones(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    first = bearer(_issue(client, "alice")["token"])
    bobs = bearer(_issue(client, "bob")["token"])
    revoked = client.delete("/v1/customers/alice/tokens", headers={"X-API-Key": TOKEN_KEY})
    assert revoked.status_code == 200
    assert revoked.json()["customer_id"] == "alice"
    response = browser.get("/v1/customers/alice/preferences", headers=first)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"
    # Only alice's tokens: bob's keeps working; a token issued after the revocation works.
    assert browser.get("/v1/customers/bob/preferences", headers=bobs).status_code == 200
    later = bearer(_issue(client, "alice")["token"])
    assert browser.get("/v1/customers/alice/preferences", headers=later).status_code == 200
    assert client.delete("/v1/customers/alice/tokens",
                         headers={"X-API-Key": READ_KEY}).status_code == 403


def test_rotation_over_http(client: TestClient, browser: TestClient, shop: Runtime) -> None:
    old_key = shop.settings.token_keys[0]
    alice = bearer(_issue(client, "alice")["token"])
    shop.settings.token_keys = ["a-newer-token-key", old_key]  # rotated: old listed second
    assert browser.get("/v1/customers/alice/preferences", headers=alice).status_code == 200
    fresh = bearer(_issue(client, "alice")["token"])
    shop.settings.token_keys = ["a-newer-token-key"]  # the old key removed
    assert browser.get("/v1/customers/alice/preferences", headers=alice).status_code == 401
    assert browser.get("/v1/customers/alice/preferences", headers=fresh).status_code == 200


def test_events_with_a_token_must_all_be_the_customers_own(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    alice = bearer(_issue(client, "alice")["token"])
    now = datetime.now(UTC).isoformat()
    mine = {"event_id": "a-1", "type": "rec_dismiss", "customer_id": "alice",
            "product_id": "sku-1", "occurred_at": now}
    theirs = {**mine, "event_id": "b-1", "customer_id": "bob"}
    anonymous = {k: v for k, v in {**mine, "event_id": "v-1"}.items() if k != "customer_id"}
    anonymous["anonymous_id"] = "v-9"
    for index, other in ((1, theirs), (1, anonymous)):
        refused = browser.post("/v1/events", headers=alice, json={"events": [mine, other]})
        assert refused.status_code == 403
        assert refused.json()["errors"] == [{
            "loc": ["events", index, "customer_id"],
            "msg": "must be the customer this token was issued to"}]
    # Nothing of a refused batch was stored.
    assert client.get("/v1/customers/alice/data").json()["events"]["total"] == 0
    accepted = browser.post("/v1/events", headers=alice, json={"events": [mine]})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted"] == 1


def test_recommendations_and_search_as_the_tokens_customer(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    alice = bearer(_issue(client, "alice")["token"])
    for path in ("/v1/recommendations", "/v1/recommendations?customer_id=alice",
                 "/v1/search?q=bread", "/v1/search?q=bread&customer_id=alice"):
        assert browser.get(path, headers=alice).status_code == 200, path
    assert browser.post("/v1/recommendations", headers=alice, json={}).status_code == 200
    for path in ("/v1/recommendations?customer_id=bob", "/v1/search?q=bread&customer_id=bob"):
        refused = browser.get(path, headers=alice)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["loc"] == ["query", "customer_id"]
    refused = browser.post("/v1/recommendations", headers=alice, json={"customer_id": "bob"})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["loc"] == ["body", "customer_id"]


def test_recommendations_with_an_omitted_id_are_the_subjects(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    """Bob never wants brand acme: a token of bob's without customer_id gets bob's filter."""
    with shop.session() as s:
        add_products(s, [product("acme-1", category="Groceries > Bread", price=1,
                                 brand="acme")])
    bobs = bearer(_issue(client, "bob")["token"])
    items = browser.get("/v1/recommendations?n=10", headers=bobs).json()["items"]
    assert items and "acme-1" not in {item["product_id"] for item in items}
    anonymous = client.get("/v1/recommendations?n=10").json()["items"]
    assert "acme-1" in {item["product_id"] for item in anonymous}


def test_openapi_documents_both_schemes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                 "description": schemes["ApiKey"]["description"]}
    assert schemes["CustomerToken"]["scheme"] == "bearer"
    own = document["paths"]["/v1/customers/{customer_id}/preferences"]["get"]["security"]
    assert {"CustomerToken": []} in own and {"ApiKey": ["read"]} in own
    shops = document["paths"]["/v1/products"]["get"]["security"]
    assert shops == [{"ApiKey": ["read"]}]

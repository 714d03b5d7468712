"""/v1/customers/{id}/follows: listed with a read key or the customer's own token, changed
with an ingest key or that token, every change in the audit log; a value the catalogue does
not carry is problem+json at its path and changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import INGEST_KEY, READ_KEY
from customer_tokens import bearer, token_for
from factories import add_products, product
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime

INGEST = {"X-API-Key": INGEST_KEY}
READ = {"X-API-Key": READ_KEY}
PATH = "/v1/customers/c1/follows"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("a1", category="Beauty > Skincare", brand="Acme"),
            product("b1", category="Fashion > Shoes > Running", brand="Bolt"),
        ])
    return runtime


def test_follow_list_and_unfollow(client: TestClient, shop: Runtime) -> None:
    followed = client.put(f"{PATH}/brand/Acme", headers=INGEST)
    assert followed.status_code == 200, followed.text
    assert followed.json()["value"] == "acme" and followed.json()["label"] == "Acme"
    # A category path may be written with slashes in the address.
    assert client.put(f"{PATH}/category/Fashion/Shoes", headers=INGEST).status_code == 200
    listed = client.get(PATH, headers=READ).json()
    assert [(f["kind"], f["value"]) for f in listed["items"]] == [
        ("brand", "acme"), ("category", "Fashion > Shoes")]
    assert listed["limit"] == shop.settings.follows_max
    assert client.delete(f"{PATH}/brand/acme", headers=INGEST).status_code == 204
    assert client.delete(f"{PATH}/brand/acme", headers=INGEST).status_code == 204
    assert [f["value"] for f in client.get(PATH, headers=READ).json()["items"]] == [
        "Fashion > Shoes"]
    with shop.session() as session:
        assert [e.action for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("follows."))
            .order_by(AuditEntry.id))] == ["follows.write", "follows.write",
                                           "follows.delete", "follows.delete"]


@pytest.mark.parametrize(("path", "loc"), [
    (f"{PATH}/brand/Nobody", ["path", "value"]),
    (f"{PATH}/category/Garden", ["path", "value"]),
    (f"{PATH}/shop/Acme", ["path", "kind"]),
])
def test_bad_input_is_named_and_changes_nothing(client: TestClient, shop: Runtime,
                                                path: str, loc: list[str]) -> None:
    answer = client.put(path, headers=INGEST)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == [loc]
    assert client.get(PATH, headers=READ).json()["items"] == []


def test_a_customer_token_reaches_only_its_own_follows(client: TestClient,
                                                       shop: Runtime) -> None:
    own = bearer(token_for(shop.settings, "c1"))
    assert client.put(f"{PATH}/brand/Acme", headers={**own, "X-API-Key": ""}
                      ).status_code == 200
    assert client.get(PATH, headers={**own, "X-API-Key": ""}).status_code == 200
    other = client.get("/v1/customers/c2/follows", headers={**own, "X-API-Key": ""})
    assert other.status_code == 403
    # A read key may list but not change.
    assert client.put(f"{PATH}/brand/Bolt", headers=READ).status_code == 403

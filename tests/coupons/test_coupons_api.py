"""/v1/coupon-pools (read key reads, only the admin key writes, every write audited) and
/v1/customers/{id}/coupons (the customer's own token or a key): codes, field paths of bad
input, 201 for a new code and 200 for the one held. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import INGEST_KEY, READ_KEY
from customer_tokens import bearer, token_for
from factories import add_products, customer, product
from prefero.audit.models import AuditEntry
from prefero.db.base import utcnow
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}
INGEST = {"X-API-Key": INGEST_KEY}
POOLS = "/v1/coupon-pools"


def pool_body(**changes: Any) -> dict[str, Any]:
    now = utcnow()
    return {"name": "Beauty coupon", "percent_off": 15, "codes_total": 2,
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=10)).isoformat(),
            "category_roots": ["Beauty"], **changes}


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [product("cream", category="Beauty > Skincare"),
                               product("shoe", category="Fashion > Shoes")])
    return runtime


def test_pools_are_written_by_the_admin_only_and_read_with_a_read_key(
        client: TestClient, shop: Runtime) -> None:
    assert client.post(POOLS, json=pool_body(), headers=READ).status_code == 403
    assert client.post(POOLS, json=pool_body(), headers=INGEST).status_code == 403
    added = client.post(POOLS, json=pool_body())
    assert added.status_code == 201, added.text
    pool = added.json()
    assert (pool["remaining"], pool["currency"]) == (2, shop.settings.shop_currency)
    assert client.get(POOLS, headers=READ).json()["items"] == [pool]
    assert client.put(f"{POOLS}/{pool['id']}", json=pool_body(codes_total=5),
                      headers=READ).status_code == 403
    assert client.put(f"{POOLS}/{pool['id']}", json=pool_body(codes_total=5)
                      ).json()["remaining"] == 5
    assert client.delete(f"{POOLS}/{pool['id']}", headers=READ).status_code == 403
    assert client.delete(f"{POOLS}/{pool['id']}").status_code == 204
    assert client.get(f"{POOLS}/{pool['id']}", headers=READ).status_code == 404
    with shop.session() as session:
        assert [e.action for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("coupons."))
            .order_by(AuditEntry.id))] == ["coupons.pools.add", "coupons.pools.write",
                                           "coupons.pools.delete"]


@pytest.mark.parametrize(("changes", "locs"), [
    ({"category_roots": ["Garden"]}, [["body", "category_roots", 0]]),
    ({"amount_off": 5}, [["body", "percent_off"]]),
    ({"percent_off": 150}, [["body", "percent_off"]]),
    ({"codes_total": 0}, [["body", "codes_total"]]),
    ({"colour": "red"}, [["body", "colour"]]),
])
def test_bad_pools_are_named_and_change_nothing(client: TestClient, shop: Runtime,
                                                changes: dict[str, Any],
                                                locs: list[list[Any]]) -> None:
    answer = client.post(POOLS, json=pool_body(**changes))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == locs
    assert client.get(POOLS).json()["items"] == []


def test_a_customer_chooses_with_their_token_and_the_shop_sees_the_choices(
        client: TestClient, shop: Runtime) -> None:
    pool_id = client.post(POOLS, json=pool_body()).json()["id"]
    own = {**bearer(token_for(shop.settings, "c1")), "X-API-Key": ""}
    path = "/v1/customers/c1/coupons"
    before = client.get(path, headers=own).json()
    assert before["items"] == [] and [p["id"] for p in before["open_pools"]] == [pool_id]
    first = client.post(path, json={"pool_id": pool_id, "category": "Beauty > Skincare"},
                        headers=own)
    assert first.status_code == 201, first.text
    again = client.post(path, json={"pool_id": pool_id, "category": "Beauty"}, headers=own)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    after = client.get(path, headers=own).json()
    assert [c["code"] for c in after["items"]] == [first.json()["code"]]
    assert after["open_pools"] == []
    # Another customer's coupons are out of this token's reach.
    assert client.post("/v1/customers/c2/coupons", json={"pool_id": pool_id,
                                                         "category": "Beauty"},
                       headers=own).status_code == 403
    stats = client.get(f"{POOLS}/{pool_id}/stats", headers=READ).json()
    assert stats["chosen"] == [{"applies_kind": "category",
                                "applies_value": "Beauty > Skincare", "count": 1}]
    assert stats["pool"]["remaining"] == 1


@pytest.mark.parametrize(("body", "status", "loc"), [
    ({"category": "Fashion"}, 422, ["body", "category"]),
    ({"product_id": "shoe"}, 422, ["body", "product_id"]),
    ({"pool_id": 9999, "category": "Beauty"}, 422, ["body", "pool_id"]),
    ({"category": "Beauty", "extra": 1}, 422, ["body", "extra"]),
])
def test_bad_choices_are_named(client: TestClient, shop: Runtime, body: dict[str, Any],
                               status: int, loc: list[str]) -> None:
    pool_id = client.post(POOLS, json=pool_body()).json()["id"]
    answer = client.post("/v1/customers/c1/coupons", json={"pool_id": pool_id, **body},
                         headers=INGEST)
    assert answer.status_code == status, answer.text
    assert [e["loc"] for e in answer.json()["errors"]] == [loc]
    assert client.get("/v1/customers/c1/coupons", headers=READ).json()["items"] == []


def test_a_used_up_pool_answers_409(client: TestClient, shop: Runtime) -> None:
    pool_id = client.post(POOLS, json=pool_body(codes_total=1)).json()["id"]
    choice = {"pool_id": pool_id, "category": "Beauty"}
    assert client.post("/v1/customers/c1/coupons", json=choice,
                       headers=INGEST).status_code == 201
    assert client.post("/v1/customers/c2/coupons", json=choice,
                       headers=INGEST).status_code == 409


def test_a_choice_the_customers_rules_exclude_is_named(client: TestClient,
                                                       shop: Runtime) -> None:
    with shop.session(write=True) as session:
        customer(session, "c9", never=[("category", "Beauty > Skincare")])
    pool_id = client.post(POOLS, json=pool_body()).json()["id"]
    answer = client.post("/v1/customers/c9/coupons",
                         json={"pool_id": pool_id, "category": "Beauty > Skincare"},
                         headers=INGEST)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == [["body", "category"]]

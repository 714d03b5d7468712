"""Two real server processes, each with its own disk, sharing PostgreSQL and Redis as two
hosts would: a rule or a consent withdrawal written through one is honoured on the very next
request served by the other, both serve the artefacts published in the database, and an
erasure through one removes the customer from the shared cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from apikeys import ADMIN_KEY
from factories import add_products, customer, events, product
from postgres_shop import require_redis
from prefero.bench.server import ServerProcess, server_environment
from prefero.config import Settings
from prefero.recommend.declared_shared import namespace
from prefero.recommend.training import train
from prefero.runtime import Runtime

REDIS_URL = "redis://127.0.0.1:6379/0"
BEHAVIOURAL = {"co_purchase", "co_view", "follows", "behaviour_affinity", "session_context"}
BRANDS = {"acme": "a", "zeta": "z"}


@pytest.fixture
def shop(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A PostgreSQL shop published to the database: 2 brands, a customer who knows acme."""
    require_redis(REDIS_URL)
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "artefact_store": "database",
                                         "data_dir": tmp_path / "trainer"})
    runtime = Runtime(shared)
    with runtime.session() as s:
        add_products(s, [product(f"{prefix}{i}", category="Shop", brand=brand)
                         for brand, prefix in BRANDS.items() for i in range(6)])
        for cid in ("c1", "c2", "c3"):
            customer(s, cid, level="full")
        events(s, "c1", [("view", "a0"), ("view", "a1"), ("purchase", "a2")])
        events(s, "c2", [("view", "a0"), ("view", "a1"), ("view", "a3"), ("view", "z0")])
        events(s, "c3", [("view", "a1"), ("view", "a2"), ("view", "a4")])
    train(runtime)
    runtime.close()
    yield shared
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{namespace(shared)}*"):
        client.delete(key)


def _start(shop: Settings, folder: Path) -> ServerProcess:
    env = server_environment(shop.model_copy(update={"data_dir": folder}))
    env.update({"PREFERO_REDIS_URL": REDIS_URL, "PREFERO_ARTEFACT_STORE": "database",
                "PREFERO_DEFAULT_LEVEL": shop.default_level})
    server = ServerProcess(env, workers=1)
    server.start(timeout=60.0)
    return server


def _brands(client: httpx.Client) -> tuple[set[str], str, list[str]]:
    answer = client.get("/v1/recommendations", params={"customer_id": "c1", "n": 8})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    brands = {item["product_id"][0] for item in body["items"]}
    codes = [reason["code"] for item in body["items"] for reason in item["reasons"]]
    return brands, body["effective_level"], codes


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # as hosts would share
def test_a_write_through_one_process_is_honoured_by_the_next_answer_of_another(
    shop: Settings, tmp_path: Path
) -> None:
    one, other = _start(shop, tmp_path / "host-1"), _start(shop, tmp_path / "host-2")
    try:
        with httpx.Client(base_url=one.base, headers={"X-API-Key": ADMIN_KEY}) as first, \
                httpx.Client(base_url=other.base, headers={"X-API-Key": ADMIN_KEY}) as second:
            # Both processes have read c1 (and so cached it, in process and in Redis).
            for client in (first, second):
                brands, level, codes = _brands(client)
                assert "a" in brands
                assert level == "full"
                assert BEHAVIOURAL & set(codes)
            assert redis.Redis.from_url(REDIS_URL).exists(f"{namespace(shop)}c1") == 1
            # Each host serves the version the trainer published, from its own copy.
            for host in ("host-1", "host-2"):
                assert any((tmp_path / host / "artefacts").iterdir())

            saved = first.put("/v1/customers/c1/preferences", json={
                "level": "full", "constraints": [
                    {"facet": "brand", "op": "never", "values": ["acme"]}]})
            assert saved.status_code == 200, saved.text
            brands, _, _ = _brands(second)
            assert "a" not in brands and brands == {"z"}

            withdrawn = first.post("/v1/customers/c1/consents",
                                   json={"purpose": "tracking", "granted": False})
            assert withdrawn.status_code == 201, withdrawn.text
            _, level, codes = _brands(second)
            assert level != "full"
            # Nothing the customer did may be given as a reason any more.
            assert not BEHAVIOURAL & set(codes)

            # An erasure leaves nothing of the customer in the shared cache.
            assert first.delete("/v1/customers/c1").status_code == 200
            assert redis.Redis.from_url(REDIS_URL).exists(f"{namespace(shop)}c1") == 0
    finally:
        one.stop()
        other.stop()

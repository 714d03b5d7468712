"""Rate limits per API key, per customer, per client IP and for failed authentications."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from apikeys import ADMIN_KEY, READ_KEY
from asgi_driver import Answer, call
from customer_tokens import expired_token, tampered_token
from postgres_shop import require_redis
from prefero.api.app import create_app
from prefero.auth.tokens import sign_customer_token
from prefero.config import Settings
from prefero.runtime import Runtime

REDIS_URL = "redis://127.0.0.1:6379/0"
ATTACKER = ("203.0.113.66", 5000)

MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_app(settings: Settings) -> Iterator[MakeApp]:
    runtimes: list[Runtime] = []

    def make(**changes: object) -> FastAPI:
        runtime = Runtime(settings.model_copy(update=changes))
        runtimes.append(runtime)
        return create_app(runtime=runtime)

    yield make
    for runtime in runtimes:
        runtime.close()


def _get(app: FastAPI, path: str, *, key: str | None = None,
         client: tuple[str, int] = ("198.51.100.1", 4000), **headers: str) -> Answer:
    if key is not None:
        headers["X-API-Key"] = key
    return call(app, "GET", path, headers=headers, client=client)


def _assert_429(answer: Answer) -> None:
    assert answer.status == 429
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://prefero.dev/problems/rate-limited"
    assert 1 <= int(answer.headers["retry-after"]) <= 60


def test_500_wrong_keys_get_20_401s_then_429s(make_app: MakeApp) -> None:
    app = make_app(rate_limit_failed_auth="20/minute")
    statuses = [_get(app, "/v1/products", key=f"guess-{n}", client=ATTACKER).status
                for n in range(500)]
    assert statuses == [401] * 20 + [429] * 480
    blocked = _get(app, "/v1/products", key="guess-501", client=ATTACKER)
    _assert_429(blocked)
    assert "failed authentications" in blocked.json()["detail"]
    # Even the right key is refused from that address: a hit must look like a miss.
    _assert_429(_get(app, "/v1/products", key=ADMIN_KEY, client=ATTACKER))
    # Other addresses are not affected.
    assert _get(app, "/v1/products", key=ADMIN_KEY, client=("198.51.100.2", 1)).status == 200
    assert _get(app, "/v1/products", key="guess", client=("198.51.100.3", 1)).status == 401


def test_expired_tokens_behind_one_address_do_not_lock_out_the_shop(
        make_app: MakeApp, settings: Settings) -> None:
    """Shoppers behind one NAT whose tokens expired are no key guessers: their 401s must not
    get the shop's own key from that address answered 429."""
    app = make_app(rate_limit_failed_auth="5/minute")
    nat = ("198.51.100.50", 1)
    expired = [expired_token(settings, f"c-{n}") for n in range(30)]
    statuses = [_get(app, f"/v1/customers/c-{n}/preferences", client=nat,
                     Authorization=f"Bearer {token}").status
                for n, token in enumerate(expired)]
    assert statuses == [401] * 30
    assert _get(app, "/v1/products", key=ADMIN_KEY, client=nat).status == 200
    # A token with a bad signature still counts as a guess.
    forged = tampered_token(settings, "c-1")
    statuses = [_get(app, "/v1/customers/c-1/preferences", client=nat,
                     Authorization=f"Bearer {forged}").status for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    _assert_429(_get(app, "/v1/products", key=ADMIN_KEY, client=nat))


def test_each_api_key_has_its_own_bucket(make_app: MakeApp) -> None:
    app = make_app(rate_limit_api_key="5/minute")
    assert [_get(app, "/v1/products", key=ADMIN_KEY).status for _ in range(5)] == [200] * 5
    refused = _get(app, "/v1/products", key=ADMIN_KEY)
    _assert_429(refused)
    assert refused.json()["detail"].startswith("more than 5 per 1 minute for this API key")
    # Another key, from the same address, still has its whole budget.
    assert _get(app, "/v1/products", key=READ_KEY).status == 200


def test_each_customer_token_has_its_own_bucket(make_app: MakeApp, settings: Settings) -> None:
    app = make_app(rate_limit_customer="3/minute")
    first = sign_customer_token(settings, "c-1").token
    second = sign_customer_token(settings, "c-2").token
    path = "/v1/customers/c-1/preferences"
    statuses = [_get(app, path, Authorization=f"Bearer {first}").status for _ in range(4)]
    assert statuses[:3] != [429] * 3 and statuses[3] == 429
    other = _get(app, "/v1/customers/c-2/preferences", Authorization=f"Bearer {second}")
    assert other.status != 429


def test_anonymous_requests_are_counted_per_address(make_app: MakeApp) -> None:
    app = make_app(rate_limit_anonymous="3/minute")
    here, there = ("198.51.100.7", 1), ("198.51.100.8", 1)
    assert [_get(app, "/openapi.json", client=here).status for _ in range(3)] == [200] * 3
    _assert_429(_get(app, "/openapi.json", client=here))
    assert _get(app, "/openapi.json", client=there).status == 200
    # Health checks, static files and product pictures (a page's own parts) are never counted.
    assert _get(app, "/healthz", client=here).status == 200
    assert _get(app, "/static/swagger/swagger-ui.css", client=here).status == 200
    assert _get(app, "/img/products/no-such-product", client=here).status == 404


def test_the_limiter_can_be_turned_off(make_app: MakeApp) -> None:
    app = make_app(rate_limits=False, rate_limit_failed_auth="1/minute",
                   rate_limit_anonymous="1/minute")
    assert {_get(app, "/v1/products", key="guess", client=ATTACKER).status
            for _ in range(5)} == {401}
    assert {_get(app, "/openapi.json").status for _ in range(5)} == {200}


@pytest.mark.parametrize("rate", ["lots", "5/fortnight", "1/second;2/minute", ""])
def test_a_rate_that_is_not_one_rate_stops_the_settings(rate: str) -> None:
    with pytest.raises(ValidationError, match="rate_limit_api_key"):
        Settings(rate_limit_api_key=rate)


def test_two_workers_share_one_limit_through_redis(make_app: MakeApp) -> None:
    require_redis(REDIS_URL)
    key = f"shared-{uuid.uuid4().hex}"  # a fresh bucket in the shared server
    apps = [make_app(redis_url=REDIS_URL, read_keys=[key], rate_limit_api_key="4/minute")
            for _ in range(2)]
    # A TestClient per app: each runs on its own event loop, like two worker processes; the
    # lifespan runs, so that shutdown closes the Redis connections.
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        statuses = [client.get("/v1/products", headers={"X-API-Key": key}).status_code
                    for client in (first, second, first, second, first, second)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    # Without Redis each process counts alone.
    alone = [make_app(read_keys=[key], rate_limit_api_key="4/minute") for _ in range(2)]
    assert [_get(app, "/v1/products", key=key).status
            for app in (*alone, *alone, *alone)] == [200] * 6


def test_failed_authentications_are_shared_through_redis(make_app: MakeApp) -> None:
    require_redis(REDIS_URL)
    attacker = (f"2001:db8::{uuid.uuid4().hex[:4]}", 1)  # a fresh bucket in the shared server
    apps = [make_app(redis_url=REDIS_URL, rate_limit_failed_auth="3/minute") for _ in range(2)]
    with (TestClient(apps[0], client=attacker) as first,
          TestClient(apps[1], client=attacker) as second):
        statuses = [(first, second)[n % 2].get("/v1/products",
                                               headers={"X-API-Key": "guess"}).status_code
                    for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_an_unreachable_redis_lets_requests_through(make_app: MakeApp,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(redis_url="redis://127.0.0.1:1/0", rate_limit_api_key="1/minute")
    with TestClient(app) as client:
        statuses = [client.get("/v1/products", headers={"X-API-Key": ADMIN_KEY}).status_code
                    for _ in range(3)]
    assert statuses == [200] * 3
    assert "rate limits not enforced" in caplog.text

"""X-Forwarded-For is believed from trusted proxies only (PREFERO_TRUSTED_PROXIES)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from asgi_driver import call
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.runtime import Runtime

NGINX = ("10.0.0.5", 4000)
STRANGER = ("198.51.100.9", 4000)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    runtime = Runtime(settings.model_copy(update={
        "trusted_proxies": ["10.0.0.0/24", "2001:db8::1"], "rate_limit_anonymous": "2/minute"}))
    app = create_app(runtime=runtime)

    async def echo(request: Request) -> PlainTextResponse:
        assert request.client is not None
        return PlainTextResponse(f"{request.client.host} {request.url.scheme}")

    app.add_route("/echo-client", echo)
    yield app
    runtime.close()


def _get(app: FastAPI, peer: tuple[str, int], forwarded: str) -> tuple[int, str]:
    answer = call(app, "GET", "/echo-client", client=peer,
                  headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"})
    return answer.status, answer.body.decode()


def test_a_trusted_proxy_names_the_shopper(app: FastAPI) -> None:
    assert _get(app, NGINX, "203.0.113.5") == (200, "203.0.113.5 https")
    # Walked from the right: the first address the trusted proxy did not add is the client.
    assert _get(app, NGINX, "192.0.2.1, 203.0.113.6") == (200, "203.0.113.6 https")
    assert _get(app, ("2001:db8::1", 1), "203.0.113.7") == (200, "203.0.113.7 https")


def test_an_untrusted_peer_cannot_claim_another_address(app: FastAPI) -> None:
    assert _get(app, STRANGER, "203.0.113.5") == (200, "198.51.100.9 http")
    assert _get(app, ("10.0.1.5", 1), "203.0.113.5") == (200, "10.0.1.5 http")  # not in /24


def test_rate_limit_buckets_follow_the_forwarded_address_only_behind_a_trusted_proxy(
        app: FastAPI) -> None:
    # Behind nginx, each shopper has their own bucket of 2.
    assert [_get(app, NGINX, ip)[0] for ip in ["203.0.113.1"] * 2 + ["203.0.113.2"] * 2] \
        == [200] * 4
    assert _get(app, NGINX, "203.0.113.1")[0] == 429
    # A stranger varying the header stays one bucket: its own address.
    assert [_get(app, STRANGER, f"203.0.113.{n}")[0] for n in range(10, 13)] == [200, 200, 429]


def test_no_trusted_proxies_means_the_header_is_ignored(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)

    async def echo(request: Request) -> PlainTextResponse:
        assert request.client is not None
        return PlainTextResponse(request.client.host)

    app.add_route("/echo-client", echo)
    answer = call(app, "GET", "/echo-client", client=("127.0.0.1", 1),
                  headers={"X-Forwarded-For": "203.0.113.5"})
    assert answer.body == b"127.0.0.1"


def test_a_mistyped_proxy_stops_the_app(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"trusted_proxies": ["10.0.0.300"]}))
    try:
        with pytest.raises(ValueError, match=r"PREFERO_TRUSTED_PROXIES: '10\.0\.0\.300'"):
            create_app(runtime=runtime)
    finally:
        runtime.close()

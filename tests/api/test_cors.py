"""CORS follows settings.allowed_origins: the shop's own pages may call the token API from
the browser (preflight included), any other origin gets no CORS headers at all."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from customer_tokens import bearer, token_for
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.runtime import Runtime

SHOP = "https://shop.example"
PATH = "/v1/customers/c-cors/consents"


@pytest.fixture
def shop_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allowed_origins": [SHOP]})


@pytest.fixture
def browser(shop_settings: Settings) -> Iterator[TestClient]:
    """A browser on some page: no API key, only what a page may send."""
    runtime = Runtime(shop_settings)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


def _preflight(client: TestClient, origin: str, method: str = "POST",
               headers: str = "authorization, content-type") -> httpx.Response:
    return client.options(PATH, headers={"Origin": origin,
                                         "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


def test_the_shops_page_passes_the_preflight(browser: TestClient) -> None:
    for method in ("GET", "POST", "PUT", "DELETE"):
        answer = _preflight(browser, SHOP, method)
        assert answer.status_code == 200, answer.text
        headers = answer.headers
        assert headers["access-control-allow-origin"] == SHOP
        assert method in headers["access-control-allow-methods"]
        allowed = headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        # Bearer tokens, not cookies: the browser is never told it may send credentials.
        assert "access-control-allow-credentials" not in headers
        assert headers["x-content-type-options"] == "nosniff"


def test_the_shops_page_calls_the_token_api(browser: TestClient,
                                            shop_settings: Settings) -> None:
    answer = browser.post(PATH, json={"purpose": "tracking", "granted": True},
                          headers={"Origin": SHOP, **bearer(token_for(shop_settings,
                                                                      "c-cors"))})
    assert answer.status_code == 201, answer.text
    assert answer.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in answer.headers["vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://shop.example",
                                    "https://shop.example.evil.example", "null"])
def test_another_origin_gets_no_cors_headers(browser: TestClient, shop_settings: Settings,
                                             origin: str) -> None:
    preflight = _preflight(browser, origin)
    assert "access-control-allow-origin" not in preflight.headers
    answer = browser.get("/v1/customers/c-cors/preferences", headers={
        "Origin": origin, **bearer(token_for(shop_settings, "c-cors"))})
    assert "access-control-allow-origin" not in answer.headers


def test_a_header_outside_the_list_fails_the_preflight(browser: TestClient) -> None:
    # The API key is for servers: a page must not send it, so a preflight asking is refused.
    answer = _preflight(browser, SHOP, headers="x-api-key")
    # A preflight answered with anything but 2xx fails: the browser sends nothing.
    assert answer.status_code == 400
    assert "x-api-key" not in answer.headers.get("access-control-allow-headers", "").lower()


def test_without_allowed_origins_nobody_gets_cors_headers(client: TestClient) -> None:
    preflight = _preflight(client, SHOP)
    assert "access-control-allow-origin" not in preflight.headers
    answer = client.get("/v1/products", headers={"Origin": SHOP})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers

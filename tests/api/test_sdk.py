"""/sdk/prefero.js: served so that another origin's page can load it with a plain
``<script src>``, cached briefly and revalidated cheaply; and the API calls the client makes
pass the CORS preflight from the shop's origin and from no other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from customer_tokens import bearer, token_for
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.runtime import Runtime

SHOP = "https://shop.example"
CUSTOMER = "c-sdk"
SDK_DIR = Path(__file__).parents[2] / "src" / "prefero" / "api" / "static" / "sdk"
# What the client calls, with the method and the headers it sends (the preflight names the
# ones that are not safelisted: Authorization always, Content-Type with a JSON body).
CLIENT_CALLS = [
    ("GET", "/v1/recommendations?placement=home&n=8", "authorization"),
    ("GET", f"/v1/customers/{CUSTOMER}/consents", "authorization"),
    ("POST", "/v1/events", "authorization, content-type"),
]


@pytest.fixture
def shop_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allowed_origins": [SHOP]})


@pytest.fixture
def browser(shop_settings: Settings) -> Iterator[TestClient]:
    """What a shop's page can send: no API key."""
    runtime = Runtime(shop_settings)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


def test_the_script_is_served_for_other_origins(browser: TestClient) -> None:
    answer = browser.get("/sdk/prefero.js", headers={"Origin": SHOP})
    assert answer.status_code == 200
    headers = answer.headers
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=300"
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])
    # A page of another origin may embed it even when it isolates itself (COEP).
    assert headers["cross-origin-resource-policy"] == "cross-origin"
    assert headers["x-content-type-options"] == "nosniff"
    # A script, not a page: no page policy that would mean nothing here.
    assert "content-security-policy" not in headers
    assert answer.content == (SDK_DIR / "prefero.js").read_bytes()
    assert "window.Prefero" in answer.text


def test_the_stylesheet_is_served_too(browser: TestClient) -> None:
    answer = browser.get("/sdk/prefero.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.headers["cross-origin-resource-policy"] == "cross-origin"
    assert answer.content == (SDK_DIR / "prefero.css").read_bytes()


def test_a_revalidation_costs_a_304(browser: TestClient) -> None:
    first = browser.get("/sdk/prefero.js")
    etag = first.headers["etag"]
    for validator in (etag, f"W/{etag}", f'"other", {etag}'):
        again = browser.get("/sdk/prefero.js", headers={"If-None-Match": validator})
        assert again.status_code == 304, validator
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=300"
    changed = browser.get("/sdk/prefero.js", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200
    assert changed.content == first.content


def test_head_answers_the_headers_alone(browser: TestClient) -> None:
    answer = browser.head("/sdk/prefero.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.content == b""


def test_only_the_two_files_are_there(browser: TestClient) -> None:
    for path in ("/sdk/", "/sdk/../config.py", "/sdk/prefero.py", "/sdk/sdk.py"):
        assert browser.get(path).status_code == 404, path


def test_other_answers_keep_the_same_origin_default(browser: TestClient) -> None:
    # Cross-origin embedding is granted to the client's files only.
    for path in ("/", "/healthz", "/static/web/prefero.js"):
        assert "cross-origin-resource-policy" not in browser.get(path).headers, path


def test_the_script_is_not_an_api_operation(browser: TestClient) -> None:
    assert not any(path.startswith("/sdk") for path in browser.get("/openapi.json").json()[
        "paths"])


def _preflight(client: TestClient, origin: str, method: str, path: str,
               headers: str) -> httpx.Response:
    return client.options(path, headers={"Origin": origin,
                                         "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


@pytest.mark.parametrize(("method", "path", "headers"), CLIENT_CALLS)
def test_the_clients_calls_pass_the_preflight_from_the_shop(
        browser: TestClient, method: str, path: str, headers: str) -> None:
    answer = _preflight(browser, SHOP, method, path, headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == SHOP
    assert method in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert all(name.strip() in allowed for name in headers.split(","))
    # The client sends no cookies, and the browser is never told it may.
    assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.parametrize(("method", "path", "headers"), CLIENT_CALLS)
@pytest.mark.parametrize("origin", ["https://evil.example", "http://shop.example", "null"])
def test_another_origin_gets_no_cors_headers(browser: TestClient, origin: str, method: str,
                                             path: str, headers: str) -> None:
    answer = _preflight(browser, origin, method, path, headers)
    # Without Access-Control-Allow-Origin, and not a 2xx, the preflight fails: the browser
    # sends nothing. (Starlette still lists its methods and headers on the refusal; they
    # grant nothing without the origin.)
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


def test_the_shops_page_reads_the_answers(browser: TestClient,
                                          shop_settings: Settings) -> None:
    """The calls themselves, as the client sends them: the answer names the shop's origin,
    and reasons come in the language asked for."""
    token = bearer(token_for(shop_settings, CUSTOMER))
    sent = {"Origin": SHOP, "Accept-Language": "pl", **token}
    granted = browser.post(f"/v1/customers/{CUSTOMER}/consents", headers=sent,
                           json={"purpose": "tracking", "granted": True})
    assert granted.status_code == 201, granted.text
    consents = browser.get(f"/v1/customers/{CUSTOMER}/consents", headers=sent)
    assert consents.status_code == 200
    assert consents.headers["access-control-allow-origin"] == SHOP
    assert consents.json()["consents"]["tracking"] is True
    rows = browser.get("/v1/recommendations", params={"placement": "home", "n": 4},
                       headers=sent)
    assert rows.status_code == 200
    assert rows.headers["access-control-allow-origin"] == SHOP
    assert rows.headers["content-language"] == "pl"
    events = browser.post("/v1/events", headers=sent, json={"events": [{
        "event_id": "0b7c6a9e-6f1e-4c55-9a57-1e0f4d1c2b3a", "type": "rec_dismiss",
        "customer_id": CUSTOMER, "product_id": "sku-1", "placement": "home"}]})
    assert events.status_code == 200, events.text
    assert events.headers["access-control-allow-origin"] == SHOP
    elsewhere = browser.get(f"/v1/customers/{CUSTOMER}/consents",
                            headers={**sent, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers

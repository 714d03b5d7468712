"""The session and language cookies: HttpOnly and SameSite=Lax always, Secure in production
(by default) and wherever settings.cookie_secure says so, not in the plain-HTTP demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi.testclient import TestClient

from prefero.api.app import create_app
from prefero.config import Settings
from prefero.runtime import Runtime
from webforms import submit

# Production refuses keys and secrets under 32 characters, the fixture's test keys included.
REAL_SECRETS = {
    "admin_key": "cookie-test-admin-key-8c1f2e-0123456789",
    "session_secret": "cookie-test-session-secret-4ad93b-0123456789",
    "erasure_key": "cookie-test-erasure-key-77e0c1-0123456789",
    "token_keys": ["cookie-test-token-key-2b9d5f-0123456789"],
    "ingest_keys": ["cookie-test-ingest-key-5e1a90-0123456789"],
    "read_keys": ["cookie-test-read-key-c3d7e4-0123456789"],
    "token_issuer_keys": ["cookie-test-issuer-key-a81b62-0123456789"],
}


def _attributes(response: httpx.Response, name: str) -> set[str]:
    """The lower-case attributes (without values) of the Set-Cookie for ``name``."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            found = set()
            for part in header.split(";")[1:]:
                key, _, value = part.strip().lower().partition("=")
                found.add(f"{key}={value}" if key == "samesite" else key)
            return found
    raise AssertionError(f"no {name} cookie set")


def _cookies(client: TestClient) -> tuple[set[str], set[str]]:
    """The attributes of the session cookie and of the language cookie."""
    page = client.get("/quizzes")
    session = _attributes(page, "prefero_session")
    choice = submit(client, "/lang", {"lang": "pl"}, html=page.text, follow_redirects=False)
    assert choice.status_code == 303
    return session, _attributes(choice, "lang")


@contextmanager
def _client(settings: Settings, base_url: str) -> Iterator[TestClient]:
    runtime = Runtime(settings)
    try:
        with TestClient(create_app(runtime=runtime), base_url=base_url) as client:
            yield client
    finally:
        runtime.close()


def test_the_demo_over_plain_http_sets_no_secure_flag(client: TestClient,
                                                       settings: Settings) -> None:
    assert settings.mode == "demo" and settings.cookie_secure is None
    for attributes in _cookies(client):
        assert {"httponly", "samesite=lax"} <= attributes
        assert "secure" not in attributes


def test_production_cookies_are_secure_by_default(settings: Settings) -> None:
    production = settings.model_copy(update={"mode": "production", **REAL_SECRETS})
    assert production.cookie_secure is None and production.session_cookie_secure
    with _client(production, "https://testserver") as client:
        for attributes in _cookies(client):
            assert {"httponly", "samesite=lax", "secure"} <= attributes
        # Over https the secure session cookie comes back: the visitor keeps their session.
        first = client.get("/preferences/export").json()["customer_id"]
        assert client.get("/preferences/export").json()["customer_id"] == first


def test_the_setting_overrides_the_mode(settings: Settings) -> None:
    behind_tls = settings.model_copy(update={"cookie_secure": True})
    with _client(behind_tls, "https://testserver") as client:
        for attributes in _cookies(client):
            assert "secure" in attributes
    plain = settings.model_copy(update={"mode": "production", "cookie_secure": False,
                                        **REAL_SECRETS})
    with _client(plain, "http://testserver") as client:
        for attributes in _cookies(client):
            assert "secure" not in attributes and "httponly" in attributes

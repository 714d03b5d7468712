"""The one-time exchange URL from a token response opens the preference center signed in,
after the visitor presses "Continue" (no login CSRF); the session ends with the customer's
tokens (revocation, erasure) and after its lifetime."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from apikeys import TOKEN_KEY
from customer_tokens import open_exchange
from factories import customer
from prefero.auth.models import ExchangeCode
from prefero.auth.service import EXCHANGE_PATH
from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.runtime import Runtime
from prefero.web import session_end
from webforms import origin, submit, token_in


def _code(exchange_url: str) -> str:
    return parse_qs(urlsplit(exchange_url).query)["code"][0]


def _session(client: TestClient) -> dict[str, Any]:
    payload = str(client.cookies.get("prefero_session")).split(".")[0]
    data: dict[str, Any] = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return data


@pytest.fixture
def exchange_url(client: TestClient, runtime: Runtime) -> str:
    with runtime.session() as s:
        customer(s, "alice", likes=[("category", "Groceries", 1.0)])
    response = client.post("/v1/customers/alice/tokens", headers={"X-API-Key": TOKEN_KEY})
    assert response.status_code == 201
    url: str = response.json()["exchange_url"]
    return url


def test_the_link_asks_and_only_the_form_signs_in_once(client: TestClient,
                                                      exchange_url: str) -> None:
    browser = TestClient(client.app)
    browser.get("/")  # an anonymous visitor first
    shown = browser.get(exchange_url)
    assert shown.status_code == 200
    assert "Continue to your preferences" in shown.text
    assert '<form method="post" action="/session/exchange">' in shown.text
    assert 'name="csrf_token"' in shown.text
    assert _session(browser).get("signed_in") is False  # the GET signed nobody in
    # ... and consumed nothing: opening the link again still shows the page.
    assert browser.get(exchange_url).status_code == 200

    response = open_exchange(browser, exchange_url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/preferences"
    assert _session(browser)["customer_id"] == "alice"
    assert _session(browser)["signed_in"] is True
    assert browser.get("/preferences").status_code == 200

    again = TestClient(client.app).get(exchange_url, follow_redirects=False)
    assert again.status_code == 410
    assert "This sign-in link has expired" in again.text
    assert "alice" not in again.text
    other = TestClient(client.app)
    token = token_in(other.get("/quizzes").text)
    used = other.post(EXCHANGE_PATH, data={"code": _code(exchange_url), "csrf_token": token},
                      headers={"Origin": origin(other)}, follow_redirects=False)
    assert used.status_code == 410
    assert _session(other).get("signed_in") is False


def test_the_continue_page_speaks_polish(client: TestClient, exchange_url: str) -> None:
    browser = TestClient(client.app, headers={"Accept-Language": "pl"})
    shown = browser.get(exchange_url)
    assert shown.status_code == 200
    assert "Przejdź do swoich preferencji" in shown.text
    assert "Continue to your preferences" not in shown.text


def test_a_link_from_someone_else_signs_the_victim_in_as_nobody(
        client: TestClient, exchange_url: str) -> None:
    """Login CSRF: the attacker's own code, sent to a victim, must not sign the victim in as
    the attacker, neither by the link alone nor by a form posted from another site."""
    victim = TestClient(client.app)
    victim.get("/")
    assert victim.get(exchange_url).status_code == 200
    assert _session(victim).get("signed_in") is False
    forged = victim.post(EXCHANGE_PATH, data={"code": _code(exchange_url)},
                         headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403
    # With the victim's token but from another site: the Origin check refuses it too.
    token = token_in(victim.get("/quizzes").text)
    forged = victim.post(EXCHANGE_PATH, data={"code": _code(exchange_url), "csrf_token": token},
                         headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403
    assert _session(victim).get("signed_in") is False
    assert _session(victim)["customer_id"] != "alice"
    # Nothing was consumed by the refused posts.
    assert TestClient(client.app).get(exchange_url).status_code == 200


def test_an_expired_code_is_refused_in_the_visitors_language(
        client: TestClient, runtime: Runtime, exchange_url: str) -> None:
    with runtime.session() as s:
        for row in s.query(ExchangeCode):
            row.expires_at = utcnow() - timedelta(seconds=1)
    browser = TestClient(client.app, headers={"Accept-Language": "pl"})
    response = browser.get(exchange_url, follow_redirects=False)
    assert response.status_code == 410
    assert "Ten link do logowania wygasł" in response.text
    posted = submit(browser, EXCHANGE_PATH, {"code": _code(exchange_url)},
                    follow_redirects=False)
    assert posted.status_code == 410
    assert "Ten link do logowania wygasł" in posted.text
    assert "customer_id" not in _session(browser) or _session(browser)["signed_in"] is False


def test_a_missing_or_made_up_code_is_refused(client: TestClient) -> None:
    browser = TestClient(client.app)
    assert browser.get("/session/exchange", follow_redirects=False).status_code == 410
    assert browser.get("/session/exchange?code=abc", follow_redirects=False).status_code == 410
    assert browser.get("/session/exchange?code=" + "x" * 500).status_code == 422
    assert submit(browser, EXCHANGE_PATH, {"code": "abc"},
                  follow_redirects=False).status_code == 410
    assert submit(browser, EXCHANGE_PATH, {}, follow_redirects=False).status_code == 410


def _signed_in_browser(client: TestClient, exchange_url: str) -> TestClient:
    browser = TestClient(client.app)
    assert open_exchange(browser, exchange_url, follow_redirects=False).status_code == 303
    assert _export(browser)["customer_id"] == "alice"
    return browser


def _export(browser: TestClient) -> dict[str, Any]:
    response = browser.get("/preferences/export")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def _alice_exists(runtime: Runtime) -> bool:
    with runtime.session() as s:
        return s.get(Customer, "alice") is not None


def test_revoking_the_tokens_ends_the_exchange_session(
        client: TestClient, runtime: Runtime, exchange_url: str) -> None:
    browser = _signed_in_browser(client, exchange_url)
    # The shop signs the customer out everywhere.
    assert client.delete("/v1/customers/alice/tokens",
                         headers={"X-API-Key": TOKEN_KEY}).status_code == 200
    page = browser.get("/preferences")
    assert page.status_code == 200
    assert _session(browser)["customer_id"] != "alice"
    assert _session(browser)["signed_in"] is False
    assert _export(browser)["customer_id"] != "alice"
    # Erasing from the old session erases nobody's data: the page's form is the anonymous
    # visitor's now, and alice is untouched.
    erased = submit(browser, "/preferences/delete", {"confirm": "yes"}, html=page.text,
                    follow_redirects=False)
    assert erased.status_code < 500
    assert _alice_exists(runtime)


def test_a_form_posted_from_a_revoked_session_changes_nothing(
        client: TestClient, runtime: Runtime, exchange_url: str) -> None:
    browser = _signed_in_browser(client, exchange_url)
    page = browser.get("/preferences")  # the form, with the signed-in session's token
    assert client.delete("/v1/customers/alice/tokens",
                         headers={"X-API-Key": TOKEN_KEY}).status_code == 200
    erased = submit(browser, "/preferences/delete", {"confirm": "yes"}, html=page.text,
                    follow_redirects=False)
    assert erased.status_code == 403  # the session ended, and its CSRF token with it
    assert _alice_exists(runtime)


def test_a_new_sign_in_after_the_revocation_works(
        client: TestClient, exchange_url: str) -> None:
    assert client.delete("/v1/customers/alice/tokens",
                         headers={"X-API-Key": TOKEN_KEY}).status_code == 200
    fresh = client.post("/v1/customers/alice/tokens", headers={"X-API-Key": TOKEN_KEY})
    browser = _signed_in_browser(client, fresh.json()["exchange_url"])
    assert browser.get("/preferences").status_code == 200
    assert _export(browser)["customer_id"] == "alice"


def test_erasing_the_customer_ends_the_exchange_session(
        client: TestClient, runtime: Runtime, exchange_url: str) -> None:
    browser = _signed_in_browser(client, exchange_url)
    assert client.delete("/v1/customers/alice").status_code == 200
    assert _export(browser)["customer_id"] != "alice"
    assert not _alice_exists(runtime)
    # Browsing on re-creates nothing under alice's id.
    submit(browser, "/preferences/level", {"level": "off"}, follow_redirects=False)
    assert not _alice_exists(runtime)


def test_an_exchange_session_lasts_its_configured_lifetime(
        client: TestClient, runtime: Runtime, exchange_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    browser = _signed_in_browser(client, exchange_url)
    lifetime = runtime.settings.exchange_session_seconds
    assert lifetime == 12 * 3600
    now = time.time()
    monkeypatch.setattr(session_end.time, "time", lambda: now + lifetime - 60)
    assert _export(browser)["customer_id"] == "alice"
    monkeypatch.setattr(session_end.time, "time", lambda: now + lifetime + 60)
    assert _export(browser)["customer_id"] != "alice"
    assert _alice_exists(runtime)


def test_a_demo_persona_session_is_not_checked(client: TestClient, runtime: Runtime) -> None:
    """Only exchange sessions carry a sign-in time; the demo's persona sign-in is untouched
    by token revocations (it never had a token)."""
    with runtime.session() as s:
        customer(s, "c-persona")
    browser = TestClient(client.app)
    assert submit(browser, "/login", {"customer_id": "c-persona"},
                  follow_redirects=False).status_code == 303
    client.delete("/v1/customers/c-persona/tokens", headers={"X-API-Key": TOKEN_KEY})
    assert _export(browser)["customer_id"] == "c-persona"

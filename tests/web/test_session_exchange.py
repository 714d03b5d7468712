"""The one-time exchange URL from a token response opens the preference center signed in."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apikeys import TOKEN_KEY
from factories import customer
from prefero.auth.models import ExchangeCode
from prefero.db.base import utcnow
from prefero.runtime import Runtime


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


def test_the_exchange_signs_in_once(client: TestClient, exchange_url: str) -> None:
    browser = TestClient(client.app)
    browser.get("/")  # an anonymous visitor first
    response = browser.get(exchange_url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/preferences"
    assert _session(browser)["customer_id"] == "alice"
    assert _session(browser)["signed_in"] is True
    assert browser.get("/preferences").status_code == 200

    again = TestClient(client.app).get(exchange_url, follow_redirects=False)
    assert again.status_code == 410
    assert "This sign-in link has expired" in again.text
    assert "alice" not in again.text


def test_an_expired_code_is_refused_in_the_visitors_language(
        client: TestClient, runtime: Runtime, exchange_url: str) -> None:
    with runtime.session() as s:
        for row in s.query(ExchangeCode):
            row.expires_at = utcnow() - timedelta(seconds=1)
    browser = TestClient(client.app, headers={"Accept-Language": "pl"})
    response = browser.get(exchange_url, follow_redirects=False)
    assert response.status_code == 410
    assert "Ten link logowania wygasł" in response.text
    assert "customer_id" not in _session(browser) or _session(browser)["signed_in"] is False


def test_a_missing_or_made_up_code_is_refused(client: TestClient) -> None:
    browser = TestClient(client.app)
    assert browser.get("/session/exchange", follow_redirects=False).status_code == 410
    assert browser.get("/session/exchange?code=abc", follow_redirects=False).status_code == 410
    assert browser.get("/session/exchange?code=" + "x" * 500).status_code == 422

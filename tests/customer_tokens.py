"""Customer tokens for tests: valid, expired and tampered ones, the header to send, and the
one-time exchange as a browser goes through it."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from prefero.auth.service import EXCHANGE_PATH
from prefero.auth.tokens import sign_customer_token
from prefero.config import Settings
from webforms import submit


def token_for(settings: Settings, customer_id: str, *, age_seconds: float = 0) -> str:
    """A token for ``customer_id`` signed with the settings' newest key, issued
    ``age_seconds`` ago (more than ``token_ttl_seconds`` makes it expired)."""
    return sign_customer_token(settings, customer_id, now=time.time() - age_seconds).token


def expired_token(settings: Settings, customer_id: str) -> str:
    return token_for(settings, customer_id, age_seconds=settings.token_ttl_seconds + 5)


def tampered_token(settings: Settings, customer_id: str) -> str:
    """A valid token whose payload names a different customer: the signature no longer fits."""
    token = token_for(settings, customer_id)
    payload, rest = token.split(".", 1)
    return f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_exchange(browser: TestClient, exchange_url: str, **kwargs: Any) -> httpx.Response:
    """Follow an ``exchange_url`` as a shopper does: open the page, then press "Continue"
    (a POST with the page's CSRF token and the code from its hidden field)."""
    shown = browser.get(exchange_url)
    assert shown.status_code == 200, shown.text[:300]
    found = re.search(r'<input type="hidden" name="code" value="([^"]+)">', shown.text)
    assert found, "the page carries no code"
    return submit(browser, EXCHANGE_PATH, {"code": html.unescape(found.group(1))},
                  html=shown.text, **kwargs)


# One published quiz, enough for quiz sessions to start (the authorization tests walk them).
TINY_QUIZ = {
    "id": "fit", "kind": "guided_selling", "title": "Fit",
    "scope": {"facet": "category", "values": ["Groceries > Bread"]},
    "results": {"n": 3, "policy": "fill"},
    "questions": [{"id": "q1", "type": "single", "text": "Which?", "options": [
        {"id": "o1", "label": "One"}, {"id": "o2", "label": "Two"}]}],
}

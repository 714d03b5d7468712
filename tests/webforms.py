"""Posting the shop's forms as a browser does: with the CSRF token that the page's form
carries (read from the page, never from the cookie) and the page's own Origin."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi.testclient import TestClient

__all__ = ["PREFERENCES", "me", "origin", "page_token", "shopper", "submit", "token_in"]

_TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
# Any page will do (the header's language form carries the token); this one is light.
TOKEN_PAGE = "/quizzes"


def token_in(html: str) -> str:
    """The token of the first form in ``html``."""
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def page_token(client: TestClient, page: str = TOKEN_PAGE) -> str:
    """Load ``page`` in this client's session and read its forms' token."""
    response = client.get(page)
    return token_in(response.text)


def origin(client: TestClient) -> str:
    """The origin the client's pages are served from (what a browser sends as Origin)."""
    return str(client.base_url).rstrip("/")


def submit(client: TestClient, path: str, data: Mapping[str, Any] | None = None, *,
           html: str | None = None, page: str = TOKEN_PAGE,
           headers: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """POST a form to ``path`` with the token of ``html`` (the page the form is on), else of
    a freshly loaded ``page``, and this site's Origin."""
    token = token_in(html) if html is not None else page_token(client, page)
    return client.post(path, data={**(data or {}), "csrf_token": token},
                       headers={"Origin": origin(client), **(headers or {})}, **kwargs)


PREFERENCES = "/preferences"


def shopper(client: TestClient) -> TestClient:
    """The shopper's browser: no API key (pages never need one), the session cookie from
    the preference center's first page."""
    client.headers.pop("X-API-Key", None)
    assert client.get(PREFERENCES).status_code == 200
    return client


def me(web: TestClient) -> str:
    """The customer id this browser's session stands for (from its own export)."""
    customer_id: str = web.get(f"{PREFERENCES}/export").json()["customer_id"]
    return customer_id

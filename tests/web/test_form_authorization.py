"""Every state-changing page route (each POST of the web routers, found from the app so a
new form is covered automatically) touches only the session's own customer: signed in as A
with A's valid CSRF token, a form that names B (in any field, or B's quiz session) changes
nothing of B's; without a session, nothing changes at all."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import BaseRoute

from apikeys import ADMIN_KEY, TOKEN_KEY
from customer_tokens import TINY_QUIZ, open_exchange
from factories import add_products, customer, product
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.db.models import Base
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.models import QuizVersion
from prefero.runtime import Runtime
from webforms import origin, submit

A, B = "alice", "bob"
# /login is the demo's persona sign-in (it signs in as whoever is named, by design, and
# answers 404 in production mode: tests/api/test_production_mode.py).
NOT_A_WRITE_OF_DATA = {"/login"}
# A message's one-click unsubscribe (RFC 8058) is authorized by the signed token its link
# carries, not by a session: a mail client posts it with neither cookie nor CSRF token.
SIGNED_LINK = {"/messages/unsubscribe"}


def _routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI 0.16x keeps an included router as one entry; its routes are inside.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def _form_routes(app: FastAPI) -> list[str]:
    """Every POST page route: the API (/v1) is authorized by keys and tokens instead."""
    found = sorted({route.path for route in _routes(app.routes)
                    if "POST" in route.methods and not route.path.startswith("/v1/")
                    and route.path not in NOT_A_WRITE_OF_DATA})
    assert len(found) >= 15, found  # the account, preference, quiz and storefront forms
    return found


def _rows_of(runtime: Runtime, who: str | None) -> str:
    """A digest of every row naming ``who`` (every row at all when None)."""
    digest = hashlib.sha256()
    with runtime.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue  # records attempts; not the customer's data
            query = select(table).order_by(*table.primary_key.columns)
            if who is not None:
                column = table.c.get("customer_id") if table.name != "customers" \
                    else table.c.id
                if column is None:
                    continue
                query = query.where(column == who)
            for row in session.execute(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def shop(settings: Settings) -> Iterator[tuple[TestClient, Runtime, str]]:
    runtime = Runtime(settings.model_copy(update={"rate_limits": False}))
    definition = QuizDefinition.model_validate(TINY_QUIZ)
    with runtime.session() as s:
        add_products(s, [product("sku-1", category="Groceries > Bread", price=6)])
        customer(s, A, likes=[("category", "Groceries", 1.0)])
        customer(s, B, likes=[("category", "Groceries", 0.5)], never=[("brand", "acme")])
        s.add(QuizVersion(quiz_id=definition.id, version=1, kind=definition.kind,
                          title=definition.title, definition=definition.model_dump(mode="json"),
                          digest="d1"))
    try:
        with TestClient(create_app(runtime=runtime), headers={"X-API-Key": ADMIN_KEY}) as api:
            started = api.post("/v1/quizzes/fit/sessions", json={"customer_id": B})
            assert started.status_code == 201
            yield api, runtime, started.json()["session_id"]
    finally:
        runtime.close()


def _fill(path: str) -> str:
    values = {"quiz_id": "fit", "suggestion_id": "0" * 32, "decision": "accept"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_a_session_of_a_never_touches_b(shop: tuple[TestClient, Runtime, str]) -> None:
    api, runtime, b_session = shop
    exchange = api.post(f"/v1/customers/{A}/tokens", headers={"X-API-Key": TOKEN_KEY})
    browser = TestClient(api.app)
    assert open_exchange(browser, exchange.json()["exchange_url"],
                         follow_redirects=False).status_code == 303
    naming_b = {"customer_id": B, "anonymous_id": B, "session_id": b_session,
                "facet": "category", "value": "Groceries", "values": "Groceries",
                "product_id": "sku-1", "question_id": "q1", "option_ids": "o1",
                "level": "off", "purpose": "tracking", "granted": "false", "max": "10",
                "confirm": B, "lang": "pl"}
    before, a_before = _rows_of(runtime, B), _rows_of(runtime, A)
    routes = _form_routes(api.app)
    assert "/preferences/delete" in routes and "/quizzes/{quiz_id}/answer" in routes
    # The account's own erasure last, so that every other form meets A's data.
    for path in sorted(routes, key=lambda p: p.endswith("/delete")):
        response = submit(browser, _fill(path), naming_b, follow_redirects=False)
        assert response.status_code < 500, (path, response.text[:300])
        assert _rows_of(runtime, B) == before, f"POST {path} as A changed B's data"
    # The forms did act, on A (so the session and tokens were right and the test not idle).
    assert _rows_of(runtime, A) != a_before


def test_without_a_session_no_form_changes_anything(
        shop: tuple[TestClient, Runtime, str]) -> None:
    api, runtime, b_session = shop
    before = _rows_of(runtime, None)
    for path in _form_routes(api.app):
        stranger = TestClient(api.app)  # no cookie, hence no session and no token
        response = stranger.post(_fill(path), data={"customer_id": B, "session_id": b_session},
                                 headers={"Origin": origin(stranger)},
                                 follow_redirects=False)
        # Without the link's token, the unsubscribe refuses the request as malformed.
        expected = 400 if path in SIGNED_LINK else 403
        assert response.status_code == expected, (path, response.status_code)
    assert _rows_of(runtime, None) == before

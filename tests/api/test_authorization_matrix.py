"""Every operation of the OpenAPI document × every kind of caller → the expected answer.

The operations come from the app's own document, so a new route is covered without editing
this file; what a caller may do is read from each operation's documented security (the API
key's scope, and whether a customer token is accepted), and that documentation is itself
checked against the list of what the issue allows a customer to do. The cross-customer half
asserts that a token of customer A changes nothing and reads nothing of customer B's.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY, TOKEN_KEY
from customer_tokens import TINY_QUIZ, bearer, expired_token, tampered_token, token_for
from factories import add_products, customer, product
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.db.models import Base
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.models import QuizVersion
from prefero.runtime import Runtime

A, B = "alice", "bob"

# What the issue lets a customer token do (for the customer's own id only). The document's
# security must say exactly this: widening it means editing this list on purpose.
CUSTOMER_OPERATIONS = {
    ("GET", "/v1/customers/{customer_id}/preferences"),
    ("PUT", "/v1/customers/{customer_id}/preferences"),
    ("POST", "/v1/customers/{customer_id}/preferences/confirm"),
    ("GET", "/v1/customers/{customer_id}/consents"),
    ("POST", "/v1/customers/{customer_id}/consents"),
    ("GET", "/v1/customers/{customer_id}/data"),
    ("DELETE", "/v1/customers/{customer_id}"),
    # Household profiles (issue 15); each profile's data is then reached through the
    # account's own paths under /profiles/{profile_id}/ (api/profile_paths.py).
    ("GET", "/v1/customers/{customer_id}/profiles"),
    ("POST", "/v1/customers/{customer_id}/profiles"),
    ("PATCH", "/v1/customers/{customer_id}/profiles/{profile_id}"),
    ("DELETE", "/v1/customers/{customer_id}/profiles/{profile_id}"),
    # The in-app inbox (issue 15): the customer reads its messages and marks them read.
    ("GET", "/v1/customers/{customer_id}/inbox"),
    ("POST", "/v1/customers/{customer_id}/inbox/{message_id}/read"),
    # The taste box (issue 15): the customer's own subscriptions, deliveries and ratings,
    # and the replenishment reminders from their own purchases.
    ("GET", "/v1/customers/{customer_id}/boxes"),
    ("POST", "/v1/customers/{customer_id}/boxes"),
    ("PATCH", "/v1/customers/{customer_id}/boxes/{box_id}"),
    ("DELETE", "/v1/customers/{customer_id}/boxes/{box_id}"),
    ("GET", "/v1/customers/{customer_id}/boxes/{box_id}/deliveries"),
    ("PUT", "/v1/customers/{customer_id}/boxes/{box_id}/deliveries/{number}/items/"
            "{product_id}/rating"),
    ("GET", "/v1/customers/{customer_id}/replenishment"),
    # Follows and customer-chosen coupons (issue 15): the customer's own.
    # The customer's terms for messages and what was sent (issue 15).
    ("GET", "/v1/customers/{customer_id}/message-terms"),
    ("PUT", "/v1/customers/{customer_id}/message-terms"),
    ("GET", "/v1/customers/{customer_id}/messages"),
    # "Let me know when this is on sale / back in stock" (issue 15).
    ("GET", "/v1/customers/{customer_id}/watches"),
    ("PUT", "/v1/customers/{customer_id}/watches/{product_id}"),
    ("DELETE", "/v1/customers/{customer_id}/watches/{product_id}"),
    # On-site prompts (issue 18): the customer's caps, the decision, dismissal.
    ("GET", "/v1/customers/{customer_id}/prompt-settings"),
    ("PUT", "/v1/customers/{customer_id}/prompt-settings"),
    ("POST", "/v1/customers/{customer_id}/prompts/decide"),
    ("POST", "/v1/customers/{customer_id}/prompts/{prompt_key}/dismiss"),
    ("GET", "/v1/customers/{customer_id}/follows"),
    ("PUT", "/v1/customers/{customer_id}/follows/{kind}/{value}"),
    ("DELETE", "/v1/customers/{customer_id}/follows/{kind}/{value}"),
    # Measurements and size advice (issue 18), under the customer's fit consent.
    ("GET", "/v1/customers/{customer_id}/measurements"),
    ("PUT", "/v1/customers/{customer_id}/measurements"),
    ("DELETE", "/v1/customers/{customer_id}/measurements"),
    ("GET", "/v1/customers/{customer_id}/sizes"),
    ("GET", "/v1/customers/{customer_id}/coupons"),
    ("POST", "/v1/customers/{customer_id}/coupons"),
    # Product configurators (issue 18): the customer's saved configurations and their
    # pre-selection with reasons.
    ("GET", "/v1/customers/{customer_id}/configurations"),
    ("POST", "/v1/customers/{customer_id}/configurations"),
    ("GET", "/v1/customers/{customer_id}/configurations/{configuration_id}"),
    ("DELETE", "/v1/customers/{customer_id}/configurations/{configuration_id}"),
    ("GET", "/v1/customers/{customer_id}/configurators/{product_id}/defaults"),
    ("GET", "/v1/customers/{customer_id}/suggestions"),
    ("POST", "/v1/customers/{customer_id}/suggestions/{suggestion_id}/accept"),
    ("POST", "/v1/customers/{customer_id}/suggestions/{suggestion_id}/reject"),
    ("POST", "/v1/quizzes/{quiz_id}/sessions"),
    ("POST", "/v1/quiz-sessions/{session_id}/answers"),
    ("POST", "/v1/quiz-sessions/{session_id}/back"),
    ("GET", "/v1/quiz-sessions/{session_id}"),
    ("GET", "/v1/customers/{customer_id}/quiz-preferences"),
    ("DELETE", "/v1/customers/{customer_id}/quiz-preferences/{quiz_id}"),
    ("POST", "/v1/events"),
    ("GET", "/v1/recommendations"),
    ("POST", "/v1/recommendations"),
    ("GET", "/v1/search"),
    ("GET", "/v1/search/suggest"),
    ("GET", "/v1/listing"),
    # The shop's page asks for a slot's variant on the customer's behalf, as it asks for
    # recommendations (the answer reads the customer's segments, traits and consents).
    ("GET", "/v1/content/{slot_key}"),
    # Delivery wishes and the windows offered for a cart (issue 18): the customer's own.
    # Bookings stay with the shop's ingest key (the order ids are the shop's).
    ("GET", "/v1/customers/{customer_id}/delivery-options"),
    ("GET", "/v1/customers/{customer_id}/delivery-preferences"),
    ("PUT", "/v1/customers/{customer_id}/delivery-preferences"),
}
# A key of each scope and the scopes it holds.
KEYS = {"read key": (READ_KEY, {"read"}), "ingest key": (INGEST_KEY, {"read", "ingest"}),
        "token key": (TOKEN_KEY, {"token"}),
        "admin key": (ADMIN_KEY, {"admin", "ingest", "read", "token"})}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scope: str | None  # the API key scope; None: public
    customer: bool  # a customer token may call it for its own customer

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def _operations() -> list[Operation]:
    # The engine never connects: building the app and its document needs no database.
    runtime = Runtime(Settings(mode="demo",
                               database_url=f"sqlite:///{tempfile.gettempdir()}/never-opened.db"))
    try:
        document = create_app(runtime=runtime).openapi()
    finally:
        runtime.close()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            security = operation.get("security") or []
            scopes = [s for req in security for s in req.get("ApiKey", [])]
            assert len(scopes) <= 1, (method, path, security)
            customer = any("CustomerToken" in req for req in security)
            found.append(Operation(method.upper(), path, scopes[0] if scopes else None,
                                   customer))
    return found


OPERATIONS = _operations()


def test_the_document_lets_customers_call_exactly_what_the_issue_allows() -> None:
    assert {(op.method, op.path) for op in OPERATIONS if op.customer} == CUSTOMER_OPERATIONS
    for op in OPERATIONS:
        # Every operation either needs a key scope or is a public probe (health, readiness).
        assert op.scope is not None or op.path in {"/healthz", "/readyz"}, op.name


@dataclass
class Shop:
    client: TestClient
    settings: Settings
    runtime: Runtime
    sessions: dict[str, str]  # customer → quiz session id


@pytest.fixture
def matrix_runtime(settings: Settings) -> Iterator[Runtime]:
    # The limiter is off: the matrix sends hundreds of failed authentications on purpose,
    # and what it checks is the answer of the authorization step, not the limiter's 429.
    runtime = Runtime(settings.model_copy(update={"rate_limits": False}))
    yield runtime
    runtime.close()


@pytest.fixture
def shop(matrix_runtime: Runtime) -> Iterator[Shop]:
    runtime = matrix_runtime
    with TestClient(create_app(runtime=runtime), headers={"X-API-Key": ADMIN_KEY}) as client:
        yield _seed(client, runtime)


def _seed(client: TestClient, runtime: Runtime) -> Shop:
    definition = QuizDefinition.model_validate(TINY_QUIZ)
    with runtime.session() as s:
        add_products(s, [product("sku-1", category="Groceries > Bread", price=6),
                         product("sku-2", category="Groceries > Bread", price=9)])
        customer(s, A, likes=[("category", "Groceries", 1.0)])
        customer(s, B, never=[("brand", "acme")], likes=[("category", "Groceries", 0.5)])
        s.add(QuizVersion(quiz_id=definition.id, version=1, kind=definition.kind,
                          title=definition.title, definition=definition.model_dump(mode="json"),
                          digest="d1"))
    sessions = {}
    for who in (A, B):
        started = client.post("/v1/quizzes/fit/sessions", json={"customer_id": who})
        assert started.status_code == 201, started.text
        sessions[who] = started.json()["session_id"]
    return Shop(client=client, settings=runtime.settings, runtime=runtime, sessions=sessions)


def _event(who: str, event_id: str) -> dict[str, Any]:
    return {"event_id": event_id, "type": "view", "customer_id": who, "product_id": "sku-1",
            "occurred_at": utcnow().isoformat()}


def _request(shop: Shop, op: Operation, *, target: str) -> tuple[str, dict[str, Any]]:
    """The URL and the request's keyword arguments for ``op`` aimed at ``target``'s data."""
    values = {"customer_id": target, "product_id": "sku-1", "quiz_id": "fit",
              "session_id": shop.sessions[target], "suggestion_id": "0" * 32}
    url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), op.path)
    params: dict[str, str] = {}
    body: Any = {}
    if op.path in ("/v1/recommendations", "/v1/search", "/v1/search/suggest", "/v1/listing",
                   "/v1/content/{slot_key}"):
        params["customer_id"] = target
        if op.method == "POST":
            body, params = {"customer_id": target}, {}
    if op.path in ("/v1/search", "/v1/search/suggest", "/v1/listing"):
        params["q"] = "bread"
    if op.path == "/v1/events":
        body = {"events": [_event(target, f"ev-{target}-{len(url)}")]}
    if op.path == "/v1/quizzes/{quiz_id}/sessions":
        body = {"customer_id": target}
    if op.path.endswith("/answers"):
        body = {"question_id": "q1", "option_ids": ["o1"]}
    if op.path.endswith("/consents") and op.method == "POST":
        body = {"purpose": "tracking", "granted": True}
    if op.path.endswith("/preferences") and op.method == "PUT":
        body = {"likes": [{"facet": "category", "value": "Groceries", "weight": 0.2}]}
    return url, {"params": params, "json": body if op.method in ("POST", "PUT") else None}


CALLERS: dict[str, Callable[[Settings], dict[str, str]]] = {
    "no key": lambda s: {},
    "wrong key": lambda s: {"X-API-Key": "not-a-key"},
    **{name: (lambda s, key=key: {"X-API-Key": key}) for name, (key, _) in KEYS.items()},
    "token of A": lambda s: bearer(token_for(s, A)),
    "expired token": lambda s: bearer(expired_token(s, A)),
    "tampered token": lambda s: bearer(tampered_token(s, A)),
    # Issued a moment ago; the test revokes A's tokens (the shop's sign-out) before calling.
    "revoked token of A": lambda s: bearer(token_for(s, A, age_seconds=5)),
}
REVOKED = "revoked token of A"


def _expected(op: Operation, caller: str) -> str:
    """'allowed' (anything but 401/403), '401' or '403' for a request on A's data."""
    if op.scope is None:
        return "allowed"
    if caller in ("no key", "wrong key", "expired token", "tampered token"):
        return "401"
    if caller == "token of A":
        return "allowed" if op.customer else "403"
    if caller == REVOKED:
        # Validly signed, so the shop's endpoints still say "not for a customer" (403); on
        # every operation a customer may call, the revocation answers 401.
        return "401" if op.customer else "403"
    return "allowed" if op.scope in KEYS[caller][1] else "403"


def _fingerprint(runtime: Runtime) -> str:
    """A digest of every row that belongs to the shop's data (the audit log and token
    bookkeeping left out: they record the attempt, not the customer's data)."""
    digest = hashlib.sha256()
    skip = {"audit_log", "token_exchange_codes", "customer_token_revocations"}
    with runtime.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            digest.update(table.name.encode())
            for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_a_customer_token_never_reaches_another_customer(shop: Shop) -> None:
    """Token of A on B's data, on every operation: 403 (404 for B's quiz session, which is
    not told apart from a missing one), no response carries B's data, nothing changes."""
    browser = TestClient(shop.client.app)
    headers = bearer(token_for(shop.settings, A))
    before = _fingerprint(shop.runtime)
    for op in OPERATIONS:
        if op.scope is None:
            continue
        url, kwargs = _request(shop, op, target=B)
        response = browser.request(op.method, url, headers=headers, **kwargs)
        expected = {403, 404} if "{session_id}" in op.path else {403}
        assert response.status_code in expected, (op.name, response.status_code,
                                                  response.text)
        assert response.headers["content-type"] == "application/problem+json", op.name
        assert shop.sessions[B] not in response.text or "{session_id}" in op.path
    assert _fingerprint(shop.runtime) == before, "a token of A changed someone's data"


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_operation_answers_each_caller_as_expected(shop: Shop, caller: str) -> None:
    browser = TestClient(shop.client.app)
    headers = CALLERS[caller](shop.settings)
    if caller == REVOKED:
        assert shop.client.delete(f"/v1/customers/{A}/tokens").status_code == 200
    wrong: list[str] = []
    # The deletes last so every other operation sees the data it expects, and the erasure
    # of A last of all: it ends every token of A issued before it (a later call is 401).
    erase = ("DELETE", "/v1/customers/{customer_id}")
    for op in sorted(OPERATIONS, key=lambda o: (o.method == "DELETE",
                                                (o.method, o.path) == erase)):
        url, kwargs = _request(shop, op, target=A)
        response = browser.request(op.method, url, headers=headers, **kwargs)
        status = response.status_code
        got = str(status) if status in (401, 403) else "allowed"
        if got != _expected(op, caller):
            wrong.append(f"{op.name}: {status} (expected {_expected(op, caller)}) "
                         f"{response.text[:200]}")
        if status in (401, 403):
            assert response.headers["content-type"] == "application/problem+json", op.name
        assert status < 500, (op.name, response.text)
    assert not wrong, "\n".join(wrong)


"""Body-size limits per route family: refused with 413 before parsing, on the declared
length at once and on a chunked body as soon as it passes the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from apikeys import ADMIN_KEY, INGEST_KEY
from asgi_driver import CountingBody, call
from customer_tokens import token_for
from prefero.api.app import create_app
from prefero.api.body_limit import BodyLimits
from prefero.config import Settings
from prefero.runtime import Runtime

DEFAULT, EVENTS, IMPORTS = 2048, 4096, 8192
CHUNK = 512


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    limited = settings.model_copy(update={
        "max_body_bytes": DEFAULT, "max_events_body_bytes": EVENTS,
        "max_import_body_bytes": IMPORTS})
    runtime = Runtime(limited)
    yield create_app(runtime=runtime)
    runtime.close()


def _post(app: FastAPI, path: str, size: int, *, key: str = ADMIN_KEY, declared: bool,
          content_type: str = "application/json") -> tuple[int, dict[str, object], int]:
    body = CountingBody(size, chunk=CHUNK)
    headers = {"X-API-Key": key, "Content-Type": content_type}
    if declared:
        headers["Content-Length"] = str(size)
    answer = call(app, "POST", path, headers=headers, body=body)
    problem = answer.json() if answer.headers.get("content-type", "").startswith(
        "application/problem+json") else {}
    return answer.status, problem, body.pulled


# (path, key, its limit, the setting that names it)
FAMILIES = [
    ("/v1/events", INGEST_KEY, EVENTS, "PREFERO_MAX_EVENTS_BODY_BYTES"),
    ("/v1/events/ga4", INGEST_KEY, EVENTS, "PREFERO_MAX_EVENTS_BODY_BYTES"),
    ("/v1/catalog/import", ADMIN_KEY, IMPORTS, "PREFERO_MAX_IMPORT_BODY_BYTES"),
    ("/v1/products", ADMIN_KEY, DEFAULT, "PREFERO_MAX_BODY_BYTES"),
    ("/v1/quizzes", ADMIN_KEY, DEFAULT, "PREFERO_MAX_BODY_BYTES"),
]
# A storefront form: without its CSRF token nothing reads the body, so only the declared
# length can be shown to be refused there.
FORM = ("/lang", ADMIN_KEY, DEFAULT, "PREFERO_MAX_BODY_BYTES")


@pytest.mark.parametrize(("path", "key", "limit", "setting"), [*FAMILIES, FORM])
def test_a_declared_length_over_the_limit_is_refused_unread(
        app: FastAPI, path: str, key: str, limit: int, setting: str) -> None:
    status, problem, pulled = _post(app, path, limit + 1, key=key, declared=True)
    assert status == 413
    assert pulled == 0
    assert problem["type"] == "https://prefero.dev/problems/body-too-large"
    assert problem["detail"] == f"the body of {path} may hold at most {limit} bytes ({setting})"
    assert problem["errors"] == [{"loc": ["body"], "msg": f"at most {limit} bytes"}]


@pytest.mark.parametrize(("path", "key", "limit", "setting"), FAMILIES)
def test_a_chunked_body_is_cut_off_at_the_limit(
        app: FastAPI, path: str, key: str, limit: int, setting: str) -> None:
    status, problem, pulled = _post(app, path, 100 * limit, key=key, declared=False)
    assert status == 413
    assert str(limit) in str(problem["detail"]) and setting in str(problem["detail"])
    # Reading stopped with the chunk that crossed the limit.
    assert limit < pulled <= limit + CHUNK


@pytest.mark.parametrize(("path", "key", "limit", "setting"), FAMILIES)
def test_a_body_at_the_limit_reaches_the_route(
        app: FastAPI, path: str, key: str, limit: int, setting: str) -> None:
    for declared in (True, False):
        # Not JSON, not a feed, not a form: the route's own error, never a 413.
        status, _problem, pulled = _post(app, path, limit, key=key, declared=declared)
        assert status not in (413, 500), (path, declared, status)
        assert pulled == limit


def test_families_differ(app: FastAPI) -> None:
    # A body too large for an ordinary write is fine for an event batch and a feed.
    size = DEFAULT + 1
    assert _post(app, "/v1/products", size, declared=True)[0] == 413
    assert _post(app, "/v1/events", size, key=INGEST_KEY, declared=True)[0] == 422
    assert _post(app, "/v1/catalog/import", size, declared=True,
                 content_type="text/csv")[0] == 422


def test_limits_per_path() -> None:
    limits = BodyLimits(default=1, events=2, imports=3)
    assert [limits.for_path(p)[1] for p in (
        "/v1/events", "/v1/events/ga4", "/v1/catalog/import", "/v1/events/other", "/", "/v1/x")
    ] == [2, 2, 3, 1, 1, 1]


@pytest.mark.parametrize("path", ["/v1/events", "/v1/events/ga4", "/v1/catalog/import"])
@pytest.mark.parametrize("declared", [True, False])
def test_a_customer_token_gets_the_ordinary_limit_on_every_route(
        app: FastAPI, settings: Settings, path: str, declared: bool) -> None:
    """The event and import families are the shop's keys' allowance: a shopper's token may
    not make the server read 8 MB (say, to an ingest-key route before its 403)."""
    size = DEFAULT + CHUNK  # over the ordinary limit, well under the event and import ones
    body = CountingBody(size, chunk=CHUNK)
    headers = {"Authorization": f"Bearer {token_for(settings, 'alice')}",
               "Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(size)
    answer = call(app, "POST", path, headers=headers, body=body)
    if path == "/v1/catalog/import" and not declared:
        # The upload route checks the scope before it streams a byte: 403, body unread.
        assert answer.status == 403 and body.pulled == 0, answer.body[:300]
        return
    assert answer.status == 413, answer.body[:300]
    assert "PREFERO_MAX_BODY_BYTES" in answer.json()["detail"]
    assert body.pulled == 0 if declared else body.pulled <= DEFAULT + CHUNK

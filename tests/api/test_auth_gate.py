"""Credentials are checked from the headers before any body is read (finding 4)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from apikeys import ADMIN_KEY, INGEST_KEY
from asgi_driver import CountingBody, call
from prefero.api.app import create_app
from prefero.api.auth import ADMIN_SCOPES
from prefero.api.principal import Principal, key_id, principal_of
from prefero.config import Settings
from prefero.runtime import Runtime

MB = 1_000_000


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.mark.parametrize("declared", [True, False])
def test_a_117_mb_event_body_without_a_key_is_refused_unread(app: FastAPI,
                                                             declared: bool) -> None:
    body = CountingBody(117 * MB, fill=b'{"events": [')
    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(body.size)
    answer = call(app, "POST", "/v1/events/ga4", headers=headers, body=body)
    assert answer.status == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://prefero.dev/problems/unauthorized"
    assert body.pulled == 0


@pytest.mark.parametrize("key", [None, "a-wrong-key"])
def test_200_mb_of_junk_without_a_valid_key_is_401_not_422(app: FastAPI,
                                                           key: str | None) -> None:
    body = CountingBody(200 * MB, fill=b"\xff\x00junk")
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    answer = call(app, "POST", "/v1/events", headers=headers, body=body)
    assert answer.status == 401
    assert answer.json()["detail"] == (
        "the API key is not known" if key else
        "send an API key in the X-API-Key header (or, where a customer may call, a customer "
        "token as Authorization: Bearer)")
    assert body.pulled == 0


def test_a_tampered_customer_token_is_refused_unread_with_a_bearer_challenge(
        app: FastAPI) -> None:
    body = CountingBody(10 * MB)
    answer = call(app, "POST", "/v1/recommendations", body=body,
                  headers={"Authorization": "Bearer not.a.token"})
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["type"] == "https://prefero.dev/problems/invalid-token"
    assert body.pulled == 0


def test_a_valid_key_reads_the_body(app: FastAPI) -> None:
    body = CountingBody(100, fill=b" ")
    answer = call(app, "POST", "/v1/events", body=body,
                  headers={"X-API-Key": INGEST_KEY, "Content-Type": "application/json"})
    assert answer.status == 422  # blank is not a batch: the route read and judged it
    assert body.pulled == 100


def test_the_principal_is_left_for_the_routes(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    seen: list[Principal | None] = []

    async def whoami(request: Request) -> Response:
        seen.append(principal_of(request))
        return Response(status_code=204)

    app.add_route("/v1/whoami-test", whoami, include_in_schema=False)
    answer = call(app, "GET", "/v1/whoami-test", headers={"X-API-Key": ADMIN_KEY})
    assert answer.status == 204
    assert seen == [Principal(kind="key", actor=f"key:{key_id(ADMIN_KEY)}",
                              scopes=ADMIN_SCOPES)]


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/docs"])
def test_public_paths_need_no_key(runtime: Runtime, path: str) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        assert client.get(path).status_code == 200


def test_a_cors_preflight_passes_the_gate(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"allowed_origins": ["https://shop.example"]}))
    try:
        answer = call(create_app(runtime=runtime), "OPTIONS", "/v1/recommendations", headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    finally:
        runtime.close()
    assert answer.status != 401

"""The one error handler: framework errors become the same precise problems as ours."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("OPTIONS", "/v1/products", "GET, POST"),
    ("PATCH", "/v1/customers/c1/preferences", "GET, PUT"),
    ("PUT", "/v1/customers/c1", "DELETE"),
    ("TRACE", "/healthz", "GET"),
])
def test_405_lists_every_method_of_the_path(client: TestClient, method: str, path: str,
                                            allow: str) -> None:
    # Found by the schemathesis contract test: the handler dropped the Allow header, and
    # Starlette's names only the first route matching the path (PUT /v1/products: "POST").
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == allow


def test_a_body_that_is_not_utf8_is_a_precise_problem(client: TestClient) -> None:
    # Found by the schemathesis contract test: FastAPI answered a bare, undocumented 400.
    response = client.put("/v1/customers/c1/preferences", content=b'{"level": "\xff"}',
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["body"], "msg": "JSON text must be encoded as UTF-8"}]
    assert client.get("/v1/customers/c1/preferences").status_code == 404  # nothing stored


def test_an_unexpected_error_is_a_500_problem_whose_id_is_in_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture,
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    # Starlette's ServerErrorMiddleware sends the handler's answer and then re-raises; a
    # client must still receive the problem, not a bare text/plain 500.
    with TestClient(app, raise_server_exceptions=False) as quiet, \
            caplog.at_level(logging.ERROR, logger="prefero"):
        response = quiet.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    error_id = body["error_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", error_id)
    assert response.headers["x-error-id"] == error_id
    assert error_id in body["detail"] and "secret internals" not in response.text
    records = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is not None
    assert records[0].exc_info[0] is RuntimeError

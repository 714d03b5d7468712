"""The one error handler: framework errors become the same precise problems as ours."""

from __future__ import annotations

import pytest
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

"""The OpenAPI document names every problem a route can answer, with its real shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from prefero.api.errors import PROBLEM_JSON
from prefero.api.problems import Problem, ValidationProblem


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": operation
            for path, item in document["paths"].items() for method, operation in item.items()}


def test_keyed_routes_document_their_problems(client: TestClient) -> None:
    # Found by the schemathesis contract test: 401/403/404/409 were undocumented and 422 was
    # documented as FastAPI's application/json shape, not the problem+json actually sent.
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for label, operation in _operations(document).items():
        if label in ("GET /healthz", "GET /readyz"):  # probes: no key, no input
            continue
        responses = operation["responses"]
        for status in ("401", "403", "413", "422", "429", "503"):
            assert list(responses[status]["content"]) == [PROBLEM_JSON], (label, status)
        ref = responses["422"]["content"][PROBLEM_JSON]["schema"]["$ref"]
        assert ref == "#/components/schemas/ValidationProblem", label
    operations = _operations(document)
    assert "404" in operations["GET /v1/customers/{customer_id}/data"]["responses"]
    assert "404" in operations["GET /v1/recommendations"]["responses"]
    assert "409" in operations["POST /v1/customers/{customer_id}/consents"]["responses"]
    assert set(schemas["ValidationProblem"]["required"]) == {
        "type", "title", "status", "detail", "errors"}


def test_problem_bodies_match_the_documented_models(client: TestClient) -> None:
    Problem.model_validate(client.get("/v1/customers/nobody/data").json())
    Problem.model_validate(client.get("/v1/recommendations",
                                      headers={"X-API-Key": "wrong"}).json())
    ValidationProblem.model_validate(client.get("/v1/recommendations",
                                                params={"n": 0}).json())

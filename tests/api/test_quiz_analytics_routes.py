"""GET /v1/quizzes/{quiz_id}/analytics: auth, not found, refused input and the JSON shape.

The numbers themselves are checked against a known answer in
tests/quizzes/test_quiz_analytics.py; here only what HTTP adds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import customer
from prefero.config import Settings
from prefero.events.models import Event
from prefero.quizzes.models import QuizSession, QuizVersion
from prefero.runtime import Runtime

URL = "/v1/quizzes/style/analytics"
STARTED = datetime.now(UTC) - timedelta(days=40)

DEFINITION: dict[str, Any] = {
    "id": "style", "kind": "quiz", "title": "Your style",
    "questions": [
        {"id": "look", "type": "single", "text": "Your look?", "options": [
            {"id": "classic", "label": "Classic"}, {"id": "sporty", "label": "Sporty"}]},
        {"id": "budget", "type": "range", "text": "Budget?", "range": {"min": 0, "max": 100}},
        {"id": "wish", "type": "text", "text": "Anything else?", "required": False},
    ],
}


@pytest.fixture
def stored(runtime: Runtime) -> Runtime:
    """Version 1 with one completed and one abandoned session; c-1 bought after completing."""
    with runtime.session() as session:
        session.add(QuizVersion(quiz_id="style", version=1, kind="quiz", title="Your style",
                                definition=DEFINITION, digest="0" * 64))
        customer(session, "c-1")
        customer(session, "c-2")
        at = STARTED.isoformat()
        session.add_all([
            QuizSession(id="s-1", quiz_id="style", version=1, customer_id="c-1",
                        status="completed", started_at=STARTED, updated_at=STARTED,
                        completed_at=STARTED + timedelta(seconds=90), answers=[
                            {"question_id": "look", "option_ids": ["sporty"], "answered_at": at},
                            {"question_id": "budget", "value": 40, "answered_at": at},
                            {"question_id": "wish", "text": "trail shoes", "answered_at": at}]),
            QuizSession(id="s-2", quiz_id="style", version=1, customer_id="c-2",
                        status="active", started_at=STARTED, updated_at=STARTED, answers=[
                            {"question_id": "look", "option_ids": ["classic"],
                             "answered_at": at}]),
            Event(customer_id="c-1", type="purchase", product_id="sku-1",
                  occurred_at=STARTED + timedelta(days=2)),
        ])
    return runtime


def test_a_key_is_needed(client: TestClient) -> None:
    missing = client.get(URL, headers={"X-API-Key": ""})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get(URL, headers={"X-API-Key": "nope"}).status_code == 401


def test_only_an_admin_key_may_read_analytics(client: TestClient, settings: Settings) -> None:
    for key in (settings.read_keys[0], settings.ingest_keys[0]):
        response = client.get(URL, headers={"X-API-Key": key})
        assert response.status_code == 403
        assert "admin" in response.json()["detail"]


def test_a_quiz_without_a_stored_version_is_not_found(client: TestClient) -> None:
    response = client.get("/v1/quizzes/nope/analytics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and "'nope' has no stored version" in body["detail"]


def test_an_unknown_version_is_not_found(client: TestClient, stored: Runtime) -> None:
    response = client.get(URL, params={"version": 2})
    assert response.status_code == 404
    assert "has no version 2" in response.json()["detail"]


@pytest.mark.parametrize(("params", "loc"), [
    ({"since": "2026-01-01T00:00:00"}, ["query", "since"]),  # no time zone
    ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, ["query", "until"]),
    ({"conversion_days": 0}, ["query", "conversion_days"]),
    ({"version": 0}, ["query", "version"]),
])
def test_bad_query_parameters_are_refused_with_their_path(
    client: TestClient, stored: Runtime, params: dict[str, Any], loc: list[str]
) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["loc"] for error in response.json()["errors"]] == [loc]


def test_the_dashboard_json(client: TestClient, stored: Runtime) -> None:
    response = client.get(URL, params={"conversion_days": 7})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"quiz_id", "since", "until", "as_of", "conversion_days", "versions"}
    assert (body["quiz_id"], body["since"], body["until"], body["conversion_days"]) == (
        "style", None, None, 7)
    [v1] = body["versions"]
    assert set(v1) == {"version", "kind", "title", "starts", "completions", "completion",
                       "dropped_before_first_answer", "questions", "time_to_complete",
                       "conversion"}
    assert (v1["version"], v1["kind"], v1["starts"], v1["completions"]) == (1, "quiz", 2, 1)
    assert v1["completion"]["rate"] == 0.5
    assert set(v1["completion"]) == {"count", "total", "rate", "ci_low", "ci_high"}
    assert all(isinstance(v1["completion"][k], float) for k in ("rate", "ci_low", "ci_high"))

    look, budget, wish = v1["questions"]
    assert set(look) == {"question_id", "position", "type", "text", "reached",
                         "reached_share", "answered", "skipped", "dropped", "dropped_share",
                         "options", "range", "top_words"}
    assert (look["answered"], look["dropped"], look["dropped_share"]) == (2, 1, 0.5)
    assert look["options"] == [
        {"option_id": "classic", "label": "Classic", "count": 1, "share": 0.5},
        {"option_id": "sporty", "label": "Sporty", "count": 1, "share": 0.5}]
    assert look["range"] is None and look["top_words"] is None
    assert budget["range"]["median"] == 40
    assert [b["count"] for b in budget["range"]["histogram"]] == [0, 0, 1, 0, 0]
    assert wish["top_words"] == [{"word": "shoes", "count": 1}, {"word": "trail", "count": 1}]

    assert v1["time_to_complete"] == {"count": 1, "median_seconds": 90.0, "p90_seconds": 90.0}
    conversion = v1["conversion"]
    assert conversion["window_days"] == 7
    assert (conversion["completers"]["count"], conversion["completers"]["total"]) == (1, 1)
    assert (conversion["non_completers"]["count"],
            conversion["non_completers"]["total"]) == (0, 1)
    assert conversion["difference"] == 1.0


def test_the_period_filters_by_start(client: TestClient, stored: Runtime) -> None:
    since = (STARTED + timedelta(seconds=1)).isoformat()
    body = client.get(URL, params={"since": since, "version": 1}).json()
    [v1] = body["versions"]
    assert (v1["starts"], v1["completion"]["rate"]) == (0, None)
    assert datetime.fromisoformat(body["since"]) == STARTED + timedelta(seconds=1)


def test_openapi_documents_the_not_found_answer(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/quizzes/{quiz_id}/analytics"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["404"]["content"]

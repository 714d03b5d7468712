"""The quiz session endpoints: the contract's shapes, auth, and every problem they answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from apikeys import INGEST_KEY, READ_KEY
from factories import add_products, consent, customer, product
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.models import QuizVersion
from prefero.runtime import Runtime

FINDER: dict[str, Any] = {
    "id": "camera-finder", "kind": "guided_selling", "title": "Find your camera",
    "scope": {"facet": "category", "values": ["Electronics > Cameras"]},
    "results": {"n": 3, "policy": "fill"},
    "questions": [
        {"id": "use", "type": "single", "text": "What will you shoot?", "options": [
            {"id": "travel", "label": "Travel", "effects": [
                {"type": "include", "where": {"facet": "use", "values": ["travel"]}}]},
            {"id": "studio", "label": "Studio", "effects": [
                {"type": "include", "where": {"facet": "use", "values": ["studio"]}}]}]},
        {"id": "budget", "type": "range", "text": "Your budget?",
         "range": {"min": 500, "max": 6000, "step": 100, "unit": "PLN",
                   "effects": [{"type": "budget", "from_answer": "max"}]}},
        {"id": "brand", "type": "single", "text": "Favourite brand?", "options": [
            {"id": "canon", "label": "Canon", "effects": [
                {"type": "set_weight", "facet": "brand", "value": "canon", "weight": 1}]},
            {"id": "sony", "label": "Sony", "effects": [
                {"type": "set_weight", "facet": "brand", "value": "sony", "weight": 1}]}]},
        {"id": "help", "type": "single", "text": "Need help setting it up?", "options": [
            {"id": "yes", "label": "Yes please", "wants_assistance": True},
            {"id": "no", "label": "No"}]},
        {"id": "notes", "type": "text", "text": "Anything else?", "required": False},
    ],
}


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    definition = QuizDefinition.model_validate(FINDER)
    with runtime.session() as s:
        add_products(s, [
            product("cam-a", category="Electronics > Cameras", price=2000, brand="Canon",
                    facets={"use": ["travel"], "megapixels": 24, "weight_g": 500}),
            product("cam-b", category="Electronics > Cameras", price=2400, brand="Nikon",
                    facets={"use": ["travel"], "megapixels": 20, "weight_g": 700}),
            product("cam-c", category="Electronics > Cameras", price=3800, brand="Sony",
                    facets={"use": ["studio"], "megapixels": 33, "weight_g": 650}),
            product("setup", category="Electronics > Services", price=99,
                    title="Camera set-up"),
        ])
        s.add(QuizVersion(quiz_id=definition.id, version=1, kind=definition.kind,
                          title=definition.title, definition=definition.model_dump(mode="json"),
                          digest="d1"))
    return runtime


def _start(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/v1/quizzes/camera-finder/sessions",
                           json=body if body is not None else {"customer_id": "c1"})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _answer(client: TestClient, sid: str, body: dict[str, Any]) -> Any:
    return client.post(f"/v1/quiz-sessions/{sid}/answers", json=body)


def test_contract_end_to_end(client: TestClient, shop: Runtime) -> None:
    started = _start(client)
    assert isinstance(started["session_id"], str)
    question = started["question"]
    assert question["id"] == "use" and question["type"] == "single"
    assert question["text"] == "What will you shoot?"
    assert [o["id"] for o in question["options"]] == ["travel", "studio"]
    assert {"id", "label"} <= set(question["options"][0])
    assert question["range"] is None
    assert started["remaining"] == {"count": 3, "of": 3}
    assert started["progress"] == {"answered": 0, "total": 5}
    sid = started["session_id"]

    step = _answer(client, sid, {"question_id": "use", "option_ids": ["travel"]})
    assert step.status_code == 200, step.text
    body = step.json()
    assert body["question"]["id"] == "budget"
    assert body["question"]["range"] == {"min": 500, "max": 6000, "step": 100, "unit": "PLN",
                                         "default": None}
    assert body["remaining"] == {"count": 2, "of": 3}
    assert body["removed_most"]["question_id"] == "use"
    assert body["completed"] is False

    for answer in ({"question_id": "budget", "value": 2500},
                   {"question_id": "brand", "option_ids": ["canon"]},
                   {"question_id": "help", "option_ids": ["yes"]}):
        assert _answer(client, sid, answer).status_code == 200
    done = _answer(client, sid, {"question_id": "notes", "text": "light please"})
    assert done.status_code == 200, done.text
    finished = done.json()
    assert finished["completed"] is True and finished["question"] is None
    assert finished["stored"] is True
    results = finished["results"]
    assert [r["product_id"] for r in results] == ["cam-a", "cam-b"]
    for result in results:
        assert result["reasons"] and {"code", "text"} <= set(result["reasons"][0])
        assert isinstance(result["trade_offs"], list)
    assert any(t["code"] == "costs_more" for t in results[1]["trade_offs"])
    services = finished["add_on_services"]
    assert [s["product_id"] for s in services] == ["setup"]
    assert services[0]["label"] == "add_on_service" and services[0]["preselected"] is False
    # Prices name their currency, so a client never guesses it.
    assert {item["currency"] for item in [*results, *services]} == {"PLN"}

    resumed = client.get(f"/v1/quiz-sessions/{sid}", headers={"X-API-Key": READ_KEY})
    assert resumed.status_code == 200
    assert resumed.json()["completed"] is True
    assert [r["product_id"] for r in resumed.json()["results"]] == ["cam-a", "cam-b"]


def test_back_and_resume(client: TestClient, shop: Runtime) -> None:
    sid = _start(client, {})["session_id"]
    _answer(client, sid, {"question_id": "use", "option_ids": ["studio"]})
    back = client.post(f"/v1/quiz-sessions/{sid}/back")
    assert back.status_code == 200
    assert back.json()["question"]["id"] == "use" and back.json()["answers"] == []
    assert client.get(f"/v1/quiz-sessions/{sid}").json()["question"]["id"] == "use"


def test_a_visitor_session_without_body(client: TestClient, shop: Runtime) -> None:
    response = client.post("/v1/quizzes/camera-finder/sessions")
    assert response.status_code == 201, response.text
    assert response.json()["customer_id"] is None


def test_quiz_preferences_endpoints(client: TestClient, shop: Runtime) -> None:
    sid = _start(client)["session_id"]
    for answer in ({"question_id": "use", "option_ids": ["travel"]},
                   {"question_id": "budget", "value": 2500},
                   {"question_id": "brand", "option_ids": ["sony"]},
                   {"question_id": "help", "option_ids": ["no"]},
                   {"question_id": "notes"}):
        assert _answer(client, sid, answer).status_code == 200
    listed = client.get("/v1/customers/c1/quiz-preferences", headers={"X-API-Key": READ_KEY})
    assert listed.status_code == 200
    groups = listed.json()["quizzes"]
    assert [g["source"] for g in groups] == ["quiz:camera-finder@1"]
    assert [(like["facet"], like["value"]) for like in groups[0]["likes"]] == [
        ("brand", "sony")]
    assert (groups[0]["budget"]["max"], groups[0]["budget"]["currency"]) == (2500, "PLN")
    removed = client.delete("/v1/customers/c1/quiz-preferences/camera-finder",
                            headers={"X-API-Key": INGEST_KEY})
    assert removed.status_code == 200
    assert removed.json() == {"customer_id": "c1", "quiz_id": "camera-finder",
                              "preferences": 1, "traits": 0, "budget": True}
    assert client.get("/v1/customers/c1/quiz-preferences").json()["quizzes"] == []
    assert client.get("/v1/customers/nobody/quiz-preferences").status_code == 404


def test_no_consent_means_not_stored(client: TestClient, shop: Runtime) -> None:
    with shop.session() as s:
        customer(s, "c-no")
        consent(s, "c-no", "personalization", False)
    sid = _start(client, {"customer_id": "c-no"})["session_id"]
    for answer in ({"question_id": "use", "option_ids": ["travel"]},
                   {"question_id": "budget", "value": 2500},
                   {"question_id": "brand", "option_ids": ["sony"]},
                   {"question_id": "help", "option_ids": ["no"]}):
        _answer(client, sid, answer)
    done = _answer(client, sid, {"question_id": "notes"}).json()
    assert done["completed"] is True and done["stored"] is False and done["results"]
    assert client.get("/v1/customers/c-no/quiz-preferences").json()["quizzes"] == []


def test_auth(client: TestClient, shop: Runtime) -> None:
    sid = _start(client)["session_id"]
    assert client.post("/v1/quizzes/camera-finder/sessions", json={},
                       headers={"X-API-Key": ""}).status_code == 401
    assert client.post("/v1/quizzes/camera-finder/sessions", json={},
                       headers={"X-API-Key": "nope"}).status_code == 401
    read = {"X-API-Key": READ_KEY}
    for response in (
        client.post("/v1/quizzes/camera-finder/sessions", json={}, headers=read),
        client.post(f"/v1/quiz-sessions/{sid}/answers", headers=read,
                    json={"question_id": "use", "option_ids": ["travel"]}),
        client.post(f"/v1/quiz-sessions/{sid}/back", headers=read),
        client.delete("/v1/customers/c1/quiz-preferences/camera-finder", headers=read),
    ):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    ingest = {"X-API-Key": INGEST_KEY}
    assert client.post("/v1/quizzes/camera-finder/sessions", json={},
                       headers=ingest).status_code == 201
    assert client.get(f"/v1/quiz-sessions/{sid}", headers=read).status_code == 200


def test_not_found(client: TestClient, shop: Runtime) -> None:
    for response in (
        client.post("/v1/quizzes/no-such-quiz/sessions", json={}),
        client.post("/v1/quiz-sessions/missing/answers",
                    json={"question_id": "use", "option_ids": ["travel"]}),
        client.post("/v1/quiz-sessions/missing/back"),
        client.get("/v1/quiz-sessions/missing"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_conflicts(client: TestClient, shop: Runtime) -> None:
    sid = _start(client)["session_id"]
    early = _answer(client, sid, {"question_id": "budget", "value": 2500})
    assert early.status_code == 409
    assert "'use'" in early.json()["detail"]
    for answer in ({"question_id": "use", "option_ids": ["travel"]},
                   {"question_id": "budget", "value": 2500},
                   {"question_id": "brand", "option_ids": ["sony"]},
                   {"question_id": "help", "option_ids": ["no"]},
                   {"question_id": "notes"}):
        assert _answer(client, sid, answer).status_code == 200
    again = _answer(client, sid, {"question_id": "use", "option_ids": ["travel"]})
    assert again.status_code == 409
    assert client.post(f"/v1/quiz-sessions/{sid}/back").status_code == 409


@pytest.mark.parametrize(("body", "loc"), [
    ({"question_id": "use", "option_ids": ["travel", "zzz"]}, ["body", "option_ids", 1]),
    ({"question_id": "use", "option_ids": ["zzz"]}, ["body", "option_ids", 0]),
    ({"question_id": "use", "option_ids": ["travel", "studio"]}, ["body", "option_ids"]),
    ({"question_id": "use", "option_ids": []}, ["body", "option_ids"]),
    ({"question_id": "use"}, ["body", "option_ids"]),
    ({"question_id": "use", "value": 3}, ["body", "value"]),
    ({"question_id": "nope", "option_ids": ["travel"]}, ["body", "question_id"]),
    ({"option_ids": ["travel"]}, ["body", "question_id"]),
    ({"question_id": "use", "option_ids": "travel"}, ["body", "option_ids"]),
    ({"question_id": "use", "option_ids": ["travel"], "extra": 1}, ["body", "extra"]),
])
def test_invalid_answers(client: TestClient, shop: Runtime, body: dict[str, Any],
                         loc: list[Any]) -> None:
    sid = _start(client)["session_id"]
    response = _answer(client, sid, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert client.get(f"/v1/quiz-sessions/{sid}").json()["answers"] == []  # nothing changed


@pytest.mark.parametrize(("value", "message"), [
    (2550, "must be 500 plus a multiple of 100"),
    (100, "must lie between 500 and 6000"),
])
def test_invalid_range_values(client: TestClient, shop: Runtime, value: float,
                              message: str) -> None:
    sid = _start(client)["session_id"]
    _answer(client, sid, {"question_id": "use", "option_ids": ["travel"]})
    response = _answer(client, sid, {"question_id": "budget", "value": value})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["body", "value"], "msg": message}]


def test_openapi_documents_the_problems(client: TestClient, shop: Runtime) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    answers = paths["/v1/quiz-sessions/{session_id}/answers"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(answers)
    assert "404" in paths["/v1/quizzes/{quiz_id}/sessions"]["post"]["responses"]

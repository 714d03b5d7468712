"""GET/POST /v1/quizzes: list, read a version, publish as JSON or YAML, and the problems."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from apikeys import READ_KEY


def _quiz(title: str = "Your colours") -> dict[str, Any]:
    return {"id": "colours", "kind": "quiz", "title": title, "questions": [
        {"id": "colour", "type": "single", "text": "Which colour?", "options": [
            {"id": "red", "label": "Red", "effects": [
                {"type": "set_weight", "facet": "color", "value": "red", "weight": 1}]},
            {"id": "blue", "label": "Blue"}]},
        {"id": "budget", "type": "range", "text": "Budget?",
         "range": {"min": 10, "max": 500, "effects": [{"type": "budget", "from_answer": "max"}]}},
    ]}


def test_publish_list_and_get(client: TestClient) -> None:
    assert client.get("/v1/quizzes").json() == {"items": []}
    created = client.post("/v1/quizzes", json=_quiz())
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["id"], body["version"], body["question_count"]) == ("colours", 1, 2)
    assert body["definition"]["results"] == {"n": 5, "policy": "fill"}  # defaults filled in

    same = client.post("/v1/quizzes", json=_quiz())
    assert same.status_code == 200 and same.json()["version"] == 1

    # The same definition as YAML is the same content.
    as_yaml = client.post("/v1/quizzes", content=yaml.safe_dump(_quiz()),
                          headers={"Content-Type": "application/yaml"})
    assert as_yaml.status_code == 200 and as_yaml.json()["digest"] == body["digest"]

    second = client.post("/v1/quizzes", json=_quiz("New title"))
    assert second.status_code == 201 and second.json()["version"] == 2

    listed = client.get("/v1/quizzes", headers={"X-API-Key": READ_KEY}).json()
    assert listed == {"items": [{"id": "colours", "kind": "quiz", "title": "New title",
                                 "version": 2, "question_count": 2}]}
    latest = client.get("/v1/quizzes/colours", headers={"X-API-Key": READ_KEY})
    assert latest.status_code == 200 and latest.json()["title"] == "New title"
    first = client.get("/v1/quizzes/colours", params={"version": 1}).json()
    assert (first["version"], first["definition"]["title"]) == (1, "Your colours")


def test_not_found(client: TestClient) -> None:
    missing = client.get("/v1/quizzes/shapes")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    client.post("/v1/quizzes", json=_quiz())
    no_version = client.get("/v1/quizzes/colours", params={"version": 9})
    assert no_version.status_code == 404
    assert "the latest is 1" in no_version.json()["detail"]


def test_invalid_definition_is_a_precise_422(client: TestClient) -> None:
    quiz = _quiz()
    quiz["questions"][0]["options"][0]["effects"][0]["facet"] = "colour"
    quiz["questions"][1]["range"]["min"] = 1000
    answer = client.post("/v1/quizzes", json=quiz)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in answer.json()["errors"]] == [
        ["body", "questions", 0, "options", 0, "effects", 0, "facet"],
        ["body", "questions", 1, "range", "min"],
    ]
    assert client.get("/v1/quizzes").json() == {"items": []}


def test_bad_yaml_and_bad_json(client: TestClient) -> None:
    bad_yaml = client.post("/v1/quizzes", content=b"id: [x\n",
                           headers={"Content-Type": "application/yaml"})
    assert bad_yaml.status_code == 422
    [error] = bad_yaml.json()["errors"]
    assert error["loc"] == ["body"] and error["msg"].startswith("line 2, column 1")
    bad_json = client.post("/v1/quizzes", content=b"[1, 2]",
                           headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["errors"][0]["loc"] == ["body"]


def test_keys_and_scopes(client: TestClient) -> None:
    assert client.get("/v1/quizzes", headers={"X-API-Key": ""}).status_code == 401
    assert client.get("/v1/quizzes", headers={"X-API-Key": "wrong"}).status_code == 401
    refused = client.post("/v1/quizzes", json=_quiz(), headers={"X-API-Key": READ_KEY})
    assert refused.status_code == 403
    assert client.get("/v1/quizzes").json() == {"items": []}

"""/v1/admin/experiments: a read key lists, reads, checks and reads results; the admin key
creates, changes drafts, starts, stops and deletes, each write in the audit log (none for a
refused one); wrong input is problem+json naming each field from "body" (or "query") and
changes nothing; every status a route answers is in the document. The power calculator
answers the planner's figures. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import READ_KEY
from prefero.audit.models import AuditEntry
from prefero.experiments.power import proportion_sample_size
from prefero.runtime import Runtime

READ = {"X-API-Key": READ_KEY}
PATH = "/v1/admin/experiments"
BODY: dict[str, Any] = {
    "key": "home-diversity", "name": "More variety on the home page",
    "kind": "recommendations", "target": "home",
    "arms": [{"key": "control", "name": "As it is", "share": 0.5, "control": True},
             {"key": "diverse", "name": "More variety", "share": 0.5,
              "config": {"diversity": 0.6}}]}


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("experiments."))
            .order_by(AuditEntry.id))]


def locs(answer: Any) -> list[list[str | int]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [e["loc"] for e in answer.json()["errors"]]


def test_an_experiment_is_created_changed_started_stopped_and_deleted(
        client: TestClient, runtime: Runtime) -> None:
    created = client.post(PATH, json=BODY)
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["arms"][1]["config"]) == (
        "draft", {"diversity": 0.6})
    assert [e["key"] for e in client.get(PATH, headers=READ).json()["items"]] == [
        "home-diversity"]
    changed = client.put(f"{PATH}/home-diversity", json={**BODY, "name": "Variety"})
    assert changed.status_code == 200 and changed.json()["name"] == "Variety"
    started = client.post(f"{PATH}/home-diversity/start")
    assert started.status_code == 200 and started.json()["status"] == "running"
    assert client.put(f"{PATH}/home-diversity", json=BODY).status_code == 409
    assert client.delete(f"{PATH}/home-diversity").status_code == 409
    assert client.post(f"{PATH}/home-diversity/start").status_code == 409
    results = client.get(f"{PATH}/home-diversity/results", headers=READ)
    assert results.status_code == 200
    assert (results.json()["units"], results.json()["srm"]["flagged"]) == (0, False)
    assert [c["metric"] for c in results.json()["comparisons"]] == [
        "conversion", "not_for_me_rate", "revenue_per_visitor"]
    assert client.post(f"{PATH}/home-diversity/stop").json()["status"] == "stopped"
    assert client.get(f"{PATH}/home-diversity", headers=READ).json()["status"] == "stopped"
    assert client.delete(f"{PATH}/home-diversity").status_code == 204
    assert client.get(f"{PATH}/home-diversity").status_code == 404
    assert actions(runtime) == [
        ("experiments.create", None), ("experiments.write", "home-diversity"),
        ("experiments.start", "home-diversity"), ("experiments.stop", "home-diversity"),
        ("experiments.delete", "home-diversity")]


def test_wrong_input_names_each_field_and_changes_nothing(client: TestClient,
                                                          runtime: Runtime) -> None:
    arms = [{**BODY["arms"][0], "share": 0.7},
            {**BODY["arms"][1], "config": {"diversity": 2}}]
    assert sorted(map(str, locs(client.post(PATH, json={**BODY, "arms": arms})))) == sorted(
        map(str, [["body", "arms"], ["body", "arms", 1, "config", "diversity"]]))
    assert locs(client.post(PATH, json={**BODY, "target": "email"})) == [["body", "target"]]
    assert locs(client.post(PATH, json={**BODY, "colour": "red"})) == [["body", "colour"]]
    assert locs(client.post(PATH, json={**BODY, "traffic": "1"})) == [["body", "traffic"]]
    assert client.post(PATH, json=BODY).status_code == 201
    assert client.post(PATH, json=BODY).status_code == 409
    assert locs(client.put(f"{PATH}/home-diversity", json={**BODY, "key": "other"})) == [
        ["body", "key"]]
    assert client.put(f"{PATH}/nope", json={**BODY, "key": "nope"}).status_code == 404
    assert client.post(f"{PATH}/nope/stop").status_code == 404
    assert client.get(f"{PATH}/nope/results").status_code == 404
    assert client.get(f"{PATH}/Not%20a%20key").status_code == 404
    assert locs(client.get(f"{PATH}/{'k' * 65}")) == [["path", "key"]]
    assert locs(client.get(f"{PATH}/home-diversity/results?alpha=0.9")) == [
        ["query", "alpha"]]
    answer = client.get(f"{PATH}/home-diversity", headers=READ).json()
    assert (answer["name"], answer["status"]) == (BODY["name"], "draft")
    assert actions(runtime) == [("experiments.create", None)]


def test_check_says_what_is_wrong_and_stores_nothing(client: TestClient) -> None:
    fine = client.post(f"{PATH}/check", json=BODY, headers=READ)
    assert fine.status_code == 200 and fine.json() == {"valid": True, "errors": []}
    wrong = client.post(f"{PATH}/check", headers=READ, json={
        **BODY, "kind": "content", "target": None, "guardrails": ["conversion"]})
    assert wrong.status_code == 200 and not wrong.json()["valid"]
    assert sorted(map(str, (e["loc"] for e in wrong.json()["errors"]))) == sorted(
        map(str, [["body", "guardrails", 0], ["body", "arms", 1, "config", "diversity"],
                  ["body", "target"]]))
    assert locs(client.post(f"{PATH}/check", json={"key": "x"})) != []
    assert client.get(PATH).json()["items"] == []


def test_a_read_key_reads_but_cannot_write(client: TestClient) -> None:
    assert client.post(PATH, json=BODY).status_code == 201
    assert client.get(PATH, headers=READ).status_code == 200
    assert client.get(f"{PATH}/home-diversity/results", headers=READ).status_code == 200
    for method, path, body in (("POST", PATH, BODY), ("PUT", f"{PATH}/home-diversity", BODY),
                               ("DELETE", f"{PATH}/home-diversity", None),
                               ("POST", f"{PATH}/home-diversity/start", None),
                               ("POST", f"{PATH}/home-diversity/stop", None)):
        refused = client.request(method, path, json=body, headers=READ)
        assert refused.status_code == 403, (method, path)
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get(PATH, headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get(f"{PATH}/home-diversity").json()["status"] == "draft"


def test_the_power_calculator(client: TestClient) -> None:
    needed = client.get(f"{PATH}/power?base_rate=0.1&relative_lift=0.2", headers=READ)
    assert needed.status_code == 200
    assert (needed.json()["units_per_arm"], needed.json()["power"]) == (3839, 0.8)
    found = client.get(f"{PATH}/power?base_rate=0.1&units_per_arm=3000").json()
    assert round(found["relative_lift"], 3) == 0.227
    both = client.get(f"{PATH}/power?base_rate=0.1&relative_lift=0.2&units_per_arm=3000")
    assert round(both.json()["power"], 2) == 0.7
    assert locs(client.get(f"{PATH}/power?base_rate=0.5&relative_lift=1.5")) == [
        ["query", "relative_lift"]]
    assert locs(client.get(f"{PATH}/power?base_rate=0.1&units_per_arm=100&power=0.01")) == [
        ["query", "power"]]
    assert locs(client.get(f"{PATH}/power?base_rate=0.1")) == [["query", "relative_lift"]]
    assert locs(client.get(f"{PATH}/power?base_rate=1e-300&units_per_arm=10")) == [
        ["query", "base_rate"]]


def test_every_status_a_route_answers_is_documented(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    expected = {
        ("get", PATH): {"200", "401", "403", "422"},
        ("post", PATH): {"201", "401", "403", "409", "422"},
        ("post", f"{PATH}/check"): {"200", "401", "403", "422"},
        ("get", f"{PATH}/power"): {"200", "401", "403", "422"},
        ("get", f"{PATH}/{{key}}"): {"200", "404", "422"},
        ("put", f"{PATH}/{{key}}"): {"200", "404", "409", "422"},
        ("delete", f"{PATH}/{{key}}"): {"204", "404", "409", "422"},
        ("post", f"{PATH}/{{key}}/start"): {"200", "404", "409", "422"},
        ("post", f"{PATH}/{{key}}/stop"): {"200", "404", "409", "422"},
        ("get", f"{PATH}/{{key}}/results"): {"200", "404", "422"},
    }
    for (method, path), statuses in expected.items():
        documented = set(document["paths"][path][method]["responses"])
        assert statuses <= documented, (method, path, statuses - documented)


def test_the_power_calculator_plans_each_comparison_at_alpha_over_the_comparisons(
        client: TestClient) -> None:
    three = client.get(f"{PATH}/power?base_rate=0.1&relative_lift=0.2&arms=3", headers=READ)
    assert three.status_code == 200
    plan = three.json()
    assert (plan["arms"], plan["alpha"], plan["comparison_alpha"]) == (3, 0.05, 0.025)
    assert plan["units_per_arm"] == proportion_sample_size(base_rate=0.1, relative_lift=0.2,
                                                           alpha=0.025) > 3839
    two = client.get(f"{PATH}/power?base_rate=0.1&units_per_arm=3000").json()
    assert (two["arms"], two["comparison_alpha"]) == (2, 0.05)
    assert locs(client.get(f"{PATH}/power?base_rate=0.1&units_per_arm=3000&arms=1")) == [
        ["query", "arms"]]

"""The quiz API for scope and language (issue 11): a definition declares its scope and
translations, publishing reports missing translations, sessions answer in the shopper's
language, name what emptied the set and flag closest-match results."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.i18n.catalogues import translations
from prefero.runtime import Runtime

POLISH = {"Find your camera": "Znajdź swój aparat", "cameras": "aparatów",
          "What will you shoot?": "Co chcesz fotografować?", "Travel": "Podróże",
          "Studio": "Studio", "Your budget?": "Twój budżet?", "PLN": "zł",
          "Need help?": "Potrzebna pomoc?", "Yes please": "Tak, proszę", "No": "Nie"}


def _finder(translations: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "camera-finder", "kind": "guided_selling", "title": "Find your camera",
        "scope": {"facet": "category", "values": ["Electronics > Cameras"], "noun": "cameras",
                  "add_ons": {"facet": "use", "values": ["photo"]}},
        "results": {"n": 3},
        "questions": [
            {"id": "use", "type": "single", "text": "What will you shoot?", "options": [
                {"id": "travel", "label": "Travel", "effects": [
                    {"type": "include", "where": {"facet": "use", "values": ["travel"]}}]},
                {"id": "studio", "label": "Studio", "effects": [
                    {"type": "include", "where": {"facet": "use", "values": ["studio"]}}]}]},
            {"id": "budget", "type": "range", "text": "Your budget?",
             "range": {"min": 100, "max": 6000, "step": 100, "unit": "PLN",
                       "effects": [{"type": "budget", "from_answer": "max"}]}},
            {"id": "help", "type": "single", "text": "Need help?", "options": [
                {"id": "yes", "label": "Yes please", "wants_assistance": True},
                {"id": "no", "label": "No"}]},
        ],
        "translations": {"pl": POLISH} if translations is None else translations,
    }


@pytest.fixture
def shop(runtime: Runtime, client: TestClient) -> Runtime:
    with runtime.session() as s:
        add_products(s, [
            product("cam-a", category="Electronics > Cameras > Compact", price=900,
                    facets={"use": ["travel", "photo"]}),
            product("cam-b", category="Electronics > Cameras > Mirrorless", price=2400,
                    facets={"use": ["travel", "photo"]}),
            product("laptop", category="Electronics > Computers > Laptops", price=50,
                    facets={"use": ["travel"]}),
            product("cam-setup", category="Electronics > Services > Add-ons", price=149,
                    facets={"tags": ["service"], "use": ["photo"]}),
            product("laptop-setup", category="Electronics > Services > Add-ons", price=199,
                    facets={"tags": ["service"], "use": ["work"]}),
        ])
    assert client.post("/v1/quizzes", json=_finder()).status_code == 201
    return runtime


def _run(client: TestClient, answers: list[dict[str, Any]],
         headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    started = client.post("/v1/quizzes/camera-finder/sessions", json={}, headers=headers)
    assert started.status_code == 201, started.text
    steps = [started.json()]
    for body in answers:
        response = client.post(f"/v1/quiz-sessions/{steps[0]['session_id']}/answers",
                               json=body, headers=headers)
        assert response.status_code == 200, response.text
        steps.append(response.json())
    return steps


LOW = [{"question_id": "use", "option_ids": ["travel"]},
       {"question_id": "budget", "value": 800},
       {"question_id": "help", "option_ids": ["yes"]}]


def test_a_small_budget_is_named_and_the_results_are_labelled_closest(
        client: TestClient, shop: Runtime) -> None:
    steps = _run(client, LOW)
    assert steps[1]["emptied"] is None
    emptied = steps[2]["emptied"]
    assert emptied["by"] == "answer" and emptied["question_id"] == "budget"
    assert emptied["message"].endswith("leaves no cameras: raise it or go on.")
    done = steps[-1]
    assert done["completed"] and done["closest_matches"] is True
    assert [r["product_id"] for r in done["results"]] == ["cam-a", "cam-b"]  # not the laptop
    assert all(r["match"] == "closest" and r["misses"] == ["your budget (up to PLN\xa0800.00)"]
               for r in done["results"])
    assert all(r["reasons"][0]["code"] == "closest_match"
               and r["reasons"][0]["params"]["misses"] == r["misses"] for r in done["results"])
    assert [s["product_id"] for s in done["add_on_services"]] == ["cam-setup"]


def test_sessions_answer_in_the_shoppers_language(client: TestClient, shop: Runtime) -> None:
    steps = _run(client, LOW, headers={"Accept-Language": "pl-PL, en;q=0.5"})
    assert steps[0]["question"]["text"] == "Co chcesz fotografować?"
    assert [o["label"] for o in steps[0]["question"]["options"]] == ["Podróże", "Studio"]
    assert steps[1]["question"]["range"]["unit"] == "zł"
    pl = translations("pl").gettext
    assert steps[2]["emptied"]["message"] == pl(
        "Your budget of {budget} leaves no {things}: raise it or go on.").format(
        budget="800,00\xa0zł", things="aparatów")
    reasons = [r["text"] for r in steps[-1]["results"][0]["reasons"]]
    budget = pl("your budget ({budget})").format(budget=pl("up to {amount}").format(
        amount="800,00\xa0zł"))
    assert reasons[0] == pl("Closest match — misses: {what}").format(what=budget)
    # q-values count: Polish ranked below English is English.
    english = _run(client, [], headers={"Accept-Language": "pl;q=0.1, en"})
    assert english[0]["question"]["text"] == "What will you shoot?"


def test_publishing_reports_missing_translations(client: TestClient, shop: Runtime) -> None:
    complete = client.get("/v1/quizzes/camera-finder").json()
    assert complete["missing_translations"] == []
    assert complete["definition"]["scope"]["add_ons"] == {"facet": "use", "values": ["photo"]}
    partial = {k: v for k, v in POLISH.items() if k != "Studio"}
    response = client.post("/v1/quizzes", json=_finder({"pl": partial}))
    assert response.status_code == 201  # reported, not refused
    assert response.json()["missing_translations"] == [{
        "loc": ["definition", "translations", "pl"],
        "msg": "no pl translation of 'Studio' (questions[0].options[1].label)"}]


def test_a_scope_naming_an_unknown_facet_is_refused(client: TestClient, shop: Runtime) -> None:
    document = _finder()
    document["scope"]["add_ons"] = {"facet": "department", "values": ["x"]}
    response = client.post("/v1/quizzes", json=document)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "scope", "add_ons", "facet"]]

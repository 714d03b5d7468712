"""The quiz player keeps quizzes in scope and in the visitor's language (issue 11): picks and
add-ons from the quiz's scope only, the question that emptied the set says so, the results
fall back to labelled closest matches, and a Polish visitor reads the whole quiz in Polish."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from html import unescape

from fastapi.testclient import TestClient

from prefero.catalog.models import Product
from prefero.customers.models import Customer
from prefero.demo import load_demo
from prefero.i18n.catalogues import translations
from prefero.quizzes.publish import get_version, publish_library
from prefero.quizzes.texts import shopper_texts
from prefero.runtime import Runtime
from webforms import submit

PL = {"Accept-Language": "pl"}


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name!r} in the page"
    return found.group(1)


def _answer(client: TestClient, quiz_id: str, html: str, *, headers: dict[str, str] | None = None,
            **fields: object) -> str:
    data = {"session_id": _hidden(html, "session_id"),
            "question_id": _hidden(html, "question_id"), **fields}
    response = submit(client, f"/quizzes/{quiz_id}/answer", data, html=html, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def _visitor_id(client: TestClient) -> str:
    payload = str(client.cookies.get("prefero_session")).split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return str(data["customer_id"])


def _picked(html: str) -> list[str]:
    return re.findall(r'class="card quiz-pick" data-product-id="([^"]+)"', html)


def _services(html: str) -> list[str]:
    return re.findall(r'class="card quiz-service" data-product-id="([^"]+)"', html)


def _categories(runtime: Runtime, ids: list[str]) -> list[str]:
    with runtime.session() as session:
        return [session.get(Product, pid).category for pid in ids]  # type: ignore[union-attr]


def test_the_list_counts_questions_as_the_player_does(client: TestClient,
                                                      runtime: Runtime) -> None:
    with runtime.session() as session:
        publish_library(session, schema=runtime.facet_schema)
    html = client.get("/quizzes").text
    # One camera question is asked only of those who film often: "up to", as "of 8" starts.
    assert "Up to 8 questions" in html and "Six questions" not in html
    first = client.get("/quizzes/camera-finder").text
    assert "Question 1 of 8" in first
    polish = client.get("/quizzes", headers=PL).text
    said = translations("pl").gettext("Up to {n} questions")
    assert said != "Up to {n} questions" and said.format(n=8) in polish
    assert "Znajdź swój aparat" in polish


def test_a_small_budget_is_named_at_its_question_and_ends_on_closest_cameras(
        client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    with runtime.session() as session:
        cheapest = min(p.price for p in session.query(Product).filter(
            Product.category.startswith("Electronics > Cameras")))
    assert cheapest > Decimal(800), "the demo's cameras all cost more than the lowest budget"
    html = client.get("/quizzes/camera-finder").text
    for fields in ({"option": "expert"}, {"option": "photo"}, {"option": "never"}):
        html = _answer(client, "camera-finder", html, **fields)
        assert 'class="notice quiz-emptied"' not in html
    html = _answer(client, "camera-finder", html, value="800")
    # The page after the budget says it left nothing, and how to go on.
    assert _hidden(html, "question_id") == "system"
    assert "Your budget of PLN\xa0800.00 leaves no cameras: raise it or go on." in html
    assert 'data-emptied="answer"' in html and 'data-remaining="0"' in html
    html = _answer(client, "camera-finder", html, option="none")
    html = _answer(client, "camera-finder", html, action="skip")
    html = _answer(client, "camera-finder", html, option="setup")
    assert "Your results" in html
    picks = _picked(html)
    assert len(picks) == 4
    assert all(c.startswith("Electronics > Cameras") for c in _categories(runtime, picks))
    assert "these are the closest matches" in html
    assert html.count("your budget (up to PLN\xa0800.00)") >= 4  # each pick says what it misses
    # Help was asked for: camera services only, never laptop set-up or a smart-home visit.
    services = _services(html)
    assert services and set(services) <= {"s0001", "s0002"}
    assert "Laptop set-up" not in html and "Smart-home" not in html


def test_the_visitors_own_budget_is_named_before_the_first_question(
        client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    client.get("/quizzes/camera-finder")
    with runtime.session() as session:
        row = session.get(Customer, _visitor_id(client))
        assert row is not None
        row.budget_max = Decimal(50)
    html = client.get("/quizzes/camera-finder").text
    assert "Your budget of PLN\xa050.00 leaves no cameras: raise it or go on." in html
    assert 'data-emptied="rules"' in html and 'href="/preferences"' in html
    assert "0 of 0 products left" in html
    polish = client.get("/quizzes/camera-finder", headers=PL).text
    said = translations("pl").gettext("Your budget of {budget} leaves no {things}: raise it or "
                                      "go on.")
    assert said.format(budget="50,00\xa0zł", things="aparatów") in unescape(polish)


def test_grocery_results_are_groceries(client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    html = client.get("/quizzes/grocery-setup").text
    for fields in ({"option": "none"}, {"option": "none"}, {"option": "fine"},
                   {"option": "no"}, {"action": "skip"}):
        html = _answer(client, "grocery-setup", html, **fields)
    picks = _picked(html)
    assert picks and all(c.startswith("Groceries") for c in _categories(runtime, picks))


def test_a_polish_visitor_plays_the_whole_quiz_in_polish(client: TestClient,
                                                         runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    with runtime.session() as session:
        _, quiz = get_version(session, "camera-finder")
    # Texts whose Polish differs from the English must never show in English.
    english = [text for _, text in shopper_texts(quiz) if quiz.translations["pl"][text] != text]
    pages = []
    html = client.get("/quizzes/camera-finder", headers=PL).text
    pages.append(html)
    assert "Znajdź swój aparat" in html and "Pytanie 1 z 8" in html
    assert "Jakie masz doświadczenie w fotografii?" in html and "Dopiero zaczynam" in html
    for fields in ({"option": "new"}, {"option": "photo"}, {"option": "often"},
                   {"option": "vlog"}, {"value": "4000"}, {"option": "none"},
                   {"action": "skip"}, {"option": "setup"}):
        html = _answer(client, "camera-finder", html, headers=PL, **fields)
        pages.append(html)
    assert "Twoje wyniki" in html
    pl = translations("pl").gettext
    assert pl("Matches your answer “{answer}”").format(
        answer="Codzienne zdjęcia i portrety") in unescape(html)
    assert pl("Optional add-on, because you asked for help or peace of mind; not added to "
              "your basket") in unescape(html)
    for page in map(unescape, pages):
        # Sentences anywhere; short labels as a whole element or a quoted answer (a product
        # title, which stays as the shop wrote it, may contain "Travel").
        shown = [text for text in english if (len(text) > 25 and text in page)
                 or f">{text}<" in page or f"“{text}”" in page]
        assert shown == [], shown
    assert "Matches your answer" not in html and "Within your budget" not in html

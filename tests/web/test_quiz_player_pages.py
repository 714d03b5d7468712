"""The quiz player's pages, driven like a browser without JavaScript (forms, 303 redirects)
and like htmx (the same routes answering the swapped part)."""

from __future__ import annotations

import base64
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.customers.consent import record_consent
from prefero.customers.schemas import ConsentIn
from prefero.demo import load_demo
from prefero.quizzes.models import QuizSession
from prefero.quizzes.publish import publish_library
from prefero.runtime import Runtime
from webforms import submit


def _publish(runtime: Runtime) -> None:
    with runtime.session() as session:
        publish_library(session, schema=runtime.facet_schema)


def _demo(runtime: Runtime) -> None:
    # The demo publishes the quiz library too.
    load_demo(runtime, products=300, customers=80)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name!r} in the page"
    return found.group(1)


def _visitor_id(client: TestClient) -> str:
    # Starlette's session cookie: base64(JSON) "." timestamp "." signature.
    payload = str(client.cookies.get("prefero_session")).split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return str(data["customer_id"])


def _answer(client: TestClient, quiz_id: str, html: str, **fields: object) -> str:
    """Answer the question shown in ``html``; returns the next page."""
    data = {"session_id": _hidden(html, "session_id"),
            "question_id": _hidden(html, "question_id"), **fields}
    response = submit(client, f"/quizzes/{quiz_id}/answer", data, html=html)
    assert response.status_code == 200, response.text
    return response.text


def _question_id(html: str) -> str:
    return _hidden(html, "question_id")


def _remaining(html: str) -> int:
    found = re.search(r'data-remaining="(\d+)"', html)
    assert found
    return int(found.group(1))


def _answers_stored(runtime: Runtime, session_id: str) -> int:
    with runtime.session() as session:
        row = session.get(QuizSession, session_id)
        assert row is not None
        return len(row.answers or [])


def test_the_list_shows_each_quiz_with_its_kind_and_length(client: TestClient,
                                                           runtime: Runtime) -> None:
    _publish(runtime)
    html = client.get("/quizzes").text
    assert "Find your camera" in html and "Product finder" in html
    assert "Set up your groceries" in html and "6 questions" in html
    assert 'href="/quizzes/grocery-setup"' in html
    client.get("/quizzes/grocery-setup")
    assert "Continue" in client.get("/quizzes").text


def test_a_question_is_a_labelled_form_with_progress(client: TestClient,
                                                     runtime: Runtime) -> None:
    _publish(runtime)
    html = client.get("/quizzes/grocery-setup").text
    assert "<fieldset" in html and "<legend>Do you follow any of these diets?" in html
    assert "(optional)" in html
    assert 'type="checkbox" id="option-vegan" name="option" value="vegan"' in html
    assert '<label for="option-vegan">Vegan</label>' in html
    assert "Question 1 of 6" in html and '<progress aria-labelledby="quiz-step" max="6"' in html
    # Nothing to go back to on the first question; an optional one can be skipped.
    assert 'value="back"' not in html and 'value="skip"' in html
    polish = client.get("/quizzes/grocery-setup", headers={"Accept-Language": "pl"}).text
    assert "Pytanie 1 z 6" in polish and "Dalej" in polish


def test_each_question_type_is_answered(client: TestClient, runtime: Runtime) -> None:
    _demo(runtime)
    # image: a labelled figure per option
    html = client.get("/quizzes/fashion-style").text
    assert "<figure>" in html and "<figcaption>Timeless classics</figcaption>" in html
    assert 'type="radio" id="option-classic"' in html
    html = _answer(client, "fashion-style", html, option="minimal")
    assert _question_id(html) == "colours"
    # multiple: several options at once
    html = _answer(client, "fashion-style", html, option=["black", "navy"])
    assert "Question 3 of" in html

    # text
    html = client.get("/quizzes/grocery-setup").text
    for question, fields in (("diet", {"option": "none"}), ("allergens", {"option": "nuts"}),
                             ("sugar", {"option": "fine"}), ("organic", {"option": "no"})):
        assert _question_id(html) == question
        html = _answer(client, "grocery-setup", html, **fields)
    assert 'type="text" id="quiz-text" name="text"' in html
    assert '<label for="quiz-text">Your answer</label>' in html
    html = _answer(client, "grocery-setup", html, text="oat drink, dark chocolate")
    assert "Your results" in html


def test_guided_selling_narrows_then_explains_its_picks(client: TestClient,
                                                        runtime: Runtime) -> None:
    _demo(runtime)
    html = client.get("/quizzes/camera-finder").text
    start = _remaining(html)
    assert f"{start} of {start} products left" in html
    assert 'aria-live="polite"' in html
    html = _answer(client, "camera-finder", html, option="expert")
    html = _answer(client, "camera-finder", html, option=["photo", "travel"])
    html = _answer(client, "camera-finder", html, option="never")
    # range: a slider with a live value and a number box, both labelled
    assert _question_id(html) == "budget"
    assert 'type="range" id="quiz-slider"' in html and '<output id="quiz-output"' in html
    assert '<label for="quiz-value">Exact value (PLN)</label>' in html
    assert 'value="4000"' in html
    html = _answer(client, "camera-finder", html, value="3000", value_slider="4000",
                   initial="4000")
    narrowed = _remaining(html)
    assert narrowed < start
    assert "Removed the most" in html
    html = _answer(client, "camera-finder", html, option="none")
    # Optional range, skipped: the slider's untouched value is not an answer.
    assert _question_id(html) == "weight"
    html = _answer(client, "camera-finder", html, action="skip")
    html = _answer(client, "camera-finder", html, option="setup")
    assert "Your results" in html
    assert 'class="quiz-reasons"' in html and "Why it fits" in html
    assert 'action="/cart/add"' in html and 'name="product_id"' in html
    assert "saved to your profile" in html and 'href="/preferences"' in html
    # Help was asked for: services are offered apart, optional and never pre-selected.
    assert "Optional services" in html and "checked" not in html
    assert "Retake the quiz" in html
    # The results stay on the page until the visitor retakes the quiz.
    assert "Your results" in client.get("/quizzes/camera-finder").text
    retaken = submit(client, "/quizzes/camera-finder/retake", html=html).text
    assert "Question 1 of" in retaken


def test_back_undoes_the_last_answer(client: TestClient, runtime: Runtime) -> None:
    _publish(runtime)
    html = client.get("/quizzes/grocery-setup").text
    session_id = _hidden(html, "session_id")
    html = _answer(client, "grocery-setup", html, option="vegan")
    assert _question_id(html) == "allergens" and 'value="back"' in html
    html = _answer(client, "grocery-setup", html, action="back")
    assert _question_id(html) == "diet" and "Question 1 of 6" in html
    assert _answers_stored(runtime, session_id) == 0


def test_a_new_page_load_resumes_the_same_session(client: TestClient,
                                                  runtime: Runtime) -> None:
    _publish(runtime)
    first = client.get("/quizzes/grocery-setup").text
    _answer(client, "grocery-setup", first, option="vegan")
    again = client.get("/quizzes/grocery-setup").text
    assert _hidden(again, "session_id") == _hidden(first, "session_id")
    assert _question_id(again) == "allergens" and "Question 2 of" in again


def test_an_invalid_answer_says_what_fits_and_keeps_the_question(client: TestClient,
                                                                 runtime: Runtime) -> None:
    _publish(runtime)
    html = client.get("/quizzes/camera-finder").text
    data = {"session_id": _hidden(html, "session_id"), "question_id": "experience"}
    missing = submit(client, "/quizzes/camera-finder/answer", data, html=html)
    assert missing.status_code == 422
    assert "Please choose an option." in missing.text and 'role="alert"' in missing.text
    assert _question_id(missing.text) == "experience"
    unknown = submit(client, "/quizzes/camera-finder/answer", {**data, "option": "guru"},
                     html=html)
    assert "Choose from the options shown." in unknown.text

    html = _answer(client, "camera-finder", html, option="some")
    html = _answer(client, "camera-finder", html, option="photo")
    html = _answer(client, "camera-finder", html, option="never")
    data = {"session_id": _hidden(html, "session_id"), "question_id": "budget"}
    for value, message in (("850", "Choose a value in steps of 100, starting at 800."),
                           ("99999", "Choose a value between 800 and 16000."),
                           ("lots", "Enter a number.")):
        response = submit(client, "/quizzes/camera-finder/answer", {**data, "value": value},
                          html=html)
        assert response.status_code == 422
        assert message in response.text
        assert _question_id(response.text) == "budget"
        # The value sent stays in the box to be corrected.
        assert f'value="{value}"' in response.text
    polish = submit(client, "/quizzes/camera-finder/answer", {**data, "value": "850"},
                    html=html, headers={"Accept-Language": "pl"})
    assert "Wybierz wartość co 100, zaczynając od 800." in polish.text
    assert _answers_stored(runtime, data["session_id"]) == 3


def test_htmx_gets_only_the_swapped_part(client: TestClient, runtime: Runtime) -> None:
    _demo(runtime)
    html = client.get("/quizzes/camera-finder").text
    data = {"session_id": _hidden(html, "session_id"), "question_id": "experience",
            "option": "new"}
    response = submit(client, "/quizzes/camera-finder/answer", data, html=html,
                      headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "Question 2 of" in response.text
    # The live counter outside the swapped part is updated out of band.
    assert 'id="quiz-remaining" hx-swap-oob="innerHTML"' in response.text
    invalid = submit(client, "/quizzes/camera-finder/answer", headers={"HX-Request": "true"},
                     data={**data, "question_id": "use", "option": "nope"}, html=html)
    # htmx swaps only 2xx answers: the message must come back as one.
    assert invalid.status_code == 200 and "Choose from the options shown." in invalid.text


def test_another_visitors_session_is_out_of_reach(client: TestClient,
                                                  runtime: Runtime) -> None:
    _publish(runtime)
    html = client.get("/quizzes/grocery-setup").text
    theirs = _hidden(html, "session_id")
    _answer(client, "grocery-setup", html, option="vegan")

    with TestClient(client.app) as stranger:
        for fields in ({"question_id": "allergens", "option": "nuts"},
                       {"question_id": "allergens", "action": "back"}):
            # With the stranger's own page's token: what stops them is ownership, not CSRF.
            response = submit(stranger, "/quizzes/grocery-setup/answer",
                              {"session_id": theirs, **fields})
            assert response.status_code == 404
            assert "allergic" not in response.text
        own = stranger.get("/quizzes/grocery-setup").text
        assert _hidden(own, "session_id") != theirs and "Question 1 of" in own
    with runtime.session() as session:
        row = session.get(QuizSession, theirs)
        assert row is not None
        assert [a["option_ids"] for a in row.answers] == [["vegan"]]
        assert row.customer_id == _visitor_id(client)


def test_without_consent_results_are_shown_once(client: TestClient, runtime: Runtime) -> None:
    _demo(runtime)
    html = client.get("/quizzes/grocery-setup").text
    with runtime.session() as session:
        record_consent(session, customer_id=_visitor_id(client), settings=runtime.settings,
                       consent=ConsentIn(purpose="personalization", granted=False))
    for fields in ({"option": "none"}, {"option": "gluten"}, {"option": "avoid"},
                   {"option": "fine"}, {"option": "no"}, {"action": "skip"}):
        html = _answer(client, "grocery-setup", html, **fields)
    assert "Your results" in html and "shown once" in html and "quiz-reasons" in html
    again = client.get("/quizzes/grocery-setup").text
    assert "Your last results were shown once and not kept" in again
    assert "Question 1 of" in again
    with runtime.session() as session:
        finished = session.scalars(select(QuizSession).where(
            QuizSession.quiz_id == "grocery-setup", QuizSession.status != "active")).all()
        assert [row.customer_id for row in finished] == [None]


def test_an_unknown_quiz_is_not_found(client: TestClient, runtime: Runtime) -> None:
    _publish(runtime)
    response = client.get("/quizzes/no-such-quiz")
    assert response.status_code == 404 and "Quiz not found" in response.text

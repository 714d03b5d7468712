"""Sign-in for the demo: personas, the signed session, identity merge, sign-out, forgery."""

from __future__ import annotations

import base64
import json
import re

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from prefero.customers.preferences import preference_rows, put_preferences
from prefero.customers.repository import get_customer
from prefero.customers.schemas import Like, PreferencesIn
from prefero.demo import load_demo
from prefero.runtime import Runtime
from webforms import submit

COOKIE = "prefero_session"


def _session_data(client: TestClient) -> dict[str, object]:
    # Starlette's session cookie: base64(JSON) "." timestamp "." signature.
    payload = str(client.cookies.get(COOKIE)).split(".")[0]
    data: dict[str, object] = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def _visitor_id(client: TestClient) -> str:
    return str(_session_data(client)["customer_id"])


def _sign_in(client: TestClient, customer_id: str) -> None:
    response = submit(client, "/login", {"customer_id": customer_id}, page="/login",
                      follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"


def _signed_in_as(client: TestClient) -> str | None:
    """Who the header says is signed in (any page has it; /login is always there). The
    header says it in words; the customer id is only in its data attribute."""
    html = client.get("/login").text
    found = re.search(r'<span class="who" data-customer-id="([^"]+)">Signed in</span>', html)
    return found.group(1) if found else None


def _complete_grocery_quiz(client: TestClient) -> None:
    """Allergic to gluten; every other question answered without a constraint."""
    answers = {"diet": {"option": "none"}, "allergens": {"option": "gluten"},
               "coeliac": {"option": "avoid"}, "sugar": {"option": "fine"},
               "organic": {"option": "no"}, "favourites": {"action": "skip"}}
    html = client.get("/quizzes/grocery-setup").text
    while "Your results" not in html:
        question = re.findall(r'name="question_id" value="([^"]+)"', html)[0]
        data = {"session_id": re.findall(r'name="session_id" value="([^"]+)"', html)[0],
                "question_id": question, **answers[question]}
        html = submit(client, "/quizzes/grocery-setup/answer", data, html=html).text
    assert "saved to your profile" in html


def test_login_lists_the_demo_personas(client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    html = client.get("/login").text
    assert "Sign in as persona 1" in html and "Sign in as persona 2" in html
    assert 'name="customer_id" value="c00001"' in html
    assert "Browse anonymously" in html


def test_signing_in_as_a_persona_sets_the_session(client: TestClient,
                                                  runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    client.get("/login")
    assert _session_data(client)["signed_in"] is False
    _sign_in(client, "c00003")
    assert _session_data(client) == {**_session_data(client), "customer_id": "c00003",
                                     "signed_in": True}
    assert _signed_in_as(client) == "c00003"


def test_only_demo_personas_can_be_chosen(client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    with TestClient(client.app) as other:
        # Another visitor plays a quiz anonymously: their id must not be one to sign in as.
        other.get("/quizzes/grocery-setup")
        theirs = _visitor_id(other)
    for customer_id in (theirs, "nobody-like-this"):
        response = submit(client, "/login", {"customer_id": customer_id}, page="/login")
        assert response.status_code == 422
        assert "Pick one of the demo personas." in response.text
    assert _signed_in_as(client) is None
    assert theirs not in client.get("/login").text


def test_what_an_anonymous_visitor_declared_stays_after_signing_in(
        client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    client.get("/quizzes")
    anonymous = _visitor_id(client)
    with runtime.session() as session:
        # What the preference center stores; PUT replaces the whole declared profile, so
        # it goes first and the quiz adds to it.
        put_preferences(session, customer_id=anonymous, schema=runtime.facet_schema,
                        settings=runtime.settings,
                        prefs=PreferencesIn(likes=[Like(facet="brand", value="fujifilm",
                                                        weight=0.9)]))
        before = {(r.kind, r.facet, r.value) for r in preference_rows(session, "c00002")}
    _complete_grocery_quiz(client)
    assert _visitor_id(client) == anonymous
    assert ("never", "allergens", "gluten") not in before

    _sign_in(client, "c00002")
    with runtime.session() as session:
        after = {(r.kind, r.facet, r.value): r.source
                 for r in preference_rows(session, "c00002")}
        assert after[("never", "allergens", "gluten")].startswith("quiz:grocery-setup@")
        assert ("like", "brand", "fujifilm") in after
        assert before <= set(after)
        assert get_customer(session, anonymous) is None
    # The quiz session came along: the persona sees the results the visitor got.
    assert "Your results" in client.get("/quizzes/grocery-setup").text


def test_signing_out_starts_a_fresh_anonymous_visitor(client: TestClient,
                                                      runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    _sign_in(client, "c00001")
    page = client.get("/quizzes/grocery-setup").text
    response = submit(client, "/logout", html=page, follow_redirects=False)
    assert response.status_code == 303
    assert _signed_in_as(client) is None
    fresh = _session_data(client)
    assert str(fresh["customer_id"]).startswith("anon-") and fresh["signed_in"] is False
    assert "quiz_sessions" not in fresh
    assert "Question 1 of" in client.get("/quizzes/grocery-setup").text


def test_a_forged_or_tampered_cookie_is_a_new_anonymous_visitor(client: TestClient,
                                                                runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    claim = base64.b64encode(json.dumps({"customer_id": "c00001", "signed_in": True})
                             .encode())
    forged = TimestampSigner("not-the-secret").sign(claim).decode()
    client.get("/login")
    genuine = str(client.cookies.get(COOKIE))
    # A real signature over someone else's payload: the signature no longer matches.
    tampered = claim.decode() + genuine[genuine.index("."):]
    for cookie in (forged, tampered, claim.decode()):
        client.cookies.clear()
        # The domain the jar files the server's cookie under, so the server's answer
        # replaces this one instead of standing beside it.
        client.cookies.set(COOKIE, cookie, domain="testserver.local", path="/")
        assert _signed_in_as(client) is None
        assert _visitor_id(client).startswith("anon-")


def test_each_persona_says_what_it_declared_in_the_visitors_language(
        client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=300, customers=80)
    html = client.get("/login").text
    lines = {customer: line for line, customer in re.findall(
        r'<p class="persona-line">([^<]*)</p>.*?name="customer_id" value="([^"]+)"', html,
        re.S)}
    assert "Never: gluten (allergens)" in lines["c00001"]
    assert lines["c00001"].startswith("Likes: ")
    assert "Tracking declined" in lines["c00002"]
    assert all(line.strip() for line in lines.values())
    assert not re.search(r"\b(true|false|None)\b", " ".join(lines.values()))
    client.cookies.set("lang", "pl")
    polish = client.get("/login").text
    assert "Lubi: " in polish and "Nigdy: " in polish and "Bez zgody" in polish

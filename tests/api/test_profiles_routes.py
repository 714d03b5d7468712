"""Household profiles over HTTP: managing them, every customer route under
/v1/customers/{id}/profiles/{profile_id}/, tokens, events and quiz sessions carrying a
profile, consent belonging to the account holder, and erasure covering every profile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from apikeys import INGEST_KEY, READ_KEY, TOKEN_KEY
from customer_tokens import bearer
from factories import add_products, product
from prefero.events.models import Event
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.models import QuizSession, QuizVersion
from prefero.runtime import Runtime

QUIZ: dict[str, Any] = {
    "id": "snack-finder", "kind": "guided_selling", "title": "Find a snack",
    "scope": {"facet": "category", "values": ["Groceries"]},
    "results": {"n": 3, "policy": "fill"},
    "questions": [
        {"id": "taste", "type": "single", "text": "Sweet or salty?", "options": [
            {"id": "sweet", "label": "Sweet", "effects": [
                {"type": "set_weight", "facet": "brand", "value": "choco", "weight": 1}]},
            {"id": "salty", "label": "Salty"}]},
    ],
}


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    definition = QuizDefinition.model_validate(QUIZ)
    with runtime.session() as s:
        add_products(s, [product("sku-1", category="Groceries > Bread", price=6),
                         product("sku-2", category="Groceries > Sweets", price=9,
                                 brand="Choco"),
                         product("sku-3", category="Toys > Blocks", price=30)])
        s.add(QuizVersion(quiz_id=definition.id, version=1, kind=definition.kind,
                          title=definition.title,
                          definition=definition.model_dump(mode="json"), digest="d1"))
    return runtime


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A client without the API key: what a shopper's page sends."""
    yield TestClient(client.app)


def _token(client: TestClient, customer_id: str) -> dict[str, str]:
    answer = client.post(f"/v1/customers/{customer_id}/tokens", headers={"X-API-Key": TOKEN_KEY})
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["token"])


def _household(client: TestClient, owner: str = "alice") -> None:
    assert client.put(f"/v1/customers/{owner}/preferences",
                      json={"likes": [{"facet": "category", "value": "Groceries",
                                       "weight": 1}]}).status_code == 200
    created = client.post(f"/v1/customers/{owner}/profiles",
                          json={"profile_id": "kids", "name": "Kids", "kind": "child"})
    assert created.status_code == 201, created.text
    assert created.json()["profile_id"] == "kids"


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


def test_managing_the_households_profiles(client: TestClient, shop: Runtime) -> None:
    _household(client)
    listed = client.get("/v1/customers/alice/profiles").json()
    assert [p["profile_id"] for p in listed["profiles"]] == ["main", "kids"]
    renamed = client.patch("/v1/customers/alice/profiles/kids", json={"name": "The kids"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "The kids"
    taken = _problem(client.post("/v1/customers/alice/profiles",
                                 json={"profile_id": "kids", "name": "Again"}), 409)
    assert taken["errors"][0]["loc"] == ["body", "profile_id"]
    bad = _problem(client.post("/v1/customers/alice/profiles",
                               json={"profile_id": "Kids!", "name": ""}), 422)
    assert {tuple(e["loc"]) for e in bad["errors"]} == {("body", "profile_id"),
                                                        ("body", "name")}
    main = _problem(client.post("/v1/customers/alice/profiles",
                                json={"profile_id": "main", "name": "Me"}), 422)
    assert main["errors"][0]["loc"] == ["body", "profile_id"]
    _problem(client.patch("/v1/customers/alice/profiles/nobody", json={"name": "x"}), 404)
    _problem(client.get("/v1/customers/nobody/profiles"), 404)
    assert client.delete("/v1/customers/alice/profiles/kids").status_code == 204
    _problem(client.delete("/v1/customers/alice/profiles/kids"), 404)
    assert [p["profile_id"] for p in client.get("/v1/customers/alice/profiles")
            .json()["profiles"]] == ["main"]


def test_every_customer_route_serves_a_profile_under_its_path(
        client: TestClient, shop: Runtime) -> None:
    _household(client)
    kids = "/v1/customers/alice/profiles/kids"
    saved = client.put(f"{kids}/preferences",
                       json={"likes": [{"facet": "category", "value": "Toys", "weight": 1}],
                             "level": "full"})
    assert saved.status_code == 200, saved.text
    mine = client.get("/v1/customers/alice/preferences").json()
    theirs = client.get(f"{kids}/preferences").json()
    assert [like["value"] for like in mine["likes"]] == ["Groceries"]
    assert [like["value"] for like in theirs["likes"]] == ["Toys"]
    # main is the account itself
    assert client.get("/v1/customers/alice/profiles/main/preferences").json()["likes"] \
        == mine["likes"]
    recs = client.get(f"{kids}/recommendations", params={"placement": "home", "n": 3})
    assert recs.status_code == 200, recs.text
    assert recs.json()["items"][0]["product_id"] == "sku-3"  # the kids like toys
    assert client.get(f"{kids}/suggestions").status_code == 200
    assert client.get(f"{kids}/quiz-preferences").status_code == 200
    unknown = _problem(client.get("/v1/customers/alice/profiles/nobody/preferences"), 404)
    assert "nobody" in unknown["detail"]
    _problem(client.get("/v1/customers/bob/profiles/kids/preferences"), 404)
    _problem(client.post(f"{kids}/tokens"), 404)


def test_consent_under_a_profile_belongs_to_the_account_holder(
        client: TestClient, shop: Runtime) -> None:
    _household(client)
    kids = "/v1/customers/alice/profiles/kids"
    refused = _problem(client.post(f"{kids}/consents",
                                   json={"purpose": "tracking", "granted": True}), 409)
    assert refused["type"].endswith("consent-belongs-to-account-holder")
    _problem(client.get(f"{kids}/consents"), 409)
    # Nor by the subject's id directly.
    _problem(client.post("/v1/customers/alice~kids/consents",
                         json={"purpose": "tracking", "granted": True}), 409)


def test_the_accounts_token_reaches_its_profiles_and_no_one_elses(
        client: TestClient, browser: TestClient, shop: Runtime) -> None:
    _household(client)
    _household(client, "bob")
    alice = _token(client, "alice")
    kids = "/v1/customers/alice/profiles/kids"
    assert browser.get(f"{kids}/preferences", headers=alice).status_code == 200
    assert browser.put(f"{kids}/preferences", headers=alice,
                       json={"likes": [{"facet": "brand", "value": "Choco", "weight": 1}]}
                       ).status_code == 200
    assert browser.get(f"{kids}/recommendations", headers=alice,
                       params={"placement": "home"}).status_code == 200
    assert browser.get("/v1/customers/alice/profiles", headers=alice).status_code == 200
    # Bob's token: neither Alice's profiles (existing or not) nor her list.
    bob = _token(client, "bob")
    for path in (f"{kids}/preferences", "/v1/customers/alice/profiles/nobody/preferences"):
        _problem(browser.get(path, headers=bob), 403)
    _problem(browser.get("/v1/customers/alice/profiles", headers=bob), 403)
    _problem(browser.post("/v1/customers/alice/profiles", headers=bob,
                          json={"profile_id": "x", "name": "X"}), 403)
    # Alice's token does not pass as the subject's own id, nor reach Bob's profiles.
    _problem(browser.get("/v1/customers/alice~kids/preferences", headers=alice), 403)
    _problem(browser.get("/v1/customers/bob/profiles/kids/preferences", headers=alice), 403)
    # A read key cannot write through a profile's path either.
    _problem(browser.put(f"{kids}/preferences", headers={"X-API-Key": READ_KEY},
                         json={"likes": []}), 403)
    # No credential at all: 401 from the gate, before any lookup.
    _problem(browser.get(f"{kids}/preferences"), 401)


def _event(n: int, **fields: Any) -> dict[str, Any]:
    return {"event_id": f"e-{n}", "type": "view", "product_id": "sku-3", **fields}


def test_events_carry_their_profile(client: TestClient, shop: Runtime) -> None:
    _household(client)
    assert client.post("/v1/customers/alice/consents",
                       json={"purpose": "tracking", "granted": True}).status_code == 201
    answer = client.post("/v1/events", headers={"X-API-Key": INGEST_KEY}, json={"events": [
        _event(1, customer_id="alice", profile_id="kids"),
        _event(2, customer_id="alice"),
        _event(3, customer_id="alice", profile_id="main")]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["linked"] == 3
    with shop.session() as s:
        assert sorted(s.execute(select(Event.customer_id, Event.product_id))) == [
            ("alice", "sku-3"), ("alice", "sku-3"), ("alice~kids", "sku-3")]
    unknown = _problem(client.post("/v1/events", headers={"X-API-Key": INGEST_KEY}, json={
        "events": [_event(4, customer_id="alice"),
                   _event(5, customer_id="alice", profile_id="nobody")]}), 422)
    assert [e["loc"] for e in unknown["errors"]] == [["events", 1, "profile_id"]]
    orphan = _problem(client.post("/v1/events", headers={"X-API-Key": INGEST_KEY}, json={
        "events": [_event(6, anonymous_id="v-1", profile_id="kids")]}), 422)
    assert orphan["errors"][0]["loc"][-1] == "profile_id"
    # Partial: the others are stored, the unknown profile's event comes back rejected.
    partial = client.post("/v1/events", params={"partial": "true"},
                          headers={"X-API-Key": INGEST_KEY},
                          json={"events": [_event(7, customer_id="alice", profile_id="kids"),
                                           _event(8, customer_id="alice",
                                                  profile_id="nobody")]})
    assert partial.status_code == 200, partial.text
    assert partial.json()["accepted"] == 1
    assert partial.json()["rejected"][0]["index"] == 1


def test_a_withdrawal_by_the_account_acts_on_the_profiles_next_request(
        client: TestClient, shop: Runtime) -> None:
    _household(client)
    kids = "/v1/customers/alice/profiles/kids"
    client.post("/v1/customers/alice/consents", json={"purpose": "tracking", "granted": True})
    client.post("/v1/events", json={"events": [_event(1, customer_id="alice",
                                                      profile_id="kids")]})
    # Warm every cache of the profile's declared part and behaviour.
    assert client.get(f"{kids}/recommendations", params={"placement": "home"}
                      ).status_code == 200
    with shop.session() as s:
        assert shop.recommender.profile(s, "alice~kids").history != ()
    assert client.post("/v1/customers/alice/consents",
                       json={"purpose": "tracking", "granted": False}).status_code == 201
    answer = client.post("/v1/events", json={"events": [_event(2, customer_id="alice",
                                                                profile_id="kids")]})
    assert answer.json()["linked"] == 0 and answer.json()["anonymous_only"] == 1
    with shop.session() as s:
        profile = shop.recommender.profile(s, "alice~kids")
        assert profile.consents["tracking"] is False and profile.history == ()
        assert len(s.scalars(select(Event.id).where(Event.customer_id == "alice~kids"))
                   .all()) == 1  # the view before the withdrawal only
    assert client.get(f"{kids}/recommendations", params={"placement": "home"}
                      ).status_code == 200


def test_quiz_sessions_carry_their_profile(client: TestClient, browser: TestClient,
                                           shop: Runtime) -> None:
    _household(client)
    started = client.post("/v1/quizzes/snack-finder/sessions",
                          json={"customer_id": "alice", "profile_id": "kids"})
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    with shop.session() as s:
        assert s.scalar(select(QuizSession.customer_id)
                        .where(QuizSession.id == session_id)) == "alice~kids"
    # The account's token answers its profile's session; Bob's does not see it.
    alice, bob = _token(client, "alice"), _token(client, "bob")
    assert browser.get(f"/v1/quiz-sessions/{session_id}", headers=alice).status_code == 200
    _problem(browser.get(f"/v1/quiz-sessions/{session_id}", headers=bob), 404)
    by_token = browser.post("/v1/quizzes/snack-finder/sessions", headers=alice,
                            json={"profile_id": "kids"})
    assert by_token.status_code == 201, by_token.text
    unknown = _problem(client.post("/v1/quizzes/snack-finder/sessions",
                                   json={"customer_id": "alice", "profile_id": "nobody"}), 422)
    assert unknown["errors"][0]["loc"] == ["body", "profile_id"]
    alone = _problem(client.post("/v1/quizzes/snack-finder/sessions",
                                 json={"profile_id": "kids"}), 422)
    assert alone["errors"][0]["loc"] == ["body", "profile_id"]


def _stored_somewhere(runtime: Runtime, needles: list[bytes]) -> list[str]:
    """Where any needle occurs in any row of any table (PostgreSQL: each row as text; SQLite:
    each row's values)."""
    found: list[str] = []
    url = make_url(runtime.settings.effective_database_url)
    with runtime.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if url.get_backend_name() == "sqlite":
                rows = [repr(tuple(r)) for r in connection.execute(
                    text(f'SELECT * FROM "{table}"'))]
            else:
                rows = list(connection.execute(text(f'SELECT t::text FROM "{table}" t'))
                            .scalars())
            blob = "\n".join(rows).encode()
            found += [f"{table}: {needle!r}" for needle in needles if needle in blob]
    return found


def test_erasing_the_account_leaves_no_row_naming_it_or_its_profiles(
        client: TestClient, shop: Runtime) -> None:
    _household(client, "zq-holder-1")
    client.post("/v1/customers/zq-holder-1/profiles",
                json={"profile_id": "partner", "name": "Partner"})
    client.post("/v1/customers/zq-holder-1/consents",
                json={"purpose": "tracking", "granted": True})
    client.post("/v1/events", json={"events": [
        _event(1, customer_id="zq-holder-1", profile_id="kids"),
        _event(2, customer_id="zq-holder-1", profile_id="partner"),
        _event(3, customer_id="zq-holder-1")]})
    client.put("/v1/customers/zq-holder-1/profiles/kids/preferences",
               json={"likes": [{"facet": "category", "value": "Toys", "weight": 1}]})
    _household(client, "bystander-9")
    needles = [b"zq-holder-1"]
    assert _stored_somewhere(shop, needles)
    data = client.get("/v1/customers/zq-holder-1/data")
    assert data.status_code == 200

    assert client.delete("/v1/customers/zq-holder-1").status_code == 200
    assert _stored_somewhere(shop, needles) == []
    assert _stored_somewhere(shop, [b"bystander-9~kids"]) != []
    with shop.session() as s:
        # The counters no longer carry the erased profiles' views.
        assert s.scalar(select(Event.id)) is None

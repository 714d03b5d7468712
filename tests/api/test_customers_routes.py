"""The public customer contract over HTTP: shapes, scopes, problem+json field paths,
atomic rejection, consent, merge and erasure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import normalize_category, normalize_value
from prefero.config import Settings

PREFS = "/v1/customers/{}/preferences"
CONTRACT = {
    "likes": [{"facet": "brand", "value": "Acme", "weight": 0.8},
              {"facet": "diet", "value": "vegan", "weight": 1}],
    "constraints": [{"facet": "allergens", "op": "never", "values": ["peanuts", "gluten"]},
                    {"facet": "category", "op": "must", "values": ["Food > Snacks"]}],
    "budget": {"max": 120},
    "level": "declared",
}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_the_contract_body_round_trips(client: TestClient) -> None:
    put = client.put(PREFS.format("c1"), json=CONTRACT)
    assert put.status_code == 200, put.text
    got = client.get(PREFS.format("c1"))
    assert got.status_code == 200
    body = got.json()
    assert {**body, "warnings": []} == put.json()  # only a write's answer carries warnings
    assert [{k: like[k] for k in ("facet", "value", "weight")} for like in body["likes"]] == [
        {"facet": "brand", "value": "acme", "weight": 0.8},
        {"facet": "diet", "value": "vegan", "weight": 1.0},
    ]
    assert [{k: c[k] for k in ("facet", "op", "values")} for c in body["constraints"]] == [
        {"facet": "allergens", "op": "never", "values": ["peanuts", "gluten"]},
        {"facet": "category", "op": "must", "values": ["Food > Snacks"]},
    ]
    assert body["budget"]["max"] == 120  # a JSON number, as sent
    assert body["budget"]["min"] is None
    assert (body["level"], body["effective_level"], body["customer_id"]) == (
        "declared", "declared", "c1")
    assert all(like["source"] == "declared" and like["updated_at"] for like in body["likes"])


def test_keys_and_scopes(client: TestClient, settings: Settings) -> None:
    client.put(PREFS.format("c1"), json=CONTRACT)
    anonymous = TestClient(client.app)
    problem(anonymous.get(PREFS.format("c1")), 401)
    problem(anonymous.put(PREFS.format("c1"), json=CONTRACT), 401)
    problem(client.get(PREFS.format("c1"), headers={"X-API-Key": "who-knows"}), 401)

    # Keys come from the settings: with several conftest.py files in the tree,
    # "from apikeys import ..." can pick up the wrong one.
    read = {"X-API-Key": settings.read_keys[0]}
    assert client.get(PREFS.format("c1"), headers=read).status_code == 200
    assert client.get("/v1/customers/c1/consents", headers=read).status_code == 200
    problem(client.put(PREFS.format("c1"), json=CONTRACT, headers=read), 403)
    problem(client.post("/v1/customers/c1/consents", headers=read,
                        json={"purpose": "tracking", "granted": True}), 403)
    problem(client.post("/v1/customers/c1/merge", headers=read,
                        json={"anonymous_id": "a1"}), 403)

    ingest = {"X-API-Key": settings.ingest_keys[0]}
    assert client.put(PREFS.format("c1"), json=CONTRACT, headers=ingest).status_code == 200
    assert client.post("/v1/customers/c1/consents", headers=ingest,
                       json={"purpose": "tracking", "granted": True}).status_code == 201
    problem(client.get("/v1/customers/c1/data", headers=ingest), 403)
    problem(client.delete("/v1/customers/c1", headers=ingest), 403)


@pytest.mark.parametrize(("body", "loc"), [
    ({"likes": [{"facet": "brand", "value": "acme", "weight": 1.5}]},
     ["body", "likes", 0, "weight"]),
    ({"likes": [{"facet": "brand", "value": "acme", "weight": 0.5},
                {"facet": "flavour", "value": "mint", "weight": 0.5}]},
     ["body", "likes", 1, "facet"]),
    ({"constraints": [{"facet": "diet", "op": "must", "values": ["vegan"]},
                      {"facet": "diet", "op": "never", "values": ["Vegan"]}]},
     ["body", "constraints", 1, "values", 0]),
    ({"likes": [{"facet": "brand", "value": "acme", "weight": 0.5}],
      "constraints": [{"facet": "brand", "op": "never", "values": ["ACME"]}]},
     ["body", "constraints", 0, "values", 0]),
    ({"budget": {"min": 50, "max": 10}}, ["body", "budget"]),
    ({"level": "maximum"}, ["body", "level"]),
    # Found by the schemathesis contract test: lax parsing took these as booleans.
    ({"exploration": 0}, ["body", "exploration"]),
    ({"exploration": "no"}, ["body", "exploration"]),
])
def test_bad_bodies_are_problem_json_with_the_field_path(client: TestClient,
                                                         body: dict[str, Any],
                                                         loc: list[str | int]) -> None:
    errors = problem(client.put(PREFS.format("c1"), json=body), 422)["errors"]
    assert [error["loc"] for error in errors] == [loc]
    assert errors[0]["msg"]


def test_a_rejected_put_leaves_the_profile_unchanged(client: TestClient) -> None:
    before = client.put(PREFS.format("c1"), json=CONTRACT).json()
    before.pop("warnings")  # only a write's answer carries them
    bad = {**CONTRACT, "level": "off",
           "constraints": [{"facet": "brand", "op": "never", "values": ["acme"]}]}
    problem(client.put(PREFS.format("c1"), json=bad), 422)
    assert client.get(PREFS.format("c1")).json() == before
    # A rejected first PUT does not even create the customer.
    problem(client.put(PREFS.format("c2"), json=bad), 422)
    problem(client.get(PREFS.format("c2")), 404)


def test_ids_that_cannot_be_stored_are_refused(client: TestClient) -> None:
    problem(client.get(PREFS.format("bad%00id")), 422)
    problem(client.put(PREFS.format("x" * 201), json={}), 422)


def test_consent_withdrawal_is_visible_on_the_next_read(client: TestClient) -> None:
    url = "/v1/customers/c1/consents"
    granted = client.post(url, json={"purpose": "tracking", "granted": True})
    assert granted.status_code == 201
    assert granted.json()["consents"]["tracking"] is True
    withdrawn = client.post(url, json={"purpose": "tracking", "granted": False,
                                       "source": "preference-center",
                                       "policy_version": "2026-02"})
    assert withdrawn.status_code == 201
    state = client.get(url).json()
    assert state["consents"]["tracking"] is False
    assert [(h["granted"], h["source"], h["policy_version"]) for h in state["history"]] == [
        (True, "api", "2026-01"), (False, "preference-center", "2026-02")]


def test_consent_honours_the_idempotency_key(client: TestClient) -> None:
    url = "/v1/customers/c1/consents"
    key = {"Idempotency-Key": "banner-42"}
    first = client.post(url, json={"purpose": "marketing_email", "granted": True}, headers=key)
    again = client.post(url, json={"purpose": "marketing_email", "granted": True}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(client.get(url).json()["history"]) == 1
    problem(client.post(url, json={"purpose": "marketing_email", "granted": False},
                        headers=key), 409)
    errors = problem(client.post(url, json={"purpose": "telepathy", "granted": True}),
                     422)["errors"]
    assert errors[0]["loc"] == ["body", "purpose"]


@pytest.mark.parametrize("granted", [0, 1, "true", "off", None])
def test_a_consent_decision_is_a_json_boolean(client: TestClient, granted: object) -> None:
    # Found by the schemathesis contract test: {"granted": 0} was recorded as a withdrawal.
    url = "/v1/customers/c1/consents"
    errors = problem(client.post(url, json={"purpose": "tracking", "granted": granted}),
                     422)["errors"]
    assert [error["loc"] for error in errors] == [["body", "granted"]]
    problem(client.get(url), 404)  # refused, so nothing recorded (not even the customer)


def test_merge_over_http(client: TestClient) -> None:
    client.post("/v1/customers/anon-1/consents", json={"purpose": "tracking", "granted": True})
    client.put(PREFS.format("anon-1"), json=CONTRACT)
    merged = client.post("/v1/customers/c1/merge", json={"anonymous_id": "anon-1"})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["merged"] is True
    assert body["preferences"]["budget"]["max"] == 120
    assert body["consents"]["consents"]["tracking"] is True
    again = client.post("/v1/customers/c1/merge", json={"anonymous_id": "anon-1"}).json()
    assert again["merged"] is False
    problem(client.get(PREFS.format("anon-1")), 404)
    errors = problem(client.post("/v1/customers/c1/merge", json={"anonymous_id": "c1"}),
                     422)["errors"]
    assert [e["loc"] for e in errors] == [["body", "anonymous_id"]]


def test_erasure_over_http(client: TestClient) -> None:
    client.put(PREFS.format("c1"), json=CONTRACT)
    first = client.delete("/v1/customers/c1")
    assert first.status_code == 200
    receipt = first.json()
    assert set(receipt) == {"subject_hash", "erased_at", "already_erased", "deleted"}
    assert receipt["already_erased"] is False
    problem(client.get(PREFS.format("c1")), 404)
    again = client.delete("/v1/customers/c1").json()
    assert again["already_erased"] is True
    assert again["subject_hash"] == receipt["subject_hash"]
    problem(client.delete("/v1/customers/never-seen"), 404)


# ------------------------------------------------------------------ PUT then GET, any profile

WORDS = st.text(alphabet="abcdefgh", min_size=1, max_size=6)
# Facets of every preferable kind in the default schema: categorical, multi, boolean, path.
TEXT_FACETS = ["brand", "style", "color", "diet", "allergens", "material"]


def messy(word: str, draw: st.DrawFn) -> str:
    """The same value as a shopper might type it: odd case, stray spaces."""
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in word)
    return draw(st.sampled_from(["", " ", "  "])) + cased + draw(st.sampled_from(["", " "]))


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.tuples(st.sampled_from(TEXT_FACETS), WORDS), max_size=8,
                         unique_by=lambda k: (k[0], k[1])))
    keys += draw(st.lists(st.tuples(st.just("vegan"), st.sampled_from(["true", "false"])),
                          max_size=1))
    paths = draw(st.lists(st.lists(WORDS, min_size=1, max_size=3), max_size=2,
                          unique_by=lambda parts: " > ".join(parts)))
    keys += [("category", " > ".join(parts)) for parts in paths]
    likes, constraints = [], []
    for facet, value in keys:
        role = draw(st.sampled_from(["like", "never", "must"]))
        if facet == "category":
            raw = ">".join(f" {part} " for part in value.split(" > "))
        elif facet == "vegan":
            raw = draw(st.sampled_from({"true": ["yes", "True", "1"],
                                        "false": ["no", "False", "0"]}[value]))
        else:
            raw = messy(value, draw)
        if role == "like":
            weight = draw(st.floats(-1, 1, allow_nan=False))
            likes.append({"facet": facet, "value": raw, "weight": weight})
        else:
            constraints.append({"facet": facet, "op": role, "values": [raw]})
    size_sets = draw(st.dictionaries(st.sampled_from(["Shoes", "Shirts > Casual"]),
                                     st.sets(st.sampled_from(["40", "41", "m", "xl"]),
                                             min_size=1)))
    sizes = [{"category": category, "values": sorted(values)}
             for category, values in size_sets.items()]
    budget_min = draw(st.none() | st.decimals(0, 500, places=2))
    budget_max = draw(st.none() | st.decimals(500, 10_000, places=2))
    body: dict[str, Any] = {
        "likes": likes,
        "constraints": constraints,
        "sizes": sizes,
        "level": draw(st.sampled_from([None, "off", "declared", "balanced", "full"])),
        "exploration": draw(st.booleans()),
        "dismissed": draw(st.lists(st.text(alphabet="pq0123-", min_size=1, max_size=8),
                                   unique=True, max_size=4)),
    }
    if budget_min is not None or budget_max is not None:
        body["budget"] = {"min": None if budget_min is None else float(budget_min),
                          "max": None if budget_max is None else float(budget_max)}
    return body


def canonical(body: dict[str, Any], *, normalize: bool) -> dict[str, Any]:
    """What a profile means, independent of order, grouping and spelling."""
    def norm(facet: str, value: str) -> str:
        if not normalize:
            return value
        if facet == "category":
            return normalize_category(value)
        if facet == "vegan":
            return "true" if value.lower() in ("yes", "true", "1") else "false"
        return normalize_value(value)

    budget = body.get("budget") or {}
    return {
        "likes": {(x["facet"], norm(x["facet"], x["value"])): x["weight"]
                  for x in body["likes"]},
        "constraints": {(c["facet"], c["op"], norm(c["facet"], v))
                        for c in body["constraints"] for v in c["values"]},
        "sizes": {(s["category"], v) for s in body["sizes"] for v in s["values"]},
        "budget": (budget.get("min"), budget.get("max")),
        "level": body["level"],
        "exploration": body["exploration"],
        "dismissed": set(body["dismissed"]),
    }


# The client fixture (a database per test) is function-scoped, so examples share one
# database. That is harmless here and even useful: PUT replaces the whole profile, so every
# example also checks that nothing of the previous example's profile survives.
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=profiles())
def test_put_then_get_returns_an_equivalent_profile(client: TestClient,
                                                    body: dict[str, Any]) -> None:
    url = PREFS.format("prop")
    put = client.put(url, json=body)
    assert put.status_code == 200, put.text
    got = client.get(url).json()
    assert canonical(got, normalize=False) == canonical(body, normalize=True)
    assert got == {k: v for k, v in put.json().items() if k != "warnings"}
    if body.get("budget", {}).get("max") is not None:
        assert Decimal(str(got["budget"]["max"])) == Decimal(str(body["budget"]["max"]))


def test_a_budget_is_in_the_shops_currency(client: TestClient) -> None:
    put = client.put(PREFS.format("c1"), json={"budget": {"max": 120}})
    assert put.status_code == 200, put.text
    assert put.json()["budget"]["currency"] == "PLN"
    got = client.get(PREFS.format("c1")).json()
    assert (got["budget"]["max"], got["budget"]["currency"]) == (120, "PLN")
    # What a GET answered can be sent back as it is.
    assert client.put(PREFS.format("c1"), json={"budget": got["budget"]}).status_code == 200

    refused = problem(client.put(PREFS.format("c1"),
                                 json={"budget": {"max": 30, "currency": "EUR"}}), 422)
    assert refused["errors"] == [{
        "loc": ["body", "budget", "currency"],
        "msg": "the shop sells in PLN; give the budget in PLN (or leave currency out)"}]
    assert client.get(PREFS.format("c1")).json()["budget"]["max"] == 120

"""/v1/segments/discovered: a read key lists the clusters (worded in the request's language),
the admin key saves one as a rule segment (audited by the segments service); wrong input is
problem+json naming the field and changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apikeys import READ_KEY
from planted_segments import PlantedShop, plant
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from prefero.segments.models import Segment, SegmentMember

READ = {"X-API-Key": READ_KEY}
URL = "/v1/segments/discovered"


@pytest.fixture
def planted(runtime: Runtime) -> PlantedShop:
    with runtime.session(write=True) as session:
        return plant(session)


def _unchanged(runtime: Runtime) -> bool:
    with runtime.session() as session:
        return (session.scalar(select(func.count()).select_from(Segment)) == 0
                and session.scalar(select(func.count()).select_from(AuditEntry)) == 0)


def _vegan_cluster(listing: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in listing["clusters"]
                if any(v["facet"] == "diet" and v["value"] == "vegan" for v in c["distinctive"]))


def test_a_read_key_lists_the_clusters_in_the_shoppers_language(
        client: TestClient, planted: PlantedShop) -> None:
    english = client.get(URL, headers=READ)
    assert english.status_code == 200
    body = english.json()
    assert (body["k"], body["k_chosen_by"], body["seed"], body["language"]) == (
        3, "silhouette", 7, "en")
    assert body["participants"] == 90 and body["left_out_consent"] == 8
    assert body["stability"]["seeds"] == [7, 8, 9, 10, 11]
    assert body["stability"]["min_ari"] >= 0.9
    assert sorted(c["size"] for c in body["clusters"]) == [30, 30, 30]
    vegan = _vegan_cluster(body)
    assert "Diet: vegan" in vegan["name"] or "Eco-friendly" in vegan["name"]
    assert vegan["rule"]["precision"] >= 0.9 and vegan["rule"]["recall"] >= 0.9
    polish = client.get(URL, headers={**READ, "Accept-Language": "pl"}).json()
    assert polish["language"] == "pl"
    vegan_pl = _vegan_cluster(polish)
    assert "Dieta: wegańska" in vegan_pl["name"] or "Przyjazne środowisku" in vegan_pl["name"]
    assert all("wobec" in line for line in vegan_pl["sets_apart"])
    # The same data and seed: the same clusters, whatever the language.
    assert [c["size"] for c in polish["clusters"]] == [c["size"] for c in body["clusters"]]


def test_a_chosen_k_and_seed_are_used(client: TestClient, planted: PlantedShop) -> None:
    body = client.get(URL, params={"k": 4, "seed": 123}, headers=READ).json()
    assert (body["k"], body["k_chosen_by"], body["seed"]) == (4, "request", 123)
    assert len(body["clusters"]) == 4 and [k["k"] for k in body["candidates"]] == [4]


@pytest.mark.parametrize(("params", "loc"), [
    ({"k": 1}, ["query", "k"]), ({"k": 13}, ["query", "k"]), ({"seed": -1}, ["query", "seed"]),
    ({"k": "three"}, ["query", "k"])])
def test_wrong_query_is_a_problem_naming_the_field(client: TestClient, params: dict[str, Any],
                                                   loc: list[str]) -> None:
    answer = client.get(URL, params=params, headers=READ)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == [loc]


def test_more_clusters_than_profiles_is_refused_at_k(client: TestClient,
                                                     runtime: Runtime) -> None:
    answer = client.get(URL, params={"k": 2}, headers=READ)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"loc": ["query", "k"], "msg": (
        "no clustering is possible yet: 0 distinct declared profiles among 0 customers who "
        "take part")}]
    empty = client.get(URL, headers=READ).json()
    assert (empty["k"], empty["clusters"], empty["participants"]) == (None, [], 0)


def test_saving_needs_the_admin_key(client: TestClient, runtime: Runtime,
                                    planted: PlantedShop) -> None:
    answer = client.post(f"{URL}/save", json={"key": "vegans", "cluster": 1}, headers=READ)
    assert answer.status_code == 403
    assert _unchanged(runtime)


def test_a_cluster_is_saved_as_a_rule_segment(client: TestClient, runtime: Runtime,
                                              planted: PlantedShop) -> None:
    listing = client.get(URL).json()
    vegan = _vegan_cluster(listing)
    saved = client.post(f"{URL}/save", json={"key": "vegan-eco", "cluster": vegan["number"],
                                             "revision": listing["revision"]})
    assert saved.status_code == 201, saved.text
    segment = saved.json()
    assert (segment["key"], segment["name"], segment["condition"]) == (
        "vegan-eco", vegan["name"], vegan["rule"]["condition"])
    with runtime.session() as session:
        members = set(session.scalars(select(SegmentMember.customer_id).join(Segment)))
        entries = [(e.action, e.target) for e in session.scalars(select(AuditEntry))]
    assert members == planted.groups["vegan"]
    assert entries == [("segment.create", "vegan-eco")]


def test_an_edited_condition_is_saved(client: TestClient, runtime: Runtime,
                                      planted: PlantedShop) -> None:
    condition = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}
    saved = client.post(f"{URL}/save", json={"key": "vegans", "name": "Vegans",
                                             "condition": condition})
    assert saved.status_code == 201, saved.text
    assert saved.json()["condition"] == condition


@pytest.mark.parametrize(("body", "status", "locs"), [
    ({"key": "nine", "cluster": 9}, 422, [["body", "cluster"]]),
    ({"key": "none"}, 422, [["body", "cluster"]]),
    ({"key": "Not A Slug", "cluster": 1}, 422, [["body", "key"]]),
    ({"key": "both", "cluster": 1, "name": "Both",
      "condition": {"type": "consent", "purpose": "tracking", "granted": True}},
     422, [["body", "condition"]]),
    ({"key": "nameless", "condition": {"type": "consent", "purpose": "tracking",
                                       "granted": True}}, 422, [["body", "name"]]),
    ({"key": "bad", "name": "Bad", "condition": {"type": "and", "conditions": [
        {"type": "trait", "trait": "openness", "op": "gte", "value": "high"}]}},
     422, [["body", "condition", "conditions", 0, "value"]]),
    ({"key": "extra", "cluster": 1, "colour": "red"}, 422, [["body", "colour"]]),
    ({"key": "stale", "cluster": 1, "revision": "0000000000000000"}, 409, None),
])
def test_wrong_saves_are_problems_and_change_nothing(
        client: TestClient, runtime: Runtime, planted: PlantedShop, body: dict[str, Any],
        status: int, locs: list[list[str | int]] | None) -> None:
    answer = client.post(f"{URL}/save", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    if locs is not None:
        assert [e["loc"] for e in answer.json()["errors"]] == locs
    assert _unchanged(runtime)

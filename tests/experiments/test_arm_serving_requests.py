"""Recommendation experiments through the request path, on SQLite and PostgreSQL: an arm is
exposed once per served answer or page (three GETs: three renders), never when only
assigned (warm-up, the engine alone, a refused request); nothing is read about experiments
per request once the running ones are held; an arm's trained model version is served, and a
pruned one leaves its units out of the experiment (the newest served, nothing exposed) with
one warning; the holdout's units get answers at the level off with their exclusions intact,
in search too (with nothing exposed); a withdrawn tracking consent acts on the next
request."""

from __future__ import annotations

import logging
import shutil
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from experiment_helpers import experiment_body
from factories import add_products, consent, customer, events, product
from prefero.customers.consent import record_consent
from prefero.customers.models import Customer
from prefero.customers.schemas import ConsentIn
from prefero.experiments.exposures import flush_exposures
from prefero.experiments.models import ExperimentExposure, ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.runtime import Runtime
from sql_statements import statements
from webforms import submit

BRANDS = {"Food > Bread": "acme", "Food > Snacks": "bolt", "Wear > Socks": "cora",
          "Tech > Cables": "dyna"}
URL = "/v1/recommendations"


def _shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product(f"{brand[0]}{i}", category=category, brand=brand,
                                       price=10.0 + i)
                               for category, brand in BRANDS.items() for i in range(1, 6)])


def _start(runtime: Runtime, key: str = "home-test", **fields: Any) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(key, **fields))
        start_experiment(session, key)


def _units(runtime: Runtime, key: str, **wishes: Any) -> dict[str, str]:
    """The first unit of each arm of ``key`` (by arm key), each a customer who allows
    tracking (made with ``wishes`` unless there already)."""
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    experiment = next(e for e in running.experiments if e.key == key)
    found: dict[str, str] = {}
    for n in range(500):
        arm = experiment.arm_for(f"u{n}")
        if arm is not None and arm.key not in found:
            found[arm.key] = f"u{n}"
    with runtime.session(write=True) as session:
        for unit in found.values():
            if session.get(Customer, unit) is None:
                customer(session, unit, **wishes)
                consent(session, unit, "tracking", True)
    return found


def _rows(runtime: Runtime) -> dict[tuple[str, str], int]:
    flush_exposures(runtime)
    with runtime.session() as session:
        return {(row.unit_id, row.arm_key): row.renders
                for row in session.scalars(select(ExperimentExposure))}


def test_each_served_answer_is_one_render_and_assignment_alone_is_none(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    _start(runtime, arms=[
        {"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
        {"key": "diverse", "name": "Diverse", "share": 0.5, "config": {"diversity": 1.0}}])
    units = _units(runtime, "home-test")
    unit = units["diverse"]
    runtime.recommender.warm()
    with runtime.session() as session:  # assigned, served by the engine, shown to no one
        runtime.recommender.serve(session, RecommendationQuery(customer_id=unit))
    refused = client.get(URL, params={"customer_id": unit, "placement": "product",
                                      "product_id": "nope"})
    assert refused.status_code == 404
    assert flush_exposures(runtime) == 0
    for _ in range(3):
        assert client.get(URL, params={"customer_id": unit}).status_code == 200
    assert client.post(URL, json={"customer_id": units["control"]}).status_code == 200
    assert client.get(URL).status_code == 200  # a stranger is no unit
    assert _rows(runtime) == {(unit, "diverse"): 3, (units["control"], "control"): 1}


def test_nothing_about_experiments_is_read_per_request(client: TestClient,
                                                       runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session(write=True) as session:
        customer(session, "c1")
    params = {"customer_id": "c1"}
    client.get(URL, params=params)
    with statements(runtime.engine) as plain:
        client.get(URL, params=params)
    _start(runtime)
    client.get(URL, params=params)  # reads the running experiments once
    with statements(runtime.engine) as running:
        client.get(URL, params=params)
    assert len(running) == len(plain)
    assert not any("experiment" in statement for statement in running)


def test_the_storefront_logs_one_render_per_page(client: TestClient,
                                                 runtime: Runtime) -> None:
    _shop(runtime)
    _start(runtime)
    units = _units(runtime, "home-test")
    unit = units["treatment"]
    signed_in = submit(client, "/login", {"customer_id": unit}, page="/login",
                       follow_redirects=False)
    assert signed_in.status_code == 303
    assert client.get("/").status_code == 200  # two rows, one page
    assert client.get("/p/b1").status_code == 200
    assert client.get("/p/nope").status_code == 404
    assert client.get("/cart").status_code == 200  # an empty cart shows no row
    assert _rows(runtime) == {(unit, "treatment"): 2}


def _trained(runtime: Runtime) -> tuple[str, str]:
    """Two trained versions (the newer one current) on different behaviour."""
    with runtime.session(write=True) as session:
        for n, (first, then) in enumerate((("a1", "a2"), ("a2", "a3"), ("a1", "a3"))):
            customer(session, f"buyer{n}", level="full")
            events(session, f"buyer{n}", [("purchase", first), ("purchase", then)])
    older = train(runtime)
    with runtime.session(write=True) as session:
        for n in range(3, 9):
            customer(session, f"buyer{n}", level="full")
            events(session, f"buyer{n}", [("purchase", "d1"), ("purchase", "d2"),
                                          ("purchase", "c3")])
    newer = train(runtime)
    runtime.recommender.refresh()
    assert older != newer
    return older, newer


def _version(client: TestClient, unit: str) -> str:
    answer = client.get(URL, params={"customer_id": unit})
    assert answer.status_code == 200
    return str(answer.json()["artefact_version"])


def test_an_arm_serves_its_model_version(client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    older, newer = _trained(runtime)
    _start(runtime, arms=[
        {"key": "control", "name": "Newest", "share": 0.5, "control": True},
        {"key": "older", "name": "Older", "share": 0.5, "config": {"model_version": older}}])
    units = _units(runtime, "home-test", level="full")
    assert (_version(client, units["older"]), _version(client, units["control"])) == (
        older, newer)
    # The older version's own answer: its behaviour, not the newer's, ranks the row.
    with runtime.session() as session:
        ranked = runtime.recommender.serve(
            session, RecommendationQuery(customer_id=units["older"], placement="product",
                                         product_id="d1", n=3)).result
        newest = runtime.recommender.serve(
            session, RecommendationQuery(customer_id=units["control"], placement="product",
                                         product_id="d1", n=3)).result
    assert [i.product_id for i in ranked.items] != [i.product_id for i in newest.items]


def test_a_pruned_version_is_served_as_the_newest_unexposed_with_one_warning(
        client: TestClient, runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    _shop(runtime)
    older, newer = _trained(runtime)
    shutil.rmtree(runtime.settings.artefact_dir / older)
    _start(runtime, arms=[
        {"key": "control", "name": "Newest", "share": 0.5, "control": True},
        {"key": "gone", "name": "Gone", "share": 0.5, "config": {"model_version": older}}])
    gone = _units(runtime, "home-test")["gone"]
    control = _units(runtime, "home-test")["control"]
    with caplog.at_level(logging.WARNING, logger="prefero.recommend.versions"):
        assert [_version(client, gone) for _ in range(3)] == [newer] * 3
    warned = [r for r in caplog.records if r.name == "prefero.recommend.versions"]
    assert len(warned) == 1 and older in warned[0].getMessage()
    assert _version(client, control) == newer
    # The arm's setting was not applied, so the unit took no part: never exposed to the arm
    # (which gathers no exposures, and the sample-ratio check flags it); the control is.
    assert _rows(runtime) == {(control, "control"): 1}


def test_held_out_units_get_level_off_answers_with_their_exclusions(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    _start(runtime, "holdout", kind="holdout", arms=[
        {"key": "held-out", "name": "Held out", "share": 0.5, "control": True},
        {"key": "personalized", "name": "Personalized", "share": 0.5}])
    units = _units(runtime, "holdout", level="full", likes=[("brand", "bolt", 1.0)],
                   never=[("brand", "cora")])
    held = client.get(URL, params={"customer_id": units["held-out"], "n": 20}).json()
    free = client.get(URL, params={"customer_id": units["personalized"], "n": 20}).json()
    assert (held["level"], held["effective_level"]) == ("full", "off")
    assert (free["level"], free["effective_level"]) == ("full", "full")
    for answer in (held, free):
        assert answer["items"] and not any(item["product_id"].startswith("c")
                                           for item in answer["items"])
    assert not any(r["code"] == "declared_like" for item in held["items"]
                   for r in item["reasons"])
    assert any(r["code"] == "declared_like" for item in free["items"]
               for r in item["reasons"])
    assert _rows(runtime) == {(units["held-out"], "held-out"): 1,
                              (units["personalized"], "personalized"): 1}


def test_a_held_out_unit_gets_no_personalized_search_and_logs_nothing(
        client: TestClient, runtime: Runtime) -> None:
    # Search takes no arm (no exposure is logged for it), but the holdout holds everywhere.
    _shop(runtime)
    _start(runtime, "holdout", kind="holdout", arms=[
        {"key": "held-out", "name": "Held out", "share": 0.5, "control": True},
        {"key": "personalized", "name": "Personalized", "share": 0.5}])
    wishes: dict[str, Any] = {"likes": [("brand", "bolt", 1.0)], "never": [("brand", "cora")]}
    units = _units(runtime, "holdout", level="full", **wishes)
    with runtime.session() as session:
        holdout = runtime.experiments.running(session).experiments[0]
    # The same wishes at the level off, outside the holdout: what held out must look like.
    twin = next(f"u{n}" for n in range(500) if f"u{n}" not in units.values()
                and getattr(holdout.arm_for(f"u{n}"), "key", None) == "personalized")
    with runtime.session(write=True) as session:
        customer(session, twin, level="off", **wishes)
        consent(session, twin, "tracking", True)

    def search(unit: str) -> dict[str, Any]:
        answer = client.get("/v1/search", params={"q": "product", "customer_id": unit,
                                                  "n": 20})
        assert answer.status_code == 200
        return dict(answer.json())

    held, free, off = search(units["held-out"]), search(units["personalized"]), search(twin)
    assert (held["level"], free["level"]) == ("full", "full")
    for answer in (held, free, off):
        # The hard exclusion holds at every level: the five "cora" products are hidden.
        assert answer["hidden_total"] == 5 and len(answer["items"]) == 15
        assert not any(item["product_id"].startswith("c") for item in answer["items"])
    assert any(r["code"] == "declared_like" for item in free["items"]
               for r in item["reasons"])
    assert held["items"] == off["items"] != free["items"]
    assert _rows(runtime) == {}


def test_a_withdrawn_tracking_consent_acts_on_the_next_request(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    _start(runtime, anonymous_measurement=True)
    _start(runtime, "named-only", target="home", arms=[
        {"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
        {"key": "calm", "name": "Calm", "share": 0.5, "config": {"exploration": False}}])
    unit = _units(runtime, "home-test")["treatment"]
    client.get(URL, params={"customer_id": unit})
    before = _rows(runtime)
    assert before[(unit, "treatment")] == 1
    with runtime.session(write=True) as session:
        record_consent(session, customer_id=unit, settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=False))
    client.get(URL, params={"customer_id": unit})
    after = _rows(runtime)
    # Not exposed as itself any more: its row keeps the one render it had ...
    assert after == before
    # ... and the experiment that allows anonymous measurement counts the render anonymously.
    with runtime.session() as session:
        tallies = {(t.arm_key, t.metric): t.count for t in session.scalars(
            select(ExperimentTally))}
        assert session.scalar(select(func.count()).select_from(ExperimentTally)) == 1
    assert tallies == {("treatment", "renders"): 1}


def test_an_answer_nobody_logs_is_made_without_arms(runtime: Runtime) -> None:
    # ``recommend`` (listings, replays, suggestions) never applies an arm: a unit treated
    # where no exposure is logged would be treated outside the analysis.
    _shop(runtime)
    _start(runtime, arms=[
        {"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
        {"key": "off", "name": "Not personalized", "share": 0.5,
         "config": {"default_level": "off"}}])
    unit = _units(runtime, "home-test", likes=[("brand", "bolt", 1.0)])["off"]
    query = RecommendationQuery(customer_id=unit, n=6)
    with runtime.session() as session:
        plain = runtime.recommender.recommend(session, query)
        served = runtime.recommender.serve(session, query)
        unarmed = runtime.recommender.serve(session, query, experiments=False)
    assert [a.arm.key for a in served.assignments] == ["off"]
    assert (served.result.effective_level, plain.effective_level) == ("off", "balanced")
    assert plain == unarmed.result and unarmed.assignments == ()
    assert _rows(runtime) == {}

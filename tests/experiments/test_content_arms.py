"""Content experiments: the arm's variant is served (when its targeting allows) and every
served answer is one render of the unit's arm, control included; the holdout's held-out units
see the slot's fallback; withdrawing tracking consent moves a unit from its exposure row to
the anonymous tallies on the next request; experiments cost an answer no statement of its
own, running or not. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import READ_KEY
from content_helpers import slot_body, variant_body
from experiment_helpers import experiment_body
from factories import consent, customer
from prefero.content.schemas import ContentAnswer, SlotBody, SlotIn
from prefero.content.service import ContentRequest, content_for
from prefero.content.slots import create_slot, replace_slot
from prefero.experiments.content_arms import expose_served
from prefero.experiments.exposures import flush_exposures
from prefero.experiments.models import Experiment, ExperimentExposure, ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.runtime import Runtime
from sql_statements import statements

READ = {"X-API-Key": READ_KEY}

HERO = slot_body(
    "home-hero",
    variant_body("welcome", targeting={"visitor": "new"}),
    variant_body("everyone"),
    variant_body("promo"),  # after a variant for everyone: the slot never chooses it
    fallback="everyone")

PROMO_TEST = {"key": "hero-test", "kind": "content", "target": "home-hero", "arms": [
    {"key": "control", "name": "As the slot chooses", "share": 0.5, "control": True},
    {"key": "promo", "name": "The promotion", "share": 0.5, "config": {"variant": "promo"}}]}

HOLDOUT = {"key": "holdout", "kind": "holdout", "arms": [
    {"key": "held-out", "name": "Held out", "share": 0.5, "control": True},
    {"key": "personalized", "name": "Personalized", "share": 0.5}]}

CUSTOMERS = [f"c{n}" for n in range(60)]


def _start(runtime: Runtime, *bodies: dict[str, Any]) -> None:
    """The hero slot, the experiments ``bodies`` started, and customers who consented to
    tracking."""
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate(HERO), schema=runtime.facet_schema)
        for body in bodies:
            create_experiment(session, experiment_body(**body))
            start_experiment(session, body["key"])
        for unit in CUSTOMERS:
            customer(session, unit)
            consent(session, unit, "tracking", True)


def _in_arm(runtime: Runtime, key: str, arm: str, *,
            among: Collection[str] = tuple(CUSTOMERS)) -> str:
    """A unit whom experiment ``key`` places in ``arm`` (found by the assignment)."""
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    experiment = next(e for e in running.experiments if e.key == key)
    return next(unit for unit in among
                if (placed := experiment.arm_for(unit)) is not None and placed.key == arm)


def _serve(runtime: Runtime, **fields: Any) -> ContentAnswer:
    """One answer served, its renders logged after it (what the routes do)."""
    with runtime.session() as session:
        served = content_for(session, slot_key="home-hero",
                             request=ContentRequest.model_validate(fields),
                             settings=runtime.settings, schema=runtime.facet_schema,
                             language="en", experiments=runtime.experiments)
    expose_served(runtime, served.exposures)
    return served.answer


def _exposed(runtime: Runtime) -> dict[tuple[str, str, str], int]:
    """(unit, experiment, arm) -> renders, once the waiting renders are written."""
    flush_exposures(runtime)
    with runtime.session() as session:
        return {(unit, key, arm): renders for unit, key, arm, renders in session.execute(
            select(ExperimentExposure.unit_id, Experiment.key, ExperimentExposure.arm_key,
                   ExperimentExposure.renders)
            .join(Experiment, Experiment.id == ExperimentExposure.experiment_id))}


def _shown(answer: ContentAnswer) -> str | None:
    return answer.variant.key if answer.variant is not None else None


def test_the_arms_variant_is_served_and_each_render_exposed_once(
        client: TestClient, runtime: Runtime) -> None:
    _start(runtime, PROMO_TEST)
    treated = _in_arm(runtime, "hero-test", "promo")
    control = _in_arm(runtime, "hero-test", "control")
    for _ in range(3):
        answer = client.get(f"/v1/content/home-hero?customer_id={treated}&returning=true",
                            headers=READ)
        assert answer.status_code == 200, answer.text
        assert answer.json()["variant"]["key"] == "promo"
    # The test is explained as one, with the share of visitors offered the variant.
    assert answer.json()["reasons"][-1]["text"] == "Shown to 50% of visitors as part of a test"
    for _ in range(2):
        assert client.get(f"/v1/content/home-hero?customer_id={control}&returning=true",
                          headers=READ).json()["variant"]["key"] == "everyone"
    assert _exposed(runtime) == {(treated, "hero-test", "promo"): 3,
                                 (control, "hero-test", "control"): 2}


def test_a_variant_its_targeting_refuses_falls_back_to_the_slots_choice(
        runtime: Runtime) -> None:
    welcome = {**PROMO_TEST, "arms": [
        {"key": "control", "name": "As the slot chooses", "share": 0.5, "control": True},
        {"key": "welcome", "name": "Welcome first", "share": 0.5,
         "config": {"variant": "welcome"}}]}
    _start(runtime, welcome)
    unit = _in_arm(runtime, "hero-test", "welcome")
    new = _serve(runtime, customer_id=unit, returning=False)
    assert _shown(new) == "welcome"
    assert [r.code for r in new.reasons] == ["new_visitor", "split"]
    # Returning: the variant's targeting refuses it, so the slot chooses; still exposed.
    back = _serve(runtime, customer_id=unit, returning=True)
    assert _shown(back) == "everyone" and [r.code for r in back.reasons] == ["default"]
    assert _exposed(runtime) == {(unit, "hero-test", "welcome"): 2}


def test_held_out_units_see_the_fallback_and_take_part_in_nothing_else(
        runtime: Runtime) -> None:
    _start(runtime, HOLDOUT, PROMO_TEST)
    held = _in_arm(runtime, "holdout", "held-out")
    free = _in_arm(runtime, "holdout", "personalized")
    # A new visitor: the slot itself would choose "welcome"; held out, the fallback.
    assert _shown(_serve(runtime, customer_id=held, returning=False)) == "everyone"
    answer = _serve(runtime, customer_id=free, returning=False)
    assert _shown(answer) in {"welcome", "promo"}
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    test = next(e for e in running.experiments if e.key == "hero-test")
    arm = test.arm_for(free)
    assert arm is not None
    assert _shown(answer) == ("promo" if arm.key == "promo" else "welcome")
    # Both of the holdout's arms are exposed alike; the held-out unit in nothing else.
    assert _exposed(runtime) == {(held, "holdout", "held-out"): 1,
                                 (free, "holdout", "personalized"): 1,
                                 (free, "hero-test", arm.key): 1}


def test_a_disabled_slot_shows_nothing_and_exposes_no_one(runtime: Runtime) -> None:
    _start(runtime, PROMO_TEST)
    with runtime.session(write=True) as session:
        replace_slot(session, "home-hero", SlotBody.model_validate(
            {**{k: v for k, v in HERO.items() if k != "key"}, "enabled": False}),
            schema=runtime.facet_schema)
    unit = _in_arm(runtime, "hero-test", "promo")
    assert _serve(runtime, customer_id=unit).variant is None
    assert _exposed(runtime) == {}


def test_withdrawn_tracking_consent_moves_a_unit_from_its_row_to_the_tallies(
        runtime: Runtime) -> None:
    _start(runtime, {**PROMO_TEST, "anonymous_measurement": True})
    unit = _in_arm(runtime, "hero-test", "promo")
    _serve(runtime, customer_id=unit)
    assert _exposed(runtime) == {(unit, "hero-test", "promo"): 1}
    with runtime.session(write=True) as session:
        consent(session, unit, "tracking", False)
    assert _shown(_serve(runtime, customer_id=unit, returning=True)) == "promo"
    assert _exposed(runtime) == {(unit, "hero-test", "promo"): 1}  # no new row, no render
    with runtime.session() as session:
        tallies = [(t.arm_key, t.metric, t.count) for t in session.scalars(
            select(ExperimentTally))]
    assert tallies == [("promo", "renders", 1)]


def test_a_unit_without_tracking_consent_takes_no_part_where_not_measured_anonymously(
        runtime: Runtime) -> None:
    _start(runtime, PROMO_TEST)
    unit = _in_arm(runtime, "hero-test", "promo", among=[f"visitor-{n}" for n in range(60)])
    # No consent recorded (the shop's default: no tracking): the slot's own choice, no
    # exposure, no tally.
    assert _shown(_serve(runtime, visitor_id=unit, returning=True)) == "everyone"
    assert _exposed(runtime) == {}
    with runtime.session() as session:
        assert list(session.scalars(select(ExperimentTally))) == []


def test_experiments_cost_a_content_answer_no_statement_of_its_own(
        client: TestClient, runtime: Runtime) -> None:
    _start(runtime)
    url = "/v1/content/home-hero?customer_id=c1&returning=true"
    assert client.get(url, headers=READ).status_code == 200  # the slots compiled
    with statements(runtime.engine) as plain:
        assert client.get(url, headers=READ).status_code == 200
    # The slots' counter and the experiments' are one read, as the slots' alone was before
    # experiments existed.
    assert sum("revisions" in statement for statement in plain) == 1
    assert not any("experiment" in statement for statement in plain)
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(**PROMO_TEST))
        start_experiment(session, "hero-test")
    assert client.get(url, headers=READ).status_code == 200  # the running set compiled
    with statements(runtime.engine) as running:
        assert client.get(url, headers=READ).status_code == 200
    assert len(running) == len(plain)
    assert not any("experiment" in statement for statement in running)
    # Both answers under the experiment are renders (the running set was read, not skipped).
    (arm,) = {arm for unit, key, arm in _exposed(runtime) if (unit, key) == ("c1", "hero-test")}
    assert _exposed(runtime) == {("c1", "hero-test", arm): 2}

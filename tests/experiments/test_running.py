"""Assignment: deterministic, sticky, balanced (chi-square over 100,000 units), within the
traffic share; the holdout's held-out units take part in nothing else; consent decides who
is measured how. Lifecycle: a started experiment's set-up never changes."""

from __future__ import annotations

import pytest
from scipy.stats import chisquare

from experiment_helpers import experiment_body
from prefero.errors import Conflict, InvalidInput
from prefero.experiments.running import CompiledArm, CompiledExperiment
from prefero.experiments.service import (
    create_experiment,
    replace_experiment,
    start_experiment,
    stop_experiment,
)
from prefero.runtime import Runtime


def _compiled(shares: tuple[float, ...], *, traffic: float = 1.0,
              salt: str = "salt-1") -> CompiledExperiment:
    return CompiledExperiment(
        id=1, key="x", kind="recommendations", target=None, salt=salt, traffic=traffic,
        anonymous_measurement=False,
        arms=tuple(CompiledArm(key=f"arm-{i}", share=s, control=i == 0, config=None)
                   for i, s in enumerate(shares)))


def test_assignment_is_balanced_over_100000_units() -> None:
    experiment = _compiled((0.5, 0.3, 0.2))
    counts = {"arm-0": 0, "arm-1": 0, "arm-2": 0}
    for n in range(100_000):
        arm = experiment.arm_for(f"unit-{n}")
        assert arm is not None
        counts[arm.key] += 1
    result = chisquare(list(counts.values()), [50_000, 30_000, 20_000])
    assert result.pvalue > 0.001, counts


def test_assignment_is_deterministic_and_salts_are_independent() -> None:
    one, same, other = _compiled((0.5, 0.5)), _compiled((0.5, 0.5)), _compiled(
        (0.5, 0.5), salt="salt-2")
    units = [f"u{n}" for n in range(2000)]
    assert [one.arm_for(u) for u in units] == [same.arm_for(u) for u in units]
    together = sum((one.arm_for(u) == one.arms[0]) == (other.arm_for(u) == other.arms[0])
                   for u in units)
    assert 900 < together < 1100  # independent splits agree about half the time


def test_traffic_leaves_the_rest_out() -> None:
    experiment = _compiled((0.5, 0.5), traffic=0.2)
    taking_part = sum(experiment.arm_for(f"u{n}") is not None for n in range(20_000))
    assert 3700 < taking_part < 4300


def test_lifecycle_and_frozen_set_up(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body())
        with pytest.raises(Conflict):
            create_experiment(session, experiment_body())
        start_experiment(session, "home-test")
        with pytest.raises(Conflict):
            replace_experiment(session, "home-test", experiment_body())
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    assert [e.key for e in running.experiments] == ["home-test"]
    with runtime.session(write=True) as session:
        stop_experiment(session, "home-test")
    with runtime.session() as session:
        assert runtime.experiments.running(session).experiments == ()


def test_every_wrong_field_is_named(runtime: Runtime) -> None:
    body = experiment_body(kind="content", arms=[
        {"key": "a", "name": "A", "share": 0.6, "control": False},
        {"key": "a", "name": "B", "share": 0.6, "config": {"variant": 3}}])
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as raised:
        create_experiment(session, body)
    locations = {error.loc for error in raised.value.errors}
    assert {("arms", 1, "key"), ("arms",), ("target",), ("arms", 1, "config", "variant")
            } <= locations


def test_holdout_units_take_part_in_nothing_else(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body("holdout", kind="holdout", arms=[
            {"key": "held-out", "name": "Held out", "share": 0.1, "control": True},
            {"key": "personalized", "name": "Personalized", "share": 0.9}]))
        start_experiment(session, "holdout")
        create_experiment(session, experiment_body())
        start_experiment(session, "home-test")
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    test = next(e for e in running.experiments if e.key == "home-test")
    held = [f"u{n}" for n in range(3000) if running.held_out(f"u{n}")]
    assert 200 < len(held) < 400
    assert all(running.assign(test, unit=u, tracking=True) is None for u in held)
    free = next(f"u{n}" for n in range(3000) if not running.held_out(f"u{n}"))
    placed = running.assign(test, unit=free, tracking=True)
    assert placed is not None and placed.measured == "unit"
    # Without tracking consent: no part unless the experiment allows anonymous measurement.
    assert running.assign(test, unit=free, tracking=False) is None


def test_an_arm_names_a_kept_model_version(runtime: Runtime) -> None:
    body = experiment_body(arms=[
        {"key": "control", "name": "Newest", "share": 0.5, "control": True},
        {"key": "older", "name": "Older", "share": 0.5, "config": {"model_version": "v1"}}])
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput) as raised:
            create_experiment(session, body, versions=["v2"])
        assert [e.loc for e in raised.value.errors] == [
            ("arms", 1, "config", "model_version")]
        assert create_experiment(session, body, versions=["v1", "v2"]).status == "draft"


def test_the_api_s_own_addresses_are_not_keys(runtime: Runtime) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as raised:
        create_experiment(session, experiment_body("power"))
    assert [e.loc for e in raised.value.errors] == [("key",)]

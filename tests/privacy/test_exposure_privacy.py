"""Experiment exposures and the customer's rights, SQLite and PostgreSQL: the data export
lists every arm the customer was shown (experiment, arm, first and last time, renders);
erasure leaves no exposure row, and the anonymous tallies, which name no one, stay."""

from __future__ import annotations

from sqlalchemy import func, select

from experiment_helpers import experiment_body
from factories import consent, customer
from prefero.experiments.exposures import expose, flush_exposures
from prefero.experiments.models import ExperimentExposure, ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime


def _shown(runtime: Runtime, *, renders: int) -> str:
    """``c1`` shown its arm of a running experiment ``renders`` times; ``c2`` once, and an
    anonymous render tallied. Answers c1's arm."""
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(anonymous_measurement=True))
        start_experiment(session, "home-test")
        for who in ("c1", "c2"):
            customer(session, who)
            consent(session, who, "tracking", True)
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    test = running.experiments[0]
    placed = running.assign(test, unit="c1", tracking=True)
    assert placed is not None
    for _ in range(renders):
        expose(runtime, placed, unit="c1")
    expose(runtime, running.assign(test, unit="c2", tracking=True), unit="c2")
    expose(runtime, running.assign(test, unit="c3", tracking=False), unit="c3")
    flush_exposures(runtime)
    return placed.arm.key


def test_the_export_lists_the_arms_shown(runtime: Runtime) -> None:
    arm = _shown(runtime, renders=3)
    with runtime.session() as session:
        data = customer_data(session, customer_id="c1", settings=runtime.settings)
    assert [(e.experiment, e.arm, e.renders) for e in data.experiments] == [
        ("home-test", arm, 3)]
    shown = data.experiments[0]
    assert shown.first_at <= shown.last_at
    assert "experiments" in data.model_dump(mode="json")


def test_erasure_leaves_no_exposure_row(runtime: Runtime) -> None:
    _shown(runtime, renders=2)
    with runtime.session(write=True) as session:
        receipt = erase_customer(session, customer_id="c1", settings=runtime.settings)
    assert receipt.deleted[ExperimentExposure.__tablename__] == 1
    with runtime.session() as session:
        left = set(session.scalars(select(ExperimentExposure.unit_id)))
        tallies = session.scalar(select(func.count()).select_from(ExperimentTally))
    assert left == {"c2"}
    assert tallies == 1

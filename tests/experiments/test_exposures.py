"""The exposure log: renders wait in the process and go in one batch, once per render, summed
per unit and arm; a unit without tracking consent adds only to anonymous tallies; a unit
erased before the batch leaves no row. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from experiment_helpers import experiment_body
from factories import customer
from prefero.experiments.exposures import expose, flush_exposures
from prefero.experiments.models import ExperimentExposure, ExperimentTally
from prefero.experiments.running import Assignment
from prefero.experiments.service import create_experiment, start_experiment
from prefero.privacy.service import erase_customer
from prefero.runtime import Runtime


def _assignment(runtime: Runtime, unit: str, *, tracking: bool) -> Assignment:
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    placed = running.assign(running.experiments[0], unit=unit, tracking=tracking)
    assert placed is not None
    return placed


def _start(runtime: Runtime, **fields: object) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(**fields))
        start_experiment(session, "home-test")
        for unit in ("c1", "c2", "gone"):
            customer(session, unit)


def test_renders_wait_then_go_in_one_batch_once_per_render(runtime: Runtime) -> None:
    _start(runtime)
    runtime.settings.experiment_exposure_batch = 3
    one, two = _assignment(runtime, "c1", tracking=True), _assignment(runtime, "c2",
                                                                      tracking=True)
    expose(runtime, one, unit="c1")
    expose(runtime, one, unit="c1")
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ExperimentExposure)) == 0
    expose(runtime, two, unit="c2")  # the third render: the batch is due
    expose(runtime, one, unit="c1")
    assert flush_exposures(runtime) == 1
    with runtime.session() as session:
        rows = {(r.unit_id, r.arm_key): r.renders
                for r in session.scalars(select(ExperimentExposure))}
    assert rows == {("c1", one.arm.key): 3, ("c2", two.arm.key): 1}


def test_anonymous_units_only_add_to_tallies(runtime: Runtime) -> None:
    _start(runtime, anonymous_measurement=True)
    placed = _assignment(runtime, "c1", tracking=False)
    assert placed.measured == "anonymous"
    for _ in range(4):
        expose(runtime, placed, unit="c1")
    assert flush_exposures(runtime) == 4
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ExperimentExposure)) == 0
        tallies = [(t.arm_key, t.metric, t.count) for t in session.scalars(
            select(ExperimentTally))]
    assert tallies == [(placed.arm.key, "renders", 4)]


def test_a_unit_erased_before_the_batch_leaves_no_row(runtime: Runtime) -> None:
    _start(runtime)
    expose(runtime, _assignment(runtime, "gone", tracking=True), unit="gone")
    expose(runtime, _assignment(runtime, "c1", tracking=True), unit="c1")
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="gone", settings=runtime.settings)
    flush_exposures(runtime)
    with runtime.session() as session:
        units = set(session.scalars(select(ExperimentExposure.unit_id)))
    assert units == {"c1"}

"""The exposure log: renders wait in the process and go in one batch, once per render, summed
per unit and arm, written by the process's flusher thread (never by the request that made a
batch due; an idle worker's renders within ``FLUSH_SECONDS``) in key order; a batch the
database refuses is dropped and logged with its size; a unit without tracking consent adds
only to anonymous tallies; a unit erased before the batch leaves no row. SQLite and
PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from experiment_helpers import experiment_body
from factories import customer
from prefero.experiments import exposures
from prefero.experiments.exposures import Renders, expose, flush_exposures, write_exposures
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


def _start(runtime: Runtime, **fields: Any) -> None:
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
    # The flusher writes the due batch meanwhile; the flush waits for it and writes the rest.
    flush_exposures(runtime)
    with runtime.session() as session:
        rows = {(r.unit_id, r.arm_key): r.renders
                for r in session.scalars(select(ExperimentExposure))}
    assert rows == {("c1", one.arm.key): 3, ("c2", two.arm.key): 1}
    assert flush_exposures(runtime) == 0


@contextmanager
def _writes(runtime: Runtime, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[list[tuple[str, int]], threading.Event]]:
    """Each batch written for ``runtime``'s database: the writing thread's name and the
    renders written; the event is set after each."""
    seen: list[tuple[str, int]] = []
    done = threading.Event()

    def recording(session: Session, renders: Renders) -> int:
        written = write_exposures(session, renders)
        if session.get_bind().engine.pool is runtime.engine.pool:
            seen.append((threading.current_thread().name, written))
            done.set()
        return written

    with monkeypatch.context() as patched:
        patched.setattr(exposures, "write_exposures", recording)
        yield seen, done


def test_a_due_batch_is_written_by_the_flusher_not_by_the_request(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    _start(runtime)
    runtime.settings.experiment_exposure_batch = 2
    placed = _assignment(runtime, "c1", tracking=True)
    with _writes(runtime, monkeypatch) as (seen, done):
        expose(runtime, placed, unit="c1")
        expose(runtime, placed, unit="c1")  # due: handed over, not written here
        assert done.wait(timeout=60)
    assert seen == [("prefero-exposures", 2)]
    assert threading.current_thread().name != "prefero-exposures"
    # The event is set inside the flusher's unit of work, before its commit: a flush waits
    # for a write under way (and finds nothing left to write) before the row is read.
    assert flush_exposures(runtime) == 0
    with runtime.session() as session:
        assert session.scalar(select(ExperimentExposure.renders)) == 2


def test_an_idle_workers_renders_are_written_within_flush_seconds(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    _start(runtime)
    monkeypatch.setattr(exposures, "FLUSH_SECONDS", 0.2)
    placed = _assignment(runtime, "c2", tracking=True)
    with _writes(runtime, monkeypatch) as (seen, done):
        expose(runtime, placed, unit="c2")  # one render, far from a batch; no other comes
        assert done.wait(timeout=60)
    assert seen == [("prefero-exposures", 1)]
    assert flush_exposures(runtime) == 0


def test_a_batch_the_database_refuses_is_dropped_and_logged_with_its_size(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _start(runtime)
    placed = _assignment(runtime, "c1", tracking=True)
    expose(runtime, placed, unit="c1")
    expose(runtime, placed, unit="c1")

    @contextmanager
    def lost(*, write: bool = False) -> Iterator[Session]:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        yield  # a generator, as Runtime.session is

    with monkeypatch.context() as patched, caplog.at_level(
            logging.WARNING, logger="prefero.experiments.exposures"):
        patched.setattr(runtime, "session", lost)
        assert flush_exposures(runtime) == 0
    assert [r.getMessage() for r in caplog.records if r.name == exposures.__name__] == [
        "experiment exposures dropped: a batch of 2 renders was not written"]
    assert flush_exposures(runtime) == 0  # dropped, not kept to fail again
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ExperimentExposure)) == 0


def test_rows_are_upserted_in_key_order(runtime: Runtime,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes upserting rows they share lock them in the same order (PostgreSQL):
    the rows go in key order, whatever order the renders came in."""
    _start(runtime, anonymous_measurement=True)
    renders = Renders(since=0.0)
    for unit in ("c2", "c1"):
        renders.add(_assignment(runtime, unit, tracking=True), unit=unit,
                    at=datetime(2026, 12, 6, tzinfo=UTC))
    for day in (7, 5, 6):
        renders.add(_assignment(runtime, "c1", tracking=False), unit="c1",
                    at=datetime(2026, 12, day, tzinfo=UTC))
    upserted: list[list[tuple[Any, ...]]] = []
    upsert = exposures.upsert

    def recording(session: Session, model: Any, rows: list[dict[str, Any]], *,
                  keys: list[str], updates: Any) -> None:
        upserted.append([tuple(row[key] for key in keys) for row in rows])
        upsert(session, model, rows, keys=keys, updates=updates)

    monkeypatch.setattr(exposures, "upsert", recording)
    with runtime.session(write=True) as session:
        assert write_exposures(session, renders) == 5
    assert len(upserted) == 2 and all(rows == sorted(rows) for rows in upserted)
    assert [len(rows) for rows in upserted] == [2, 3]


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

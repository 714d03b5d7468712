"""An anonymous visitor's experiment exposures on merge, SQLite and PostgreSQL: they become
the customer's (one row per arm: renders summed, the earliest first, the latest last); a row
for another arm of the same experiment stays, so the unit holds two arms and the analysis
leaves it out; without tracking consent they are deleted, as the visitor's events are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from experiment_helpers import experiment_body
from factories import consent, customer
from prefero.customers.merge import merge_customers
from prefero.experiments.models import Experiment, ExperimentExposure
from prefero.experiments.service import create_experiment, start_experiment
from prefero.runtime import Runtime

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _seen(runtime: Runtime, *, tracking: bool) -> dict[str, int]:
    """Two running experiments; the visitor and the customer each shown arms of them."""
    with runtime.session(write=True) as session:
        for key in ("first", "second", "third"):
            create_experiment(session, experiment_body(key))
            start_experiment(session, key)
        found = {row.key: row.id for row in session.scalars(select(Experiment))}
        customer(session, "c1")
        customer(session, "anon-1")
        consent(session, "c1", "tracking", True)
        consent(session, "anon-1", "tracking", tracking)
        rows = [("c1", "first", "treatment", 3, T, T + HOUR),
                ("anon-1", "first", "treatment", 2, T - HOUR, T + 2 * HOUR),
                ("c1", "second", "treatment", 1, T, T),
                ("anon-1", "second", "control", 4, T - 2 * HOUR, T + HOUR),
                ("anon-1", "third", "control", 1, T + HOUR, T + HOUR)]
        session.add_all(ExperimentExposure(experiment_id=found[key], unit_id=unit, arm_key=arm,
                                           renders=renders, first_at=first, last_at=last)
                        for unit, key, arm, renders, first, last in rows)
    return found


def _rows(runtime: Runtime, ids: dict[str, int]) -> set[tuple[str, str, str, int, datetime,
                                                              datetime]]:
    keys = {number: key for key, number in ids.items()}
    with runtime.session() as session:
        return {(row.unit_id, keys[row.experiment_id], row.arm_key, row.renders,
                 row.first_at.replace(tzinfo=UTC), row.last_at.replace(tzinfo=UTC))
                for row in session.scalars(select(ExperimentExposure))}


def test_the_visitors_exposures_become_the_customers(runtime: Runtime) -> None:
    ids = _seen(runtime, tracking=True)
    with runtime.session(write=True) as session:
        assert merge_customers(session, anonymous_id="anon-1", customer_id="c1",
                               settings=runtime.settings).merged
    assert _rows(runtime, ids) == {
        # The same arm: one row, both windows joined.
        ("c1", "first", "treatment", 5, T - HOUR, T + 2 * HOUR),
        # Another arm of the same experiment: both rows stay (two arms: left out, counted).
        ("c1", "second", "treatment", 1, T, T),
        ("c1", "second", "control", 4, T - 2 * HOUR, T + HOUR),
        ("c1", "third", "control", 1, T + HOUR, T + HOUR)}


def test_without_tracking_consent_the_visitors_exposures_go(runtime: Runtime) -> None:
    ids = _seen(runtime, tracking=False)
    with runtime.session(write=True) as session:
        # The visitor's refusal is the newer decision: the merged state has no tracking.
        consent(session, "anon-1", "tracking", False)
        merge_customers(session, anonymous_id="anon-1", customer_id="c1",
                        settings=runtime.settings)
    assert _rows(runtime, ids) == {("c1", "first", "treatment", 3, T, T + HOUR),
                                   ("c1", "second", "treatment", 1, T, T)}

"""A started experiment with shoppers already measured, for the dashboard's tests: set up and
started through the service, its renders written through the exposure log's batch writer,
its outcomes as events; the split and the conversions are exact, so the page's figures have
a known answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from experiment_helpers import experiment_body
from factories import events
from prefero.catalog.revisions import current
from prefero.customers.models import Customer
from prefero.events.models import Event
from prefero.experiments.exposures import Renders, write_exposures
from prefero.experiments.running import Assignment, compile_running
from prefero.experiments.service import EXPERIMENTS, create_experiment, start_experiment

__all__ = ["Arm", "seed_experiment"]


@dataclass(frozen=True)
class Arm:
    """How many shoppers an arm had and how many of them bought (one order of ``price``)."""

    units: int
    buyers: int
    price: int = 40


def seed_experiment(session: Session, key: str, *, control: Arm, treatment: Arm,
                    name: str | None = None, clickers: int = 0, anonymous: int = 0,
                    **fields: object) -> None:
    """Start experiment ``key`` (two arms of 50 %, "control" and "treatment") and measure
    ``control`` and ``treatment``'s shoppers, who joined over the last days. ``clickers``
    shoppers of each arm clicked a recommendation (through the events factory); each arm
    was also shown ``anonymous`` times to shoppers without tracking consent (the experiment
    must allow anonymous measurement for them to count)."""
    body = experiment_body(key, **fields)
    if name is not None:
        body = body.model_copy(update={"name": name})
    create_experiment(session, body)
    start_experiment(session, key)
    running = compile_running(session, current(session, EXPERIMENTS))
    compiled = next(e for e in running.experiments if e.key == key)
    now = datetime.now(UTC)
    renders = Renders(since=0.0)
    purchases: list[dict[str, object]] = []
    for arm_key, arm in (("control", control), ("treatment", treatment)):
        compiled_arm = next(a for a in compiled.arms if a.key == arm_key)
        assignment = Assignment(experiment=compiled, arm=compiled_arm, measured="unit")
        units = [f"{key}-{arm_key}-{n:05d}" for n in range(arm.units)]
        session.execute(insert(Customer), [{"id": unit} for unit in units])
        for n, unit in enumerate(units):
            seen = now - timedelta(days=3, minutes=n % 1000)
            renders.add(assignment, unit=unit, at=seen)
            if n < arm.buyers:
                purchases.append({"customer_id": unit, "type": "purchase", "product_id": "p1",
                                  "price": arm.price, "quantity": 1,
                                  "occurred_at": seen + timedelta(hours=1)})
        hidden = Assignment(experiment=compiled, arm=compiled_arm, measured="anonymous")
        for n in range(anonymous):
            renders.add(hidden, unit=f"anonymous-{n}", at=now - timedelta(days=2))
        for unit in units[:clickers]:
            events(session, unit, [("rec_click", "p1")], at=now - timedelta(days=1))
    write_exposures(session, renders)
    if purchases:
        session.execute(insert(Event), purchases)
    session.flush()


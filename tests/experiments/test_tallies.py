"""Anonymous outcome tallies at ingest: the outcomes of units without tracking consent add to
their arm's totals (clicks, carts, purchases with their revenue, "not for me"), in one upsert
per batch; units with tracking consent add nothing (their events are stored), until they
withdraw it; an experiment that does not measure anonymously gets nothing, and nothing is
written when no such experiment runs. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from apikeys import INGEST_KEY
from experiment_helpers import experiment_body
from factories import consent, customer
from prefero.events.models import Event
from prefero.events.service import ingest
from prefero.experiments.models import Experiment, ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.runtime import Runtime

AT = "2026-01-05T10:00:00+00:00"
DAY = date(2026, 1, 5)
VISITORS = [f"v{n}" for n in range(40)]


def _start(runtime: Runtime, *, anonymous: bool = True, key: str = "home-test") -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(key, anonymous_measurement=anonymous))
        start_experiment(session, key)


def _shopping(who: str, *, known: bool = False, tag: str = "") -> list[dict[str, Any]]:
    """A click, a view, a cart, a purchase of 2 × 12.50 and a "not for me"."""
    person = {"customer_id": who} if known else {"anonymous_id": who}
    common = {**person, "product_id": "sku-1", "occurred_at": AT}
    return [{"event_id": f"{who}-{kind}{tag}", "type": kind, **common, **extra}
            for kind, extra in (("rec_click", {}), ("view", {}), ("add_to_cart", {}),
                                ("purchase", {"price": "12.50", "quantity": 2}),
                                ("rec_dismiss", {}))]


def _ingest(runtime: Runtime, events: list[dict[str, Any]]) -> None:
    with runtime.session(write=True) as session:
        ingest(session, events, settings=runtime.settings, experiments=runtime.experiments)


def _tallies(runtime: Runtime) -> dict[tuple[str, str, date, str], tuple[int, Decimal]]:
    with runtime.session() as session:
        return {(key, arm, day, metric): (count, Decimal(amount))
                for key, arm, day, metric, count, amount in session.execute(
                    select(Experiment.key, ExperimentTally.arm_key, ExperimentTally.day,
                           ExperimentTally.metric, ExperimentTally.count,
                           ExperimentTally.amount)
                    .join(Experiment, Experiment.id == ExperimentTally.experiment_id))}


def _arms(runtime: Runtime, units: list[str], key: str = "home-test") -> Counter[str]:
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    experiment = next(e for e in running.experiments if e.key == key)
    placed = [experiment.arm_for(unit) for unit in units]
    return Counter(arm.key for arm in placed if arm is not None)


def _expected(arms: Counter[str], key: str = "home-test"
              ) -> dict[tuple[str, str, date, str], tuple[int, Decimal]]:
    found = {}
    for arm, units in arms.items():
        for metric in ("rec_click", "add_to_cart", "purchase", "rec_dismiss"):
            revenue = Decimal("25.00") * units if metric == "purchase" else Decimal(0)
            found[(key, arm, DAY, metric)] = (units, revenue)
    return found


@contextmanager
def _statements(runtime: Runtime, table: str) -> Iterator[list[str]]:
    """The statements sent to the database that name ``table``."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if table in statement:
            seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def test_untracked_outcomes_add_to_their_arms_in_one_upsert_per_batch(
        runtime: Runtime) -> None:
    _start(runtime)
    _start(runtime, anonymous=False, key="strict")  # tracked units only: no tallies
    with runtime.session(write=True) as session:
        customer(session, "tracked")
        consent(session, "tracked", "tracking", True)
    events = [e for v in VISITORS for e in _shopping(v)] + _shopping("tracked", known=True)
    with _statements(runtime, "experiment_tallies") as writes:
        _ingest(runtime, events)
    assert len(writes) == 1
    arms = _arms(runtime, VISITORS)
    assert set(arms) == {"control", "treatment"}
    assert _tallies(runtime) == _expected(arms)
    # The tracked customer's outcomes are stored as events, and counted from there.
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 5


def test_a_repeated_batch_counts_nothing_again(runtime: Runtime) -> None:
    _start(runtime)
    events = [e for v in VISITORS[:10] for e in _shopping(v)]
    _ingest(runtime, events)
    _ingest(runtime, events)  # the same event ids: duplicates
    assert _tallies(runtime) == _expected(_arms(runtime, VISITORS[:10]))


def test_nothing_is_written_when_no_experiment_measures_anonymously(
        runtime: Runtime) -> None:
    events = [e for v in VISITORS[:5] for e in _shopping(v)]
    with _statements(runtime, "experiment_tallies") as writes:
        _ingest(runtime, events)
        _start(runtime, anonymous=False)
        _ingest(runtime, [e for v in VISITORS[5:10] for e in _shopping(v)])
    assert writes == []


def test_withdrawn_tracking_consent_sends_the_next_outcomes_to_the_tallies(
        runtime: Runtime) -> None:
    _start(runtime)
    with runtime.session(write=True) as session:
        customer(session, "c1")
        consent(session, "c1", "tracking", True)
    _ingest(runtime, _shopping("c1", known=True))
    assert _tallies(runtime) == {}
    with runtime.session(write=True) as session:
        consent(session, "c1", "tracking", False)
    _ingest(runtime, _shopping("c1", known=True, tag="-later"))
    assert _tallies(runtime) == _expected(_arms(runtime, ["c1"]))
    with runtime.session() as session:  # the earlier events stay the customer's own
        assert session.scalar(select(func.count()).select_from(Event)) == 5


def test_the_events_api_and_its_ga4_form_add_to_the_tallies(client: TestClient,
                                                             runtime: Runtime) -> None:
    _start(runtime)
    ingest_key = {"X-API-Key": INGEST_KEY}
    response = client.post("/v1/events", json={"events": _shopping("v1")}, headers=ingest_key)
    assert response.status_code == 200, response.text
    ga4 = {"event": "purchase", "client_id": "v2", "ecommerce": {
        "transaction_id": "o-1", "items": [{"item_id": "sku-1", "price": 12.5, "quantity": 2}]}}
    response = client.post("/v1/events/ga4", json=ga4, headers=ingest_key)
    assert response.status_code == 200, response.text
    found = _tallies(runtime)
    arm = next(iter(_arms(runtime, ["v1"])))
    assert found[("home-test", arm, DAY, "rec_click")] == (1, Decimal(0))
    purchases = sum(count for (_, _, _, metric), (count, _) in found.items()
                    if metric == "purchase")
    assert purchases == 2

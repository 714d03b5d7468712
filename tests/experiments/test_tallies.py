"""Anonymous outcome tallies at ingest: the outcomes of units without tracking consent add to
their arm's totals (clicks, carts, purchases with their revenue, "not for me", refunds with
their value or counted apart without one), in one upsert per batch; units with tracking
consent add nothing (their events are stored), until they withdraw it; an experiment that
does not measure anonymously gets nothing, and nothing is written when no such experiment
runs. Read back, arms compare per share of shoppers, never per render, with revenue net of
the priced refunds. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from apikeys import INGEST_KEY
from experiment_helpers import experiment_body
from factories import consent, customer
from prefero.events.models import Event
from prefero.events.service import ingest
from prefero.experiments.models import Experiment, ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.experiments.tallies import anonymous_totals
from prefero.runtime import Runtime
from sql_statements import statements

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


def test_untracked_outcomes_add_to_their_arms_in_one_upsert_per_batch(
        runtime: Runtime) -> None:
    _start(runtime)
    _start(runtime, anonymous=False, key="strict")  # tracked units only: no tallies
    with runtime.session(write=True) as session:
        customer(session, "tracked")
        consent(session, "tracked", "tracking", True)
    events = [e for v in VISITORS for e in _shopping(v)] + _shopping("tracked", known=True)
    with statements(runtime.engine, naming="experiment_tallies") as writes:
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
    with statements(runtime.engine, naming="experiment_tallies") as writes:
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


def _experiment_id(runtime: Runtime, key: str = "home-test") -> int:
    with runtime.session() as session:
        found = session.scalar(select(Experiment.id).where(Experiment.key == key))
    assert found is not None
    return found


def test_refunds_subtract_their_price_and_unpriced_ones_are_counted_apart(
        runtime: Runtime) -> None:
    _start(runtime)
    (visitor,) = VISITORS[:1]
    extras: list[dict[str, Any]] = [
        {"product_id": "sku-1", "price": "12.50"},
        {"product_id": "sku-1", "price": "5.00", "quantity": 2},
        {}]  # the whole order, no price: its value is unknown
    refunds = [{"event_id": f"{visitor}-refund{n}", "type": "refund", "anonymous_id": visitor,
                "order_id": "o-1", "occurred_at": AT, **extra}
               for n, extra in enumerate(extras)]
    _ingest(runtime, _shopping(visitor) + refunds)
    (arm,) = _arms(runtime, [visitor])
    found = _tallies(runtime)
    assert found[("home-test", arm, DAY, "refund")] == (2, Decimal("22.50"))
    assert found[("home-test", arm, DAY, "refund_unpriced")] == (1, Decimal(0))
    with runtime.session() as session:
        totals = anonymous_totals(session, _experiment_id(runtime),
                                  [("control", 0.5, True), ("treatment", 0.5, False)])
    (mine,) = [t for t in totals if t.arm == arm]
    assert (mine.revenue, mine.unpriced_refunds, mine.outcomes["purchase"]) == (2.5, 1, 1)


def test_arms_compare_per_share_of_shoppers_not_per_render(runtime: Runtime) -> None:
    _start(runtime)
    experiment = _experiment_id(runtime)
    # The control has a quarter of the shoppers, the treatment three quarters; the control
    # was shown far more often (renders are reach, not who then bought).
    rows = {("control", "renders"): (100, "0"), ("control", "purchase"): (10, "200.00"),
            ("control", "rec_click"): (4, "0"),
            ("treatment", "renders"): (10, "0"), ("treatment", "purchase"): (36, "540.00"),
            ("treatment", "refund"): (3, "60.00")}
    with runtime.session(write=True) as session:
        session.add_all(ExperimentTally(experiment_id=experiment, arm_key=arm, day=DAY,
                                        metric=metric, count=count, amount=Decimal(amount))
                        for (arm, metric), (count, amount) in rows.items())
    with runtime.session() as session:
        control, treatment = anonymous_totals(
            session, experiment, [("control", 1.0, True), ("treatment", 3.0, False)])
    assert (control.arm, control.share, treatment.share) == ("control", 0.25, 0.75)
    assert set(control.vs_control.values()) == {None}
    assert (treatment.renders, treatment.outcomes["purchase"], treatment.revenue) == (
        10, 36, 480.0)
    # Per share: 10 / 0.25 = 40 purchases against 36 / 0.75 = 48, +20 %; revenue 800
    # against 640, -20 %; no clicks against 16, -100 %; the control's "not for me": none.
    compared = treatment.vs_control
    assert compared["purchase"] == pytest.approx(0.2)
    assert compared["revenue"] == pytest.approx(-0.2)
    assert compared["rec_click"] == pytest.approx(-1.0)
    assert compared["rec_dismiss"] is None and compared["add_to_cart"] is None


def test_an_experiment_without_tallies_has_no_anonymous_totals(runtime: Runtime) -> None:
    _start(runtime)
    with runtime.session() as session:
        assert anonymous_totals(session, _experiment_id(runtime),
                                [("control", 0.5, True), ("treatment", 0.5, False)]) == []

"""Per-unit metrics from hand-made events, to the cent: the window opens at the unit's first
exposure and closes at the end, the pre-period is the days before it, refunds (priced or
not) come off revenue, orders are distinct, a unit seen in two arms is left out and counted,
and the reads do not grow with the number of units. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from experiment_helpers import experiment_body
from factories import customer
from prefero.events.models import Event
from prefero.experiments.metrics import ExperimentUnits, measure
from prefero.experiments.models import Experiment, ExperimentExposure
from prefero.experiments.service import create_experiment, start_experiment
from prefero.runtime import Runtime
from sql_statements import statements

BASE = datetime(2026, 11, 1, tzinfo=UTC)
END = BASE + timedelta(days=10)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def _experiment(session: Session, *, pre_period_days: int = 7) -> int:
    create_experiment(session, experiment_body(pre_period_days=pre_period_days))
    start_experiment(session, "home-test")
    found = session.scalar(select(Experiment.id).where(Experiment.key == "home-test"))
    assert found is not None
    return found


def _exposed(session: Session, experiment: int, unit: str, arm: str, at: datetime) -> None:
    customer(session, unit)
    session.add(ExperimentExposure(experiment_id=experiment, unit_id=unit, arm_key=arm,
                                   first_at=at, last_at=at, renders=1))
    session.flush()


def _event(session: Session, unit: str, kind: str, at: datetime, *, price: str | None = None,
           quantity: int | None = None, order: str | None = None,
           product: str | None = "p1") -> None:
    session.add(Event(customer_id=unit, type=kind, product_id=product, occurred_at=at,
                      price=Decimal(price) if price is not None else None, quantity=quantity,
                      order_id=order))
    session.flush()


def _measure(session: Session, experiment: int) -> ExperimentUnits:
    return measure(session, experiment_id=experiment, arm_keys=("control", "treatment"),
                   pre_period_days=7, end=END)


def _shop(session: Session) -> int:
    experiment = _experiment(session)
    one, two = BASE + DAY, BASE + 2 * DAY
    _exposed(session, experiment, "u1", "control", one)
    _exposed(session, experiment, "u2", "treatment", two)
    _exposed(session, experiment, "u4", "control", two)
    # u3: an anonymous visitor merged into a customer of the other arm.
    customer(session, "u3")
    for arm in ("control", "treatment"):
        session.add(ExperimentExposure(experiment_id=experiment, unit_id="u3", arm_key=arm,
                                       first_at=one, last_at=one))
    _event(session, "u3", "purchase", one + HOUR, price="999")
    # u1: a purchase in the pre-period, one before it (ignored), then in its window a click,
    # an order of two lines, a purchase without an order, a dismissal, and a refund without
    # a price of the second line; a purchase at the end is outside.
    _event(session, "u1", "purchase", BASE, price="10", quantity=2, order="o0")
    _event(session, "u1", "purchase", one - 8 * DAY, price="100", order="old")
    _event(session, "u1", "rec_click", one + HOUR)
    _event(session, "u1", "purchase", one + 2 * HOUR, price="10", quantity=2, order="o1")
    _event(session, "u1", "purchase", one + 2 * HOUR, price="5", order="o1", product="p2")
    _event(session, "u1", "purchase", one + 3 * HOUR, price="7")
    _event(session, "u1", "rec_dismiss", one + 4 * HOUR)
    _event(session, "u1", "refund", one + 5 * HOUR, order="o1", product="p2")
    _event(session, "u1", "purchase", END, price="50", order="late")
    # u2: a cart before its first exposure (pre-period), one in its window, a purchase and
    # its priced refund; a click one second before the first exposure stays outside.
    _event(session, "u2", "add_to_cart", two - DAY)
    _event(session, "u2", "rec_click", two - timedelta(seconds=1))
    _event(session, "u2", "add_to_cart", two + DAY)
    _event(session, "u2", "purchase", two + HOUR, price="4", quantity=2, order="x")
    _event(session, "u2", "refund", two + DAY, price="4", quantity=2, order="x")
    return experiment


def test_metrics_are_exactly_the_hand_counted_ones(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        experiment = _shop(session)
    with runtime.session() as session:
        units = _measure(session, experiment)
    assert units.units == ("u1", "u2", "u4")
    assert units.excluded == 1
    assert units.arm.tolist() == [0, 1, 0]
    assert units.counts() == [2, 1]
    during = units.during()
    assert during.values("click_through").tolist() == [1.0, 0.0, 0.0]
    assert during.values("add_to_cart_rate").tolist() == [0.0, 1.0, 0.0]
    assert during.values("conversion").tolist() == [1.0, 1.0, 0.0]
    assert during.values("not_for_me_rate").tolist() == [1.0, 0.0, 0.0]
    # 20 + 5 + 7 bought, the 5 refunded; 8 bought and 8 refunded.
    assert during.values("revenue_per_visitor").tolist() == [27.0, 0.0, 0.0]
    assert during.orders.tolist() == [2, 1, 0]
    before = units.before()
    assert before.values("conversion").tolist() == [1.0, 0.0, 0.0]
    assert before.values("revenue_per_visitor").tolist() == [20.0, 0.0, 0.0]
    assert before.values("add_to_cart_rate").tolist() == [0.0, 1.0, 0.0]
    assert before.values("click_through").tolist() == [0.0, 1.0, 0.0]


def test_a_look_sees_only_what_had_happened_by_then(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        experiment = _shop(session)
    with runtime.session() as session:
        units = _measure(session, experiment)
    look = BASE + DAY + 2 * HOUR + timedelta(minutes=30)
    assert units.reached(until=look).tolist() == [True, False, False]
    assert units.counts(until=look) == [1, 0]
    then = units.during(until=look)
    assert then.values("revenue_per_visitor").tolist() == [25.0, 0.0, 0.0]
    assert then.orders.tolist() == [1, 0, 0]
    assert then.values("not_for_me_rate").tolist() == [0.0, 0.0, 0.0]


def test_no_pre_period_means_no_covariate(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        experiment = _shop(session)
    with runtime.session() as session:
        units = measure(session, experiment_id=experiment, arm_keys=("control", "treatment"),
                        pre_period_days=0, end=END)
    assert units.before().values("revenue_per_visitor").tolist() == [0.0, 0.0, 0.0]
    assert units.during().values("revenue_per_visitor").tolist() == [27.0, 0.0, 0.0]


def test_the_reads_do_not_grow_with_the_units(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        experiment = _shop(session)
    with runtime.session() as session, statements(runtime.engine) as few:
        _measure(session, experiment)
    with runtime.session(write=True) as session:
        for n in range(200):
            _exposed(session, experiment, f"m{n}", ("control", "treatment")[n % 2],
                     BASE + DAY)
            _event(session, f"m{n}", "purchase", BASE + 2 * DAY, price="3", order=f"o{n}")
    with runtime.session() as session, statements(runtime.engine) as many:
        units = _measure(session, experiment)
    assert len(units.units) == 203
    assert float(units.during().values("revenue_per_visitor").sum()) == 27.0 + 600.0
    assert len(many) == len(few) <= 3


def test_a_refund_comes_off_only_with_its_order_bought_in_the_window(runtime: Runtime) -> None:
    # u5 bought o5 before its first exposure and returned it after: the arm did not sell
    # it, so the window's revenue keeps the purchase inside it whole. A refund without an
    # order id cannot be matched and comes off when it falls inside the window.
    with runtime.session(write=True) as session:
        experiment = _experiment(session)
        first = BASE + 3 * DAY
        _exposed(session, experiment, "u5", "treatment", first)
        _exposed(session, experiment, "u6", "control", first)
        _event(session, "u5", "purchase", first - DAY, price="40", order="o5")
        _event(session, "u5", "refund", first + HOUR, price="40", order="o5")
        _event(session, "u5", "purchase", first + 2 * HOUR, price="15", order="o6")
        _event(session, "u5", "refund", first + 3 * HOUR, order="o6")
        _event(session, "u6", "purchase", first + HOUR, price="9")
        _event(session, "u6", "refund", first + 2 * HOUR, price="2")
    with runtime.session() as session:
        units = _measure(session, experiment)
    assert units.units == ("u5", "u6")
    assert units.during().values("revenue_per_visitor").tolist() == [0.0, 7.0]
    # The pre-period bought o5 and refunded nothing in it.
    assert units.before().values("revenue_per_visitor").tolist() == [40.0, 0.0]

"""Message experiments at the offer: the holding arm sends nothing (its message is recorded
as held back) while the sending arm sends, and both are exposed when the trigger fires (once
per occasion); the holdout's held-out customers get no triggered message but those they asked
for (a watch, their box, a reminder they switched on), which expose no one; no experiment may
target such a trigger; a customer without tracking consent adds only to the anonymous
tallies. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from experiment_helpers import experiment_body
from factories import consent
from message_terms_shop import customer, drop, every_channel, offered, outbox
from prefero.catalog.revisions import bump
from prefero.config import Settings
from prefero.errors import InvalidInput
from prefero.experiments.models import Experiment, ExperimentExposure, ExperimentTally
from prefero.experiments.requested import REQUESTED, TESTABLE
from prefero.experiments.service import EXPERIMENTS, create_experiment, start_experiment
from prefero.messaging.kinds import TRIGGERS, Trigger
from prefero.messaging.terms import DEFAULT_TRIGGERS, set_trigger
from prefero.runtime import Runtime

# Sunday 6 December 2026, 12:00 in Warsaw: outside the default quiet hours.
NOON = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)

# New from what the customer follows: on by default, sent on the shop's initiative.
FOLLOWED = Trigger.NEW_FROM_FOLLOWED
HOLD_TEST = {"key": "followed-test", "kind": "messages", "target": "new_from_followed", "arms": [
    {"key": "send", "name": "Sent as usual", "share": 0.5, "control": True},
    {"key": "hold", "name": "Held back", "share": 0.5, "config": {"send": False}}]}

HOLDOUT = {"key": "holdout", "kind": "holdout", "arms": [
    {"key": "held-out", "name": "Held out", "share": 0.5, "control": True},
    {"key": "personalized", "name": "Personalized", "share": 0.5}]}

CUSTOMERS = [f"c{n}" for n in range(60)]


def _start(runtime: Runtime, *bodies: dict[str, Any], tracking: bool = True) -> Settings:
    """The experiments ``bodies`` started, and customers who accept inbox messages (and,
    with ``tracking``, tracking)."""
    settings = every_channel(runtime.settings)
    with runtime.session(write=True) as session:
        for body in bodies:
            create_experiment(session, experiment_body(**body))
            start_experiment(session, body["key"])
        for unit in CUSTOMERS:
            customer(session, settings, unit, zone="Europe/Warsaw")
            if tracking:
                consent(session, unit, "tracking", True)
    return settings


def _in_arm(runtime: Runtime, key: str, arm: str) -> str:
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    experiment = next(e for e in running.experiments if e.key == key)
    return next(unit for unit in CUSTOMERS
                if (placed := experiment.arm_for(unit)) is not None and placed.key == arm)


def _exposed(runtime: Runtime) -> dict[tuple[str, str, str], int]:
    with runtime.session() as session:
        return {(unit, key, arm): renders for unit, key, arm, renders in session.execute(
            select(ExperimentExposure.unit_id, Experiment.key, ExperimentExposure.arm_key,
                   ExperimentExposure.renders)
            .join(Experiment, Experiment.id == ExperimentExposure.experiment_id))}


def test_the_hold_arm_sends_nothing_the_send_arm_sends_and_both_are_exposed(
        runtime: Runtime) -> None:
    settings = _start(runtime, HOLD_TEST)
    sent, held = (_in_arm(runtime, "followed-test", "send"),
                  _in_arm(runtime, "followed-test", "hold"))
    with runtime.session(write=True) as session:
        (going,) = offered(session, drop(sent, trigger=FOLLOWED), NOON, settings)
        (kept,) = offered(session, drop(held, trigger=FOLLOWED), NOON, settings)
        # The same occasion again: not a new decision, so no new exposure.
        assert offered(session, drop(held, trigger=FOLLOWED), NOON, settings) == []
        assert offered(session, drop(sent, trigger=FOLLOWED), NOON, settings) == []
    assert (going.status, going.send_at) == ("pending", NOON)
    assert kept.status == "cancelled" and kept.payload["dropped"] == "experiment"
    assert kept.last_error is not None and kept.last_error.startswith("held back")
    assert "'hold'" in kept.last_error and "'followed-test'" in kept.last_error
    # Intention to treat: exposed at the decision, in both arms.
    assert _exposed(runtime) == {(sent, "followed-test", "send"): 1,
                                 (held, "followed-test", "hold"): 1}
    with runtime.session() as session:
        assert [row.status for row in outbox(session, held)] == ["cancelled"]


def test_another_trigger_is_not_held_back(runtime: Runtime) -> None:
    settings = _start(runtime, HOLD_TEST)
    held = _in_arm(runtime, "followed-test", "hold")
    with runtime.session(write=True) as session:
        (row,) = offered(session, drop(held, trigger=Trigger.STALE_PREFERENCE), NOON, settings)
    assert row.status == "pending"
    assert _exposed(runtime) == {}


def test_held_out_customers_get_no_triggered_message_and_both_arms_are_exposed(
        runtime: Runtime) -> None:
    settings = _start(runtime, HOLDOUT, HOLD_TEST)
    held = _in_arm(runtime, "holdout", "held-out")
    free = _in_arm(runtime, "holdout", "personalized")
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    test = next(e for e in running.experiments if e.key == "followed-test")
    arm = test.arm_for(free)
    assert arm is not None
    with runtime.session(write=True) as session:
        (kept,) = offered(session, drop(held, trigger=FOLLOWED), NOON, settings)
        (other,) = offered(session, drop(free, trigger=FOLLOWED), NOON, settings)
    assert kept.status == "cancelled" and "holdout" in (kept.last_error or "")
    assert other.status == ("cancelled" if arm.key == "hold" else "pending")
    # The held-out customer takes part in nothing else.
    assert _exposed(runtime) == {(held, "holdout", "held-out"): 1,
                                 (free, "holdout", "personalized"): 1,
                                 (free, "followed-test", arm.key): 1}


def test_without_tracking_consent_only_the_anonymous_tallies_count_the_decision(
        runtime: Runtime) -> None:
    settings = _start(runtime, {**HOLD_TEST, "anonymous_measurement": True}, tracking=False)
    held = _in_arm(runtime, "followed-test", "hold")
    with runtime.session(write=True) as session:
        (kept,) = offered(session, drop(held, trigger=FOLLOWED), NOON, settings)
    assert kept.status == "cancelled"
    assert _exposed(runtime) == {}
    with runtime.session() as session:
        tallies = [(t.arm_key, t.day, t.metric, t.count)
                   for t in session.scalars(select(ExperimentTally))]
    assert tallies == [("hold", NOON.date(), "renders", 1)]


def test_held_out_customers_get_what_they_asked_for_and_it_exposes_no_one(
        runtime: Runtime) -> None:
    settings = _start(runtime, HOLDOUT)
    held = _in_arm(runtime, "holdout", "held-out")
    with runtime.session(write=True) as session:
        for trigger in REQUESTED:  # the reminders that are off until asked for, asked for
            set_trigger(session, customer_id=held, trigger=trigger, on=True,
                        settings=settings, now=NOON)
        # One a day, under every daily cap.
        asked = [offered(session, drop(held, trigger=trigger), NOON + timedelta(days=n),
                         settings)
                 for n, trigger in enumerate(sorted(REQUESTED))]
        (shop_initiated,) = offered(session, drop(held, trigger=FOLLOWED),
                                    NOON + timedelta(days=len(REQUESTED)), settings)
    assert [[row.status for row in rows] for rows in asked] == [["pending"]] * len(REQUESTED)
    assert shop_initiated.status == "cancelled"
    # Only the message the holdout could hold back exposed the customer to it.
    assert _exposed(runtime) == {(held, "holdout", "held-out"): 1}


@pytest.mark.parametrize("trigger", sorted(REQUESTED))
def test_a_messages_experiment_may_not_target_what_customers_asked_for(
        runtime: Runtime, trigger: Trigger) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        create_experiment(session, experiment_body(**{**HOLD_TEST, "target": trigger.value}))
    (problem,) = refused.value.errors
    assert problem.loc == ("target",)
    assert "never held back" in problem.msg and ", ".join(TESTABLE) in problem.msg
    with runtime.session() as session:
        assert session.scalars(select(Experiment)).all() == []


def test_every_trigger_a_customer_must_switch_on_is_one_they_asked_for() -> None:
    # A reminder that is off until the customer turns it on answers their own request; a
    # new trigger of that kind must not become something a test may hold back.
    assert {t for t, on in DEFAULT_TRIGGERS.items() if not on} <= REQUESTED
    assert set(TESTABLE) == set(TRIGGERS) - REQUESTED and TESTABLE


def test_an_experiment_stored_on_such_a_trigger_before_the_rule_holds_nothing_back(
        runtime: Runtime) -> None:
    settings = _start(runtime, HOLD_TEST)
    held = _in_arm(runtime, "followed-test", "hold")
    with runtime.session(write=True) as session:
        session.execute(update(Experiment).values(target=Trigger.BACK_IN_STOCK.value))
        bump(session, EXPERIMENTS)
    with runtime.session(write=True) as session:
        (row,) = offered(session, drop(held, trigger=Trigger.BACK_IN_STOCK), NOON, settings)
    assert row.status == "pending"
    assert _exposed(runtime) == {}

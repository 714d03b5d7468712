"""The results of an experiment on planted data: a planted lift in conversion is found (and
judged better, on the fixed-horizon, CUPED and always-valid tests alike), none is found where
none was planted, a guardrail that got worse is flagged, a broken split is flagged, units
seen in two arms are counted out, segments too small are left out, and the anonymous totals
are per render. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from experiment_helpers import experiment_body
from prefero.customers.models import Customer
from prefero.errors import NotFound
from prefero.events.models import Event
from prefero.experiments.models import Experiment, ExperimentExposure, ExperimentTally
from prefero.experiments.power import proportion_mde
from prefero.experiments.results import (
    ExperimentResults,
    MetricComparison,
    Reading,
    experiment_results,
    experiment_summary,
    judge,
)
from prefero.experiments.sequential import AlwaysValid
from prefero.experiments.service import create_experiment, start_experiment
from prefero.experiments.stats import Comparison
from prefero.runtime import Runtime
from prefero.segments.models import Segment, SegmentMember

START = datetime(2026, 11, 1, tzinfo=UTC)
NOW = START + timedelta(days=14)


def _plant(session: Session, *, units: int, rates: tuple[float, float],
           dismissals: tuple[float, float] = (0.05, 0.05), treatment_share: float = 0.5,
           seed: int = 7, **fields: Any) -> None:
    """``units`` units joining over ten days, each in one arm (``treatment_share`` of them
    in the treatment), converting at the arm's rate; a quarter of them "loyal", who bought
    in the pre-period too and convert three times as often (what CUPED can use)."""
    create_experiment(session, experiment_body(**fields))
    start_experiment(session, "home-test")
    session.execute(update(Experiment).values(started_at=START))
    experiment = session.scalar(select(Experiment.id))
    rng = np.random.default_rng(seed)
    treated = rng.random(units) < treatment_share
    loyal = rng.random(units) < 0.25
    joined = rng.random(units) * 10.0
    ids = [f"u{n:05d}" for n in range(units)]
    session.execute(insert(Customer), [{"id": unit} for unit in ids])
    session.execute(insert(ExperimentExposure), [
        {"experiment_id": experiment, "unit_id": unit,
         "arm_key": "treatment" if treated[n] else "control",
         "first_at": START + timedelta(days=float(joined[n])),
         "last_at": START + timedelta(days=float(joined[n])), "renders": 1}
        for n, unit in enumerate(ids)])
    events = []
    for n, unit in enumerate(ids):
        first = START + timedelta(days=float(joined[n]))
        # Loyal units convert at 2x the arm's rate, the rest at 2/3 of it: the mean stays.
        rate = rates[int(treated[n])] * (2.0 if loyal[n] else 2.0 / 3.0)
        if loyal[n]:
            events.append({"customer_id": unit, "type": "purchase", "product_id": "p",
                           "price": 30, "quantity": 1, "occurred_at": first - timedelta(days=2)})
        if rng.random() < rate:
            events.append({"customer_id": unit, "type": "purchase", "product_id": "p",
                           "price": 30, "quantity": 1, "occurred_at": first + timedelta(hours=5)})
        if rng.random() < dismissals[int(treated[n])]:
            events.append({"customer_id": unit, "type": "rec_dismiss", "product_id": "p",
                           "occurred_at": first + timedelta(hours=1)})
    session.execute(insert(Event), events)


def _results(runtime: Runtime) -> ExperimentResults:
    with runtime.session() as session:
        return experiment_results(session, "home-test", settings=runtime.settings, now=NOW)


def _one(results: ExperimentResults, metric: str) -> MetricComparison:
    return next(c for c in results.comparisons if c.metric == metric)


def test_a_planted_lift_is_found_and_a_worse_guardrail_flagged(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        _plant(session, units=6000, rates=(0.10, 0.14), dismissals=(0.05, 0.08))
    results = _results(runtime)
    assert [(a.key, a.control) for a in results.arms] == [("control", True),
                                                          ("treatment", False)]
    assert results.units == 6000 and results.excluded_units == 0
    assert not results.srm.flagged
    conversion = _one(results, "conversion")
    assert conversion.role == "primary" and conversion.method == "two_proportions"
    assert conversion.verdict == "better"
    assert conversion.p_holm < 0.05 and conversion.p_bh <= conversion.p_holm
    fixed = conversion.fixed
    assert fixed.ci_low is not None and fixed.ci_high is not None
    assert 0.0 < fixed.ci_low < 0.04 < fixed.ci_high
    assert fixed.relative_ci_low is not None and fixed.relative_ci_low > 0.0
    # CUPED on the pre-period purchases narrows the interval and keeps the estimate.
    assert conversion.cuped is not None and conversion.cuped.variance_reduction > 0.03
    adjusted = conversion.cuped.estimate
    assert adjusted.ci_low is not None and adjusted.ci_high is not None
    assert adjusted.ci_high - adjusted.ci_low < fixed.ci_high - fixed.ci_low
    # The always-valid interval is wider (it pays for peeking) and still excludes 0.
    valid = conversion.always_valid
    assert valid.p_value < 0.05 and valid.looks == 14
    assert valid.ci_low is not None and valid.ci_high is not None
    assert valid.ci_low > 0.0 and valid.ci_high - valid.ci_low > fixed.ci_high - fixed.ci_low
    # More "not for me" is worse, and a guardrail: flagged.
    dismissed = _one(results, "not_for_me_rate")
    assert dismissed.lower_is_better and dismissed.verdict == "worse"
    assert dismissed.guardrail_breached
    revenue = _one(results, "revenue_per_visitor")
    assert revenue.method == "welch" and revenue.verdict == "better"
    assert not revenue.guardrail_breached
    # What 3,000 units per arm can detect at 10 %: about a fifth (the planner's figure).
    assert conversion.detectable.relative is not None
    assert 0.15 < conversion.detectable.relative < 0.30


def test_no_planted_effect_finds_none(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        _plant(session, units=6000, rates=(0.10, 0.10), seed=11)
    results = _results(runtime)
    for comparison in results.comparisons:
        assert comparison.verdict == "no_clear_difference", comparison.metric
        assert not comparison.guardrail_breached
        assert comparison.always_valid.p_value > 0.05
    conversion = _one(results, "conversion")
    assert conversion.fixed.ci_low is not None and conversion.fixed.ci_high is not None
    assert conversion.fixed.ci_low < 0.0 < conversion.fixed.ci_high


def test_a_broken_split_is_flagged(runtime: Runtime) -> None:
    # 52/48 over 6,000 units is p = 0.0019: suspicious, not flagged at p < 0.001; over
    # 12,000 units (6,000 per arm) the same split is p = 1e-5, flagged.
    with runtime.session(write=True) as session:
        _plant(session, units=12_000, rates=(0.10, 0.10), treatment_share=0.48)
    results = _results(runtime)
    assert results.srm.flagged and results.srm.p_value < 0.001
    control, treatment = results.arms
    assert control.planned_share == 0.5 and control.expected_units == 6000.0
    assert control.observed_share is not None and 0.51 < control.observed_share < 0.53
    assert treatment.units + control.units == 12_000


def test_split_figures_for_52_48_of_6000() -> None:
    from prefero.experiments.srm import srm

    check = srm([3120, 2880], [0.5, 0.5])
    assert round(check.p_value, 4) == 0.0019 and not check.flagged
    assert srm([6240, 5760], [0.5, 0.5]).flagged


def test_segments_multi_arm_units_and_anonymous_tallies(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        _plant(session, units=1000, rates=(0.10, 0.12))
        experiment = session.scalar(select(Experiment.id))
        # One unit seen in both arms: left out, counted.
        session.add(ExperimentExposure(experiment_id=experiment, unit_id="u00000",
                                       arm_key="treatment" if session.scalar(
                                           select(ExperimentExposure.arm_key).where(
                                               ExperimentExposure.unit_id == "u00000"))
                                       == "control" else "control",
                                       first_at=START, last_at=START))
        big = Segment(key="big", name="Most", condition={})
        small = Segment(key="small", name="Few", condition={})
        session.add_all([big, small])
        session.flush()
        session.execute(insert(SegmentMember), [
            {"segment_id": big.id, "customer_id": f"u{n:05d}"} for n in range(600)] + [
            {"segment_id": small.id, "customer_id": f"u{n:05d}"} for n in range(150)])
        day = START.date()
        session.add_all([
            ExperimentTally(experiment_id=experiment, arm_key="control", day=day,
                            metric="renders", count=200, amount=0),
            ExperimentTally(experiment_id=experiment, arm_key="control", day=day,
                            metric="purchase", count=10, amount=300),
            ExperimentTally(experiment_id=experiment, arm_key="treatment", day=day,
                            metric="renders", count=100, amount=0)])
    results = _results(runtime)
    assert results.excluded_units == 1 and results.units == 999
    assert [s.segment for s in results.segments] == ["big"]
    (big_result,) = results.segments
    assert sum(a.units for a in big_result.arms) == 599
    assert all(a.units >= results.min_segment_units for a in big_result.arms)
    assert [c.arm for c in big_result.comparisons] == ["treatment"]
    control, treatment = results.anonymous
    assert (control.arm, control.renders, control.outcomes["purchase"], control.revenue) == (
        "control", 200, 10, 300.0)
    # Compared per share of shoppers (both 50 %), never per render: none bought in the
    # treatment, so a whole fewer; the control is the base, with no change of its own.
    assert set(control.vs_control.values()) == {None}
    assert (treatment.renders, treatment.vs_control["purchase"]) == (100, -1.0)


def test_a_draft_has_no_units_and_an_unknown_key_is_not_found(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body())
    results = _results(runtime)
    assert (results.status, results.units, results.measured_until) == ("draft", 0, None)
    assert all(c.verdict == "no_clear_difference" and c.fixed.p_value == 1.0
               and c.always_valid.looks == 0 for c in results.comparisons)
    with runtime.session() as session, pytest.raises(NotFound):
        experiment_results(session, "nope", settings=runtime.settings)


def _stop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        session.execute(update(Experiment).values(status="stopped", stopped_at=NOW))


def test_the_verdict_rests_on_the_always_valid_p_while_running_and_fixed_once_stopped(
        runtime: Runtime) -> None:
    # 10 % against 12 % over 6,000 units: clear for a test read once, not yet for one that
    # may be read every day.
    with runtime.session(write=True) as session:
        _plant(session, units=6000, rates=(0.10, 0.12), seed=3)
    running = _results(runtime)
    conversion = _one(running, "conversion")
    assert running.verdict_basis == "always_valid"
    assert conversion.p_holm < 0.05 <= conversion.always_valid.p_holm
    assert conversion.verdict == "no_clear_difference"
    _stop(runtime)
    stopped = _results(runtime)
    assert stopped.verdict_basis == "fixed_horizon"
    assert _one(stopped, "conversion").verdict == "better"


def _comparison(difference: float, p_value: float) -> Comparison:
    return Comparison(control=0.1, treatment=0.1 + difference, difference=difference,
                      ci_low=difference - 0.01, ci_high=difference + 0.01, relative=None,
                      relative_ci_low=None, relative_ci_high=None, p_value=p_value,
                      standard_error=0.005, method="two_proportions")


def test_the_primary_metric_and_the_guardrails_are_two_families() -> None:
    kept = AlwaysValid(p_value=1.0, ci_low=-1.0, ci_high=1.0)
    readings = [Reading("conversion", "primary", _comparison(0.02, 0.03), kept),
                Reading("revenue_per_visitor", "guardrail", _comparison(0.0, 0.5), kept),
                Reading("not_for_me_rate", "guardrail", _comparison(0.01, 0.02), kept)]
    primary, revenue, dismissed = judge(readings, basis="fixed_horizon", alpha=0.05)
    # Alone in its family, the primary p is its own; across all three Holm would make it
    # 0.09 and hide the lift.
    assert primary.p_holm == 0.03 and primary.verdict == "better"
    # The guardrails adjust among themselves: 2 × 0.02; its breach reads its own 0.02.
    assert dismissed.p_holm == 0.04 and dismissed.verdict == "worse"
    assert dismissed.guardrail_breached and not revenue.guardrail_breached
    # Three arms: the primary family holds the two comparisons with the control.
    two_arms = judge([Reading("conversion", "primary", _comparison(0.02, 0.03), kept),
                      Reading("conversion", "primary", _comparison(0.01, 0.2), kept)],
                     basis="fixed_horizon", alpha=0.05)
    assert [j.p_holm for j in two_arms] == [0.06, 0.2]
    assert [j.verdict for j in two_arms] == ["no_clear_difference"] * 2


def test_the_detectable_effect_is_planned_at_the_primary_verdict_s_level(
        runtime: Runtime) -> None:
    arms = [{"key": "control", "name": "As it is", "share": 0.34, "control": True},
            {"key": "treatment", "name": "B", "share": 0.33},
            {"key": "third", "name": "C", "share": 0.33}]
    with runtime.session(write=True) as session:
        _plant(session, units=4000, rates=(0.10, 0.10), arms=arms)
    results = _results(runtime)
    primary = next(c for c in results.comparisons if c.role == "primary")
    guardrail = next(c for c in results.comparisons if c.role == "guardrail")
    # Two comparisons with the control: each planned at 0.05 / 2.
    assert primary.detectable.alpha == 0.025 and guardrail.detectable.alpha == 0.05
    assert primary.detectable.relative == pytest.approx(proportion_mde(
        base_rate=primary.fixed.control, units_per_arm=primary.detectable.units_per_arm,
        alpha=0.025), rel=1e-9)


def test_the_list_s_summary_says_what_the_results_say(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        _plant(session, units=6000, rates=(0.10, 0.14), dismissals=(0.05, 0.08))
    results = _results(runtime)
    with runtime.session() as session:
        summary = experiment_summary(session, "home-test", now=NOW)
    assert (summary.units, summary.srm_flagged, summary.verdict_basis) == (
        results.units, results.srm.flagged, results.verdict_basis)
    assert [(a.arm, a.verdict) for a in summary.primary] == [
        (c.arm, c.verdict) for c in results.comparisons if c.role == "primary"]
    assert [(a.metric, a.arm) for a in summary.breached] == [
        (c.metric, c.arm) for c in results.comparisons if c.guardrail_breached] == [
        ("not_for_me_rate", "treatment")]


def test_segments_on_behaviour_are_left_out(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        _plant(session, units=1000, rates=(0.10, 0.12))
        declared = Segment(key="vegan", name="Vegans", condition={
            "type": "declared", "kind": "like", "facet": "diet", "value": "vegan"})
        bought = Segment(key="buyers", name="Bought lately", condition={
            "type": "and", "conditions": [
                {"type": "behaviour", "event": "purchase", "min": 1, "days": 30}]})
        session.add_all([declared, bought])
        session.flush()
        session.execute(insert(SegmentMember), [
            {"segment_id": segment.id, "customer_id": f"u{n:05d}"}
            for segment in (declared, bought) for n in range(600)])
    assert [s.segment for s in _results(runtime).segments] == ["vegan"]

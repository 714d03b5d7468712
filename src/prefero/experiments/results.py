"""An experiment's results, as the API and the dashboard show them.

Per arm: the units measured (planned against observed share) and the sample-ratio check,
which, when flagged, says that no figure below can be trusted. For the primary metric and
each guardrail, each arm against the control:

- the fixed-horizon test (valid when read once, at the planned sample) with its interval and
  the relative lift's; its p-value adjusted across every metric × arm with Holm (what the
  verdict reads) and Benjamini-Hochberg;
- the same test on CUPED-adjusted values (the pre-period's metric as covariate) and the
  share of the variance that removed;
- the always-valid p-value and interval, safe to read at any time: recomputed at every daily
  look since the start, so no state is kept between readings;
- a verdict (``better``, ``worse``, ``no_clear_difference``; lower is better for
  ``not_for_me_rate``); a guardrail that got significantly worse is flagged on its own
  unadjusted p-value, since missing a harm costs more than a second look.

Then the primary metric per segment (the segments the units are in now, where every arm
has ``MIN_SEGMENT_UNITS``; unadjusted, for exploring), the anonymous per-arm totals of units
measured without tracking consent (renders and outcomes, rates per render: no unit-level
test is possible on them), and the effect the units so far can detect.

Every interval end that is unbounded (no estimate of the noise yet) is ``null``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.errors import NotFound
from prefero.experiments._checks import check_alpha
from prefero.experiments.comparisons import (
    PLANNED_POWER,
    compare,
    compare_adjusted,
    detectable,
    look_times,
    sequential,
    snapshots,
)
from prefero.experiments.cuped import cuped
from prefero.experiments.exposures import RENDERS
from prefero.experiments.metrics import ExperimentUnits, Outcomes, measure, metric_kind
from prefero.experiments.models import (
    Experiment,
    ExperimentArm,
    ExperimentExposure,
    ExperimentTally,
)
from prefero.experiments.multiplicity import benjamini_hochberg, holm
from prefero.experiments.schemas import Kind, Metric, Status
from prefero.experiments.srm import SRM_ALPHA, srm
from prefero.experiments.stats import Comparison
from prefero.segments.models import Segment, SegmentMember

__all__ = [
    "LOWER_IS_BETTER",
    "MIN_SEGMENT_UNITS",
    "AnonymousArm",
    "ArmUnits",
    "Estimate",
    "ExperimentResults",
    "MetricComparison",
    "experiment_results",
]

#: Units a segment needs in every arm before its breakdown is shown.
MIN_SEGMENT_UNITS = 100
#: Metrics for which a fall is the good news.
LOWER_IS_BETTER: frozenset[Metric] = frozenset({"not_for_me_rate"})
_OUTCOMES = ("rec_click", "add_to_cart", "purchase", "rec_dismiss")

Verdict = Literal["better", "worse", "no_clear_difference"]


def _bounded(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class Estimate(BaseModel):
    """Treatment against control on one metric: both values, the difference (treatment -
    control) with its interval, the relative lift with its interval, and the p-value."""

    control: float
    treatment: float
    difference: float
    ci_low: float | None = Field(description="null: unbounded (no estimate of the noise yet)")
    ci_high: float | None
    relative: float | None = Field(description="treatment / control - 1; null when the "
                                               "control is 0")
    relative_ci_low: float | None
    relative_ci_high: float | None
    p_value: float

    @classmethod
    def of(cls, comparison: Comparison) -> Estimate:
        return cls(control=comparison.control, treatment=comparison.treatment,
                   difference=comparison.difference, ci_low=_bounded(comparison.ci_low),
                   ci_high=_bounded(comparison.ci_high),
                   relative=_bounded(comparison.relative),
                   relative_ci_low=_bounded(comparison.relative_ci_low),
                   relative_ci_high=_bounded(comparison.relative_ci_high),
                   p_value=comparison.p_value)


class Adjusted(BaseModel):
    """The CUPED-adjusted comparison and the share of the metric's variance it removed."""

    estimate: Estimate
    variance_reduction: float


class AlwaysValidResult(BaseModel):
    """The always-valid p-value and interval of the difference (safe to read at any time)."""

    p_value: float
    ci_low: float | None
    ci_high: float | None
    looks: int = Field(description="Daily looks (with units in both arms) it was kept over")


class Detectable(BaseModel):
    """The smallest effect the units so far find with ``power``."""

    units_per_arm: int
    power: float
    absolute: float | None
    relative: float | None


class MetricComparison(BaseModel):
    metric: Metric
    role: Literal["primary", "guardrail"]
    arm: str = Field(description="The arm compared with the control")
    method: Literal["two_proportions", "welch", "ratio"]
    lower_is_better: bool
    control_units: int
    treatment_units: int
    fixed: Estimate = Field(description="Fixed-horizon: valid read once, at the planned "
                                        "sample")
    p_holm: float = Field(description="fixed's p-value adjusted across every metric × arm "
                                      "(Holm); the verdict reads this one")
    p_bh: float = Field(description="The same adjusted with Benjamini-Hochberg")
    cuped: Adjusted | None = Field(description="null: no pre-period, or a ratio metric")
    always_valid: AlwaysValidResult
    detectable: Detectable
    verdict: Verdict
    guardrail_breached: bool


class ArmUnits(BaseModel):
    key: str
    name: str
    control: bool
    planned_share: float
    observed_share: float | None = Field(description="null before any unit was measured")
    units: int
    expected_units: float


class SampleRatio(BaseModel):
    chi_square: float
    p_value: float
    flagged: bool = Field(description=f"p < {SRM_ALPHA}: the split is broken; trust no "
                                      f"figure until the cause is found")


class SegmentArm(BaseModel):
    arm: str
    units: int
    value: float


class SegmentComparison(BaseModel):
    arm: str
    estimate: Estimate


class SegmentBreakdown(BaseModel):
    segment: str
    name: str
    arms: list[SegmentArm]
    comparisons: list[SegmentComparison] = Field(description="Unadjusted; for exploring")


class AnonymousArm(BaseModel):
    """An arm's totals of units measured without tracking consent: counts per render, not
    per unit, so no unit-level test is made on them."""

    arm: str
    renders: int
    outcomes: dict[str, int] = Field(description="Events by kind: rec_click, add_to_cart, "
                                                 "purchase, rec_dismiss")
    revenue: float
    per_render: dict[str, float | None] = Field(description="Each outcome per render; null "
                                                            "without renders")


class ExperimentResults(BaseModel):
    key: str
    name: str
    kind: Kind
    status: Status
    started_at: datetime | None
    stopped_at: datetime | None
    measured_until: datetime | None = Field(description="The stop, or now while it runs; "
                                                        "null before it started")
    alpha: float
    currency: str
    primary_metric: Metric
    guardrails: list[Metric]
    pre_period_days: int
    units: int = Field(description="Units measured, each in one arm")
    excluded_units: int = Field(description="Units exposed to more than one arm, left out")
    arms: list[ArmUnits]
    srm: SampleRatio
    comparisons: list[MetricComparison]
    min_segment_units: int
    segments: list[SegmentBreakdown]
    anonymous: list[AnonymousArm]


def _direction(metric: Metric, difference: float) -> Verdict:
    if difference == 0.0:
        return "no_clear_difference"
    up = difference > 0.0
    return "better" if up != (metric in LOWER_IS_BETTER) else "worse"


def _comparisons(row: Experiment, arms: list[ExperimentArm], units: ExperimentUnits,
                 outcomes: Outcomes, *, alpha: float) -> list[MetricComparison]:
    control = next(i for i, arm in enumerate(arms) if arm.control)
    before = units.before() if row.pre_period_days > 0 else None
    looks = snapshots(units, look_times(row.started_at, units.end)
                      if row.started_at is not None else [units.end])
    metrics: list[tuple[Metric, Literal["primary", "guardrail"]]] = [
        (row.primary_metric, "primary")]  # type: ignore[list-item]
    metrics += [(m, "guardrail") for m in row.guardrails]  # type: ignore[misc]
    found: list[tuple[Metric, Literal["primary", "guardrail"], str, Comparison,
                      Adjusted | None, AlwaysValidResult, Detectable, int, int]] = []
    for metric, role in metrics:
        adjusted = (cuped(outcomes.values(metric), before.values(metric))
                    if before is not None and metric_kind(metric) != "ratio" else None)
        for i, arm in enumerate(arms):
            if i == control:
                continue
            mine, theirs = units.arm == i, units.arm == control
            fixed = compare(metric, outcomes, control=theirs, treatment=mine, alpha=alpha)
            reduced = None if adjusted is None else Adjusted(
                estimate=Estimate.of(compare_adjusted(adjusted, control=theirs,
                                                      treatment=mine, alpha=alpha)),
                variance_reduction=adjusted.variance_reduction)
            kept, counted = sequential(metric, looks, arm=units.arm, control=control,
                                       treatment=i, alpha=alpha)
            mde = detectable(metric, outcomes, fixed, control=theirs, treatment=mine,
                             alpha=alpha)
            found.append((metric, role, arm.key, fixed, reduced,
                          AlwaysValidResult(p_value=kept.p_value, ci_low=_bounded(kept.ci_low),
                                            ci_high=_bounded(kept.ci_high), looks=counted),
                          Detectable(units_per_arm=mde.units_per_arm, power=PLANNED_POWER,
                                     absolute=_bounded(mde.absolute),
                                     relative=_bounded(mde.relative)),
                          int(theirs.sum()), int(mine.sum())))
    p_values = [item[3].p_value for item in found]
    by_holm, by_bh = holm(p_values), benjamini_hochberg(p_values)
    answer = []
    for (metric, role, arm_key, fixed, reduced, kept_result, mde_result, n_control,
         n_treatment), p_holm, p_bh in zip(found, by_holm, by_bh, strict=True):
        direction = _direction(metric, fixed.difference)
        answer.append(MetricComparison(
            metric=metric, role=role, arm=arm_key,
            method=fixed.method,
            lower_is_better=metric in LOWER_IS_BETTER, control_units=n_control,
            treatment_units=n_treatment, fixed=Estimate.of(fixed), p_holm=p_holm, p_bh=p_bh,
            cuped=reduced, always_valid=kept_result, detectable=mde_result,
            verdict=direction if p_holm < alpha else "no_clear_difference",
            guardrail_breached=(role == "guardrail" and fixed.p_value < alpha
                                and direction == "worse")))
    return answer


def _segments(session: Session, row: Experiment, arms: list[ExperimentArm],
              units: ExperimentUnits, outcomes: Outcomes, *, alpha: float
              ) -> list[SegmentBreakdown]:
    position = {unit: i for i, unit in enumerate(units.units)}
    members: dict[tuple[str, str], list[int]] = {}
    for key, name, customer in session.execute(
            select(Segment.key, Segment.name, SegmentMember.customer_id)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .join(ExperimentExposure, and_(ExperimentExposure.unit_id == SegmentMember.customer_id,
                                           ExperimentExposure.experiment_id == row.id))
            .order_by(Segment.key)):
        index = position.get(customer)
        if index is not None:
            members.setdefault((key, name), []).append(index)
    control = next(i for i, arm in enumerate(arms) if arm.control)
    metric: Metric = row.primary_metric  # type: ignore[assignment]
    values = outcomes.values(metric)
    breakdowns = []
    for (key, name), indexes in members.items():
        inside = np.zeros(len(units.units), dtype=bool)
        inside[indexes] = True
        counts = np.bincount(units.arm[inside], minlength=len(arms))
        if int(counts.min()) < MIN_SEGMENT_UNITS:
            continue
        per_arm = []
        for i, arm in enumerate(arms):
            mask = inside & (units.arm == i)
            value = (float(outcomes.revenue[mask].sum() / outcomes.orders[mask].sum())
                     if metric_kind(metric) == "ratio" and outcomes.orders[mask].sum() > 0
                     else 0.0 if metric_kind(metric) == "ratio"
                     else float(values[mask].mean()))
            per_arm.append(SegmentArm(arm=arm.key, units=int(counts[i]), value=value))
        breakdowns.append(SegmentBreakdown(
            segment=key, name=name, arms=per_arm,
            comparisons=[SegmentComparison(arm=arm.key, estimate=Estimate.of(compare(
                metric, outcomes, control=inside & (units.arm == control),
                treatment=inside & (units.arm == i), alpha=alpha)))
                for i, arm in enumerate(arms) if i != control]))
    return breakdowns


def _anonymous(session: Session, row: Experiment, arms: list[ExperimentArm]
               ) -> list[AnonymousArm]:
    totals: dict[tuple[str, str], tuple[int, float]] = {
        (arm, metric): (int(count or 0), float(amount or 0.0))
        for arm, metric, count, amount in session.execute(
            select(ExperimentTally.arm_key, ExperimentTally.metric,
                   func.sum(ExperimentTally.count), cast(func.sum(ExperimentTally.amount), Float))
            .where(ExperimentTally.experiment_id == row.id)
            .group_by(ExperimentTally.arm_key, ExperimentTally.metric))}
    if not totals:
        return []
    answer = []
    for arm in arms:
        renders = totals.get((arm.key, RENDERS), (0, 0.0))[0]
        outcomes = {name: totals.get((arm.key, name), (0, 0.0))[0] for name in _OUTCOMES}
        answer.append(AnonymousArm(
            arm=arm.key, renders=renders, outcomes=outcomes,
            revenue=totals.get((arm.key, "purchase"), (0, 0.0))[1],
            per_render={name: count / renders if renders else None
                        for name, count in outcomes.items()}))
    return answer


def _arm_units(arms: list[ExperimentArm], units: ExperimentUnits) -> list[ArmUnits]:
    counts = units.counts()
    total = sum(counts)
    share_sum = math.fsum(arm.share for arm in arms)
    return [ArmUnits(key=arm.key, name=arm.name, control=arm.control,
                     planned_share=arm.share / share_sum,
                     observed_share=count / total if total else None, units=count,
                     expected_units=total * arm.share / share_sum)
            for arm, count in zip(arms, counts, strict=True)]


def experiment_results(session: Session, key: str, *, settings: Settings,
                       now: datetime | None = None, alpha: float = 0.05) -> ExperimentResults:
    """The results of experiment ``key`` as of ``now`` (``NotFound`` when there is none; a
    draft answers with no units). ``alpha`` must lie in (0, 0.5] (``ValueError``).

    >>> # experiment_results(session, "home-diversity", settings=s).comparisons[0].verdict
    >>> # -> 'better'
    """
    alpha = check_alpha(alpha)
    row = session.scalar(select(Experiment).where(Experiment.key == key))
    if row is None:
        raise NotFound(f"there is no experiment {key!r}")
    arms = list(session.scalars(select(ExperimentArm).where(ExperimentArm.experiment_id == row.id)
                                .order_by(ExperimentArm.position)))
    now = now or utcnow()
    end = row.stopped_at or now
    units = measure(session, experiment_id=row.id, arm_keys=tuple(a.key for a in arms),
                    pre_period_days=row.pre_period_days, end=end)
    check = srm(units.counts(), [arm.share for arm in arms])
    outcomes = units.during()
    return ExperimentResults(
        key=row.key, name=row.name, kind=row.kind,
        status=row.status,
        started_at=row.started_at, stopped_at=row.stopped_at,
        measured_until=end if row.started_at is not None else None, alpha=alpha,
        currency=settings.shop_currency,
        primary_metric=row.primary_metric,
        guardrails=list(row.guardrails), pre_period_days=row.pre_period_days,
        units=len(units.units), excluded_units=units.excluded, arms=_arm_units(arms, units),
        srm=SampleRatio(chi_square=check.chi_square, p_value=check.p_value,
                        flagged=check.flagged),
        comparisons=_comparisons(row, arms, units, outcomes, alpha=alpha),
        min_segment_units=MIN_SEGMENT_UNITS,
        segments=_segments(session, row, arms, units, outcomes, alpha=alpha),
        anonymous=_anonymous(session, row, arms))

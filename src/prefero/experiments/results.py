"""An experiment's results, as the API and the dashboard show them.

Per arm: the units measured (planned against observed share) and the sample-ratio check,
which, when flagged, says that no figure below can be trusted. For the primary metric and
each guardrail, each arm against the control:

- the fixed-horizon test (valid when read once, at the planned sample) with its interval and
  the relative lift's; its p-value adjusted with Holm and with Benjamini-Hochberg within its
  family. There are two families: the primary metric across the arms, and the guardrails
  (every guardrail × arm); a guardrail never dilutes the primary verdict;
- the same test on CUPED-adjusted values (the pre-period's metric as covariate) and the
  share of the variance that removed;
- the always-valid p-value and interval, safe to read at any time: recomputed at every daily
  look since the start, so no state is kept between readings; its p-value Holm-adjusted in
  the same families;
- a verdict (``better``, ``worse``, ``no_clear_difference``; lower is better for
  ``not_for_me_rate``). While the experiment runs it rests on the always-valid p-value,
  since it is read again and again; once it is stopped, on the fixed-horizon one, read once
  (``verdict_basis`` says which). A guardrail that got significantly worse, on the same
  basis's own unadjusted p-value, is flagged: missing a harm costs more than a second look.

Then the primary metric per segment (the segments the units are in now, where every arm
has ``MIN_SEGMENT_UNITS``; unadjusted, for exploring; a segment defined on behaviour, which
the treatment may have changed, is left out), the anonymous per-arm totals of shoppers
without tracking consent (intention to treat: everyone an arm's share places, shown it or
not; compared with the control per share of shoppers, never per render; no test), and the
effect the units so far can detect, planned at the level the verdict uses
(``alpha / (arms - 1)`` for the primary metric).

The experiments' list needs less: :func:`experiment_summary` gives the split check, the
primary verdicts and the guardrail breaches, without CUPED, segments, anonymous totals or
detectable effects.

Every interval end that is unbounded (no estimate of the noise yet) is ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, NotFound
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
from prefero.experiments.metrics import ExperimentUnits, Outcomes, measure, metric_kind
from prefero.experiments.models import (
    Experiment,
    ExperimentArm,
    ExperimentExposure,
)
from prefero.experiments.multiplicity import benjamini_hochberg, holm
from prefero.experiments.power import comparison_alpha
from prefero.experiments.schemas import Kind, Metric, Status
from prefero.experiments.sequential import AlwaysValid
from prefero.experiments.srm import SRM_ALPHA, srm
from prefero.experiments.stats import Comparison
from prefero.experiments.tallies import AnonymousArm, anonymous_totals
from prefero.segments.conditions import Behaviour, Rfm, leaves, parse_condition
from prefero.segments.models import Segment, SegmentMember

__all__ = [
    "LOWER_IS_BETTER",
    "MIN_SEGMENT_UNITS",
    "SEGMENTS_NOW",
    "AnonymousArm",
    "ArmUnits",
    "Basis",
    "Estimate",
    "ExperimentResults",
    "ExperimentSummary",
    "Judgement",
    "MetricComparison",
    "Reading",
    "experiment_results",
    "experiment_summary",
    "judge",
    "verdict_basis",
]

#: Units a segment needs in every arm before its breakdown is shown.
MIN_SEGMENT_UNITS = 100
#: Metrics for which a fall is the good news.
LOWER_IS_BETTER: frozenset[Metric] = frozenset({"not_for_me_rate"})

Verdict = Literal["better", "worse", "no_clear_difference"]
Role = Literal["primary", "guardrail"]
#: What a verdict rests on: the always-valid p-value while the experiment runs (read at any
#: time), the fixed-horizon one once it is stopped (read once, at the sample it reached).
Basis = Literal["always_valid", "fixed_horizon"]
#: The caveat of the segment breakdowns, wherever they are shown.
SEGMENTS_NOW = ("The segments the units are in now; a segment the treatment changes is not "
                "a fair comparison. Segments defined on behaviour (events or purchases of "
                "the last days, which the treatment may have changed) are left out.")


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
    p_holm: float = Field(description="p_value adjusted with Holm within its family (the "
                                      "primary metric across the arms, or the guardrails); "
                                      "the verdict reads this one while the experiment runs")
    ci_low: float | None
    ci_high: float | None
    looks: int = Field(description="Daily looks (with units in both arms) it was kept over")


class Detectable(BaseModel):
    """The smallest effect the units so far find with ``power``, by the fixed-horizon test
    at ``alpha``."""

    units_per_arm: int
    power: float
    alpha: float = Field(description="The level it is planned at: the primary metric's "
                                     "alpha / (arms - 1), Holm's strictest step over the "
                                     "arms (Bonferroni, so conservative); a guardrail's "
                                     "alpha, as its breach is read unadjusted")
    absolute: float | None
    relative: float | None


class MetricComparison(BaseModel):
    metric: Metric
    role: Role
    arm: str = Field(description="The arm compared with the control")
    method: Literal["two_proportions", "welch", "ratio"]
    lower_is_better: bool
    control_units: int
    treatment_units: int
    fixed: Estimate = Field(description="Fixed-horizon: valid read once, at the planned "
                                        "sample")
    p_holm: float = Field(description="fixed's p-value adjusted with Holm within its family "
                                      "(the primary metric across the arms, or the "
                                      "guardrails: every guardrail × arm); the verdict "
                                      "reads this one once the experiment is stopped")
    p_bh: float = Field(description="The same adjusted with Benjamini-Hochberg")
    cuped: Adjusted | None = Field(description="null: no pre-period, or a ratio metric")
    always_valid: AlwaysValidResult
    detectable: Detectable
    verdict: Verdict = Field(description="By verdict_basis: always_valid.p_holm while it "
                                         "runs, p_holm once stopped")
    guardrail_breached: bool = Field(description="A guardrail significantly worse on the "
                                                 "basis's unadjusted p-value")


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
    """The primary metric within one segment; see ``ExperimentResults.segments``."""

    segment: str
    name: str
    arms: list[SegmentArm]
    comparisons: list[SegmentComparison] = Field(description="Unadjusted; for exploring")


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
    verdict_basis: Basis = Field(description="always_valid while the experiment runs (or is "
                                             "a draft), fixed_horizon once it is stopped")
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
    segments: list[SegmentBreakdown] = Field(description=SEGMENTS_NOW)
    anonymous: list[AnonymousArm]


def _direction(metric: Metric, difference: float) -> Verdict:
    if difference == 0.0:
        return "no_clear_difference"
    up = difference > 0.0
    return "better" if up != (metric in LOWER_IS_BETTER) else "worse"


def verdict_basis(status: Status) -> Basis:
    """What the verdicts of an experiment in ``status`` rest on.

    >>> verdict_basis("running"), verdict_basis("stopped")
    ('always_valid', 'fixed_horizon')
    """
    return "fixed_horizon" if status == "stopped" else "always_valid"


@dataclass(frozen=True)
class Reading:
    """One metric, one arm against the control: the fixed-horizon comparison and the
    always-valid result kept over the looks so far."""

    metric: Metric
    role: Role
    fixed: Comparison
    kept: AlwaysValid


@dataclass(frozen=True)
class Judgement:
    """A reading's adjusted p-values (within its family), verdict and guardrail flag."""

    p_holm: float
    p_bh: float
    always_valid_p_holm: float
    verdict: Verdict
    guardrail_breached: bool


def _adjusted(readings: Sequence[Reading], family: list[int], p_values: list[float]
              ) -> tuple[list[float], list[float]]:
    chosen = [p_values[i] for i in family]
    by_holm, by_bh = holm(chosen), benjamini_hochberg(chosen)
    holm_all, bh_all = [1.0] * len(readings), [1.0] * len(readings)
    for i, p_holm, p_bh in zip(family, by_holm, by_bh, strict=True):
        holm_all[i], bh_all[i] = p_holm, p_bh
    return holm_all, bh_all


def judge(readings: Sequence[Reading], *, basis: Basis, alpha: float) -> list[Judgement]:
    """The verdict of each reading, in order. Two families are adjusted apart with Holm:
    the primary metric across the arms, and the guardrails (every guardrail × arm); a
    verdict reads the ``basis``'s adjusted p-value within its family, a guardrail's breach
    its own unadjusted one.

    >>> from prefero.experiments.stats import two_proportions
    >>> fixed = two_proportions(control_successes=100, control_n=1000,
    ...                         treatment_successes=140, treatment_n=1000)
    >>> kept = AlwaysValid(p_value=0.2, ci_low=-0.01, ci_high=0.09)
    >>> readings = [Reading("conversion", "primary", fixed, kept)]
    >>> [judge(readings, basis=b, alpha=0.05)[0].verdict
    ...  for b in ("always_valid", "fixed_horizon")]
    ['no_clear_difference', 'better']
    """
    alpha = check_alpha(alpha)
    families = [[i for i, r in enumerate(readings) if r.role == role]
                for role in ("primary", "guardrail")]
    fixed_p = [r.fixed.p_value for r in readings]
    kept_p = [r.kept.p_value for r in readings]
    p_holm, p_bh = [1.0] * len(readings), [1.0] * len(readings)
    kept_holm = [1.0] * len(readings)
    for family in families:
        if not family:
            continue
        holm_part, bh_part = _adjusted(readings, family, fixed_p)
        kept_part, _ = _adjusted(readings, family, kept_p)
        for i in family:
            p_holm[i], p_bh[i], kept_holm[i] = holm_part[i], bh_part[i], kept_part[i]
    judged = []
    for i, reading in enumerate(readings):
        direction = _direction(reading.metric, reading.fixed.difference)
        adjusted, own = ((kept_holm[i], kept_p[i]) if basis == "always_valid"
                         else (p_holm[i], fixed_p[i]))
        judged.append(Judgement(
            p_holm=p_holm[i], p_bh=p_bh[i], always_valid_p_holm=kept_holm[i],
            verdict=direction if adjusted < alpha else "no_clear_difference",
            guardrail_breached=(reading.role == "guardrail" and own < alpha
                                and direction == "worse")))
    return judged


def _metrics(row: Experiment) -> list[tuple[Metric, Role]]:
    found: list[tuple[Metric, Role]] = [(row.primary_metric, "primary")]  # type: ignore[list-item]
    found += [(m, "guardrail") for m in row.guardrails]  # type: ignore[misc]
    return found


@dataclass(frozen=True)
class _Measured:
    reading: Reading
    arm: int
    looks: int
    control_units: int
    treatment_units: int


def _readings(row: Experiment, arms: list[ExperimentArm], units: ExperimentUnits,
              outcomes: Outcomes, *, alpha: float) -> list[_Measured]:
    """Each metric × arm's reading (the primary metric first, then the guardrails)."""
    control = next(i for i, arm in enumerate(arms) if arm.control)
    looks = snapshots(units, look_times(row.started_at, units.end,
                                        final=row.status == "stopped")
                      if row.started_at is not None else [units.end])
    found = []
    for metric, role in _metrics(row):
        for i in range(len(arms)):
            if i == control:
                continue
            mine, theirs = units.arm == i, units.arm == control
            fixed = compare(metric, outcomes, control=theirs, treatment=mine, alpha=alpha)
            kept, counted = sequential(metric, looks, arm=units.arm, control=control,
                                       treatment=i, alpha=alpha)
            found.append(_Measured(Reading(metric, role, fixed, kept), i, counted,
                                   int(theirs.sum()), int(mine.sum())))
    return found


def _comparisons(row: Experiment, arms: list[ExperimentArm], units: ExperimentUnits,
                 outcomes: Outcomes, *, alpha: float) -> list[MetricComparison]:
    control = next(i for i, arm in enumerate(arms) if arm.control)
    measured = _readings(row, arms, units, outcomes, alpha=alpha)
    judged = judge([m.reading for m in measured], basis=verdict_basis(row.status),  # type: ignore[arg-type]
                   alpha=alpha)
    before = units.before() if row.pre_period_days > 0 else None
    adjusted = {metric: cuped(outcomes.values(metric), before.values(metric))
                for metric, _ in _metrics(row)
                if before is not None and metric_kind(metric) != "ratio"}
    # The primary verdict adjusts over the arms with Holm: plan its effect at Holm's
    # strictest step, so that "finds X in 80 %" holds for the verdict shown.
    primary_alpha = comparison_alpha(alpha, arms=len(arms))
    answer = []
    for m, judgement in zip(measured, judged, strict=True):
        reading, metric = m.reading, m.reading.metric
        mine, theirs = units.arm == m.arm, units.arm == control
        covariate = adjusted.get(metric)
        reduced = None if covariate is None else Adjusted(
            estimate=Estimate.of(compare_adjusted(covariate, control=theirs, treatment=mine,
                                                  alpha=alpha)),
            variance_reduction=covariate.variance_reduction)
        planned = primary_alpha if reading.role == "primary" else alpha
        mde = detectable(metric, outcomes, reading.fixed, control=theirs, treatment=mine,
                         alpha=planned)
        kept = reading.kept
        answer.append(MetricComparison(
            metric=metric, role=reading.role, arm=arms[m.arm].key,
            method=reading.fixed.method,
            lower_is_better=metric in LOWER_IS_BETTER, control_units=m.control_units,
            treatment_units=m.treatment_units, fixed=Estimate.of(reading.fixed),
            p_holm=judgement.p_holm, p_bh=judgement.p_bh, cuped=reduced,
            always_valid=AlwaysValidResult(p_value=kept.p_value,
                                           p_holm=judgement.always_valid_p_holm,
                                           ci_low=_bounded(kept.ci_low),
                                           ci_high=_bounded(kept.ci_high), looks=m.looks),
            detectable=Detectable(units_per_arm=mde.units_per_arm, power=PLANNED_POWER,
                                  alpha=planned, absolute=_bounded(mde.absolute),
                                  relative=_bounded(mde.relative)),
            verdict=judgement.verdict, guardrail_breached=judgement.guardrail_breached))
    return answer


def _on_behaviour(condition: object) -> bool:
    """Whether a segment's condition reads events (a behaviour or RFM window): what a unit
    did after its exposure, which the treatment may have changed. A condition that no
    longer parses is judged by nothing and kept."""
    try:
        parsed = parse_condition(condition)
    except InvalidInput:
        return False
    return any(isinstance(leaf, Behaviour | Rfm) for leaf in leaves(parsed))


def _segments(session: Session, row: Experiment, arms: list[ExperimentArm],
              units: ExperimentUnits, outcomes: Outcomes, *, alpha: float
              ) -> list[SegmentBreakdown]:
    position = {unit: i for i, unit in enumerate(units.units)}
    # Membership is today's: a segment on behaviour may hold a unit because of what the
    # treatment made it do, which would compare the arms on different shoppers.
    left_out = [segment for segment, condition in session.execute(
        select(Segment.id, Segment.condition)) if _on_behaviour(condition)]
    members: dict[tuple[str, str], list[int]] = {}
    for key, name, customer in session.execute(
            select(Segment.key, Segment.name, SegmentMember.customer_id)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .join(ExperimentExposure, and_(ExperimentExposure.unit_id == SegmentMember.customer_id,
                                           ExperimentExposure.experiment_id == row.id))
            .where(Segment.id.not_in(left_out))
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
    return anonymous_totals(session, row.id, [(a.key, a.share, a.control) for a in arms])


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
    row, arms, units = _measured(session, key, now=now, pre_period=True)
    end = units.end
    check = srm(units.counts(), [arm.share for arm in arms])
    outcomes = units.during()
    return ExperimentResults(
        key=row.key, name=row.name, kind=row.kind,
        status=row.status,
        started_at=row.started_at, stopped_at=row.stopped_at,
        measured_until=end if row.started_at is not None else None, alpha=alpha,
        verdict_basis=verdict_basis(row.status),  # type: ignore[arg-type]
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


def _measured(session: Session, key: str, *, now: datetime | None, pre_period: bool
              ) -> tuple[Experiment, list[ExperimentArm], ExperimentUnits]:
    row = session.scalar(select(Experiment).where(Experiment.key == key))
    if row is None:
        raise NotFound(f"there is no experiment {key!r}")
    arms = list(session.scalars(select(ExperimentArm).where(ExperimentArm.experiment_id == row.id)
                                .order_by(ExperimentArm.position)))
    end = row.stopped_at or now or utcnow()
    units = measure(session, experiment_id=row.id, arm_keys=tuple(a.key for a in arms),
                    pre_period_days=row.pre_period_days if pre_period else 0, end=end)
    return row, arms, units


class ArmVerdict(BaseModel):
    """One arm's verdict on a metric, with what it rests on."""

    metric: Metric
    arm: str
    verdict: Verdict
    difference: float = Field(description="treatment - control")
    relative: float | None
    p_value: float = Field(description="The basis's Holm-adjusted p-value")


class ExperimentSummary(BaseModel):
    """What the experiments' list shows of one experiment: the units, the split check, the
    primary metric's verdict per arm and the guardrails breached."""

    key: str
    status: Status
    units: int
    srm_flagged: bool
    verdict_basis: Basis
    primary: list[ArmVerdict]
    breached: list[ArmVerdict] = Field(description="Guardrails significantly worse")


def experiment_summary(session: Session, key: str, *, now: datetime | None = None,
                       alpha: float = 0.05) -> ExperimentSummary:
    """The part of :func:`experiment_results` the experiments' list shows, computed alone:
    the same verdicts and breaches (same families, same basis), without the pre-period's
    read, CUPED, the detectable effects, the segments or the anonymous totals.

    >>> # experiment_summary(session, "home-diversity").primary[0].verdict -> 'better'
    """
    alpha = check_alpha(alpha)
    row, arms, units = _measured(session, key, now=now, pre_period=False)
    check = srm(units.counts(), [arm.share for arm in arms])
    measured = _readings(row, arms, units, units.during(), alpha=alpha)
    basis = verdict_basis(row.status)  # type: ignore[arg-type]
    judged = judge([m.reading for m in measured], basis=basis, alpha=alpha)
    primary, breached = [], []
    for m, judgement in zip(measured, judged, strict=True):
        fixed = m.reading.fixed
        said = ArmVerdict(metric=m.reading.metric, arm=arms[m.arm].key,
                          verdict=judgement.verdict, difference=fixed.difference,
                          relative=_bounded(fixed.relative),
                          p_value=(judgement.always_valid_p_holm if basis == "always_valid"
                                   else judgement.p_holm))
        if m.reading.role == "primary":
            primary.append(said)
        elif judgement.guardrail_breached:
            breached.append(said)
    return ExperimentSummary(key=row.key, status=row.status, units=len(units.units),
                             srm_flagged=check.flagged, verdict_basis=basis,
                             primary=primary, breached=breached)

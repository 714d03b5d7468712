"""One metric, one arm against the control: the fixed-horizon test, its CUPED-adjusted twin,
the always-valid result over the daily looks, and the effect the units so far can find.

The statistics themselves live in ``stats``, ``cuped``, ``sequential`` and ``power``; this
module only chooses which applies to which metric (a rate: two proportions; revenue per
visitor: Welch; average order value: the delta-method ratio) and feeds it per-unit values
from ``prefero.experiments.metrics``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
from scipy import stats as scipy_stats

from prefero.experiments.cuped import Adjusted
from prefero.experiments.metrics import ExperimentUnits, Outcomes, metric_kind
from prefero.experiments.power import mean_mde, proportion_mde
from prefero.experiments.schemas import Metric
from prefero.experiments.sequential import (
    AlwaysValid,
    always_valid,
    default_mixing_variance,
    running,
    tuning_standard_error,
)
from prefero.experiments.stats import (
    Comparison,
    RatioSummary,
    Summary,
    ratio,
    two_proportions,
    welch,
)

__all__ = ["MAX_LOOKS", "PLANNED_POWER", "TUNING_LOOK_UNITS", "Detectable", "compare",
           "compare_adjusted", "detectable", "look_times", "sequential", "snapshots"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: Looks the always-valid result is recomputed at, at most (one a day, thinned beyond).
MAX_LOOKS = 60
#: The power the minimum detectable effect is stated at.
PLANNED_POWER = 0.8
#: Units each arm needs at a look before that look's noise sets the always-valid mixture
#: (fewer give too rough an estimate of the per-unit variance).
TUNING_LOOK_UNITS = 100


def compare(metric: Metric, outcomes: Outcomes, *, control: BoolArray, treatment: BoolArray,
            alpha: float) -> Comparison:
    """The fixed-horizon test of ``metric`` between the units of two masks.

    >>> # compare("conversion", units.during(), control=arm == 0, treatment=arm == 1,
    >>> #         alpha=0.05).p_value -> 0.003
    """
    kind = metric_kind(metric)
    if kind == "ratio":
        return ratio(control=RatioSummary.of(outcomes.revenue[control],
                                             outcomes.orders[control]),
                     treatment=RatioSummary.of(outcomes.revenue[treatment],
                                               outcomes.orders[treatment]), alpha=alpha)
    values = outcomes.values(metric)
    if kind == "rate":
        return two_proportions(control_successes=int(values[control].sum()),
                               control_n=int(control.sum()),
                               treatment_successes=int(values[treatment].sum()),
                               treatment_n=int(treatment.sum()), alpha=alpha)
    return welch(Summary.of(values[control]), Summary.of(values[treatment]), alpha=alpha)


def compare_adjusted(adjusted: Adjusted, *, control: BoolArray, treatment: BoolArray,
                     alpha: float) -> Comparison:
    """Welch's test on CUPED-adjusted values (``adjusted`` covers every measured unit, in
    ``ExperimentUnits.units``' order; a rate's adjusted values are no longer 0/1)."""
    return welch(Summary.of(adjusted.values[control]), Summary.of(adjusted.values[treatment]),
                 alpha=alpha)


def look_times(start: datetime, end: datetime, *, final: bool = False) -> list[datetime]:
    """The daily looks since ``start`` (a day after it, two days, ...) up to ``end``, and
    ``end`` itself when it is ``final`` (a stopped experiment's last moment) or before the
    first day is over; beyond ``MAX_LOOKS``, that many spread evenly, the last always kept.

    Why not ``end`` while the experiment runs: a reading between two daily looks would add
    a look that the next reading, a day's look later, no longer has, and what it showed
    could go back. On the daily looks alone, a later reading only adds looks.

    >>> from datetime import UTC
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> [d.day for d in look_times(t, t + timedelta(days=2, hours=5))]
    [2, 3]
    >>> [d.day for d in look_times(t, t + timedelta(days=2, hours=5), final=True)]
    [2, 3, 3]
    """
    looks = []
    day = 1
    while start + timedelta(days=day) < end:
        looks.append(start + timedelta(days=day))
        day += 1
    if final or not looks or start + timedelta(days=day) == end:
        looks.append(end)
    if len(looks) > MAX_LOOKS:
        picks = np.linspace(0, len(looks) - 1, MAX_LOOKS).round().astype(int)
        looks = [looks[i] for i in sorted(set(picks.tolist()))]
    return looks


def snapshots(units: ExperimentUnits, looks: Sequence[datetime]
              ) -> list[tuple[BoolArray, Outcomes]]:
    """At each look: which units had been exposed, and their outcomes until then."""
    return [(units.reached(until=at), units.during(until=at)) for at in looks]


def sequential(metric: Metric, looks: Sequence[tuple[BoolArray, Outcomes]], *,
               arm: IntArray, control: int, treatment: int, alpha: float
               ) -> tuple[AlwaysValid, int]:
    """The always-valid p-value and interval of the difference, kept over ``looks`` (from
    :func:`snapshots`: the smallest p, the intersected intervals) and recomputed from the
    events each time, so that nothing needs storing between two readings; with the number
    of looks that had an estimate. ``arm`` is each unit's arm index.

    The mixture's variance is the squared minimum detectable effect of a plan of
    ``TUNING_UNITS`` per arm (experiments here record no plan of their own), at the
    per-unit variance of the first look where both arms have ``TUNING_LOOK_UNITS`` (the
    last look, before one has). Why not the standard error reached so far: it shrinks with
    every look, and a mixture set from it moves the p-value and interval of looks long
    past, so a reading could take back what the one before showed. A look's data do not
    change once it is past, so from that look on the mixture, every earlier look's result
    and the running minimum stay put; a reading only adds looks.
    """
    per_look = [compare(metric, outcomes, control=reached & (arm == control),
                        treatment=reached & (arm == treatment), alpha=alpha)
                for reached, outcomes in looks]
    last = per_look[-1].standard_error
    if not (math.isfinite(last) and last > 0.0):
        return AlwaysValid(p_value=1.0, ci_low=-math.inf, ci_high=math.inf), 0
    sizes = [(int((reached & (arm == control)).sum()), int((reached & (arm == treatment)).sum()))
             for reached, _ in looks]
    tuning = next((n for n, (comparison, size) in enumerate(zip(per_look, sizes, strict=True))
                   if min(size) >= TUNING_LOOK_UNITS
                   and math.isfinite(comparison.standard_error)
                   and comparison.standard_error > 0.0), len(looks) - 1)
    planned = tuning_standard_error(per_look[tuning].standard_error,
                                    control_units=sizes[tuning][0],
                                    treatment_units=sizes[tuning][1])
    mixing = default_mixing_variance(planned, alpha=alpha, power=PLANNED_POWER)
    kept: AlwaysValid | None = None
    counted = 0
    for comparison in per_look:
        if not math.isfinite(comparison.standard_error):
            continue  # no estimate of the noise yet: this look says nothing
        counted += 1
        kept = running(kept, always_valid(difference=comparison.difference,
                                          standard_error=comparison.standard_error,
                                          alpha=alpha, mixing_variance=mixing))
    assert kept is not None  # the last look is informative
    return kept, counted


@dataclass(frozen=True)
class Detectable:
    """The smallest effect the units reached so far find with ``PLANNED_POWER``: absolute
    (the metric's own unit) and relative to the control (``None`` where the control is 0)."""

    units_per_arm: int
    absolute: float | None
    relative: float | None


def detectable(metric: Metric, outcomes: Outcomes, fixed: Comparison, *, control: BoolArray,
               treatment: BoolArray, alpha: float) -> Detectable:
    """The minimum detectable effect at the smaller arm's units (``None`` where the data
    give no estimate yet: fewer than two units, a rate of 0 or 1, no variation).

    >>> # detectable("conversion", outcomes, fixed, control=..., treatment=...,
    >>> #            alpha=0.05).relative -> 0.227
    """
    units = int(min(control.sum(), treatment.sum()))
    base = fixed.control
    absolute: float | None = None
    try:
        kind = metric_kind(metric)
        if kind == "rate":
            lift = proportion_mde(base_rate=base, units_per_arm=units, alpha=alpha,
                                  power=PLANNED_POWER)
            return Detectable(units_per_arm=units, absolute=base * lift, relative=lift)
        if kind == "mean":
            values = outcomes.values(metric)
            spread = math.sqrt((Summary.of(values[control]).variance
                                + Summary.of(values[treatment]).variance) / 2.0)
            absolute = mean_mde(standard_deviation=spread, units_per_arm=units, alpha=alpha,
                                power=PLANNED_POWER)
        elif math.isfinite(fixed.standard_error):
            # A ratio has no closed-form planner: its MDE is the design's multiple of the
            # standard error the delta method gave.
            critical = float(scipy_stats.norm.isf(alpha / 2.0)
                             + scipy_stats.norm.ppf(PLANNED_POWER))
            absolute = critical * fixed.standard_error
    except ValueError:
        return Detectable(units_per_arm=units, absolute=None, relative=None)
    relative = absolute / abs(base) if absolute is not None and base != 0.0 else None
    return Detectable(units_per_arm=units, absolute=absolute, relative=relative)

"""What the simulation reads of a run's real results (``prefero.experiments.results``): the
primary metric's fixed-horizon p-value, its always-valid p-value over the daily looks, the
share of its variance CUPED removed, and the sample-ratio check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from prefero.experiments.results import ExperimentResults, experiment_results
from prefero.runtime import Runtime

__all__ = ["Judgement", "judge", "judgement_of"]


@dataclass(frozen=True)
class Judgement:
    """The run's primary metric, control first: units, converted units, p-values."""

    units: tuple[int, int]
    conversions: tuple[int, int]
    p_value: float
    always_valid_p: float | None
    cuped_reduction: float | None
    srm_p: float
    srm_flagged: bool


def judgement_of(results: ExperimentResults) -> Judgement:
    """The judgement of results (as the service answers them, or the API's JSON parsed).

    >>> # judgement_of(experiment_results(session, "x", settings=s)).p_value -> 0.41
    """
    primary = next(c for c in results.comparisons if c.role == "primary")
    units = (primary.control_units, primary.treatment_units)
    return Judgement(
        units=units,
        conversions=(round(primary.fixed.control * units[0]),
                     round(primary.fixed.treatment * units[1])),
        # The design's test is the primary metric's own: with no guardrails its Holm
        # adjustment changes nothing, and the simulation sets none.
        p_value=primary.fixed.p_value, always_valid_p=primary.always_valid.p_value,
        cuped_reduction=(primary.cuped.variance_reduction if primary.cuped is not None
                         else None),
        srm_p=results.srm.p_value, srm_flagged=results.srm.flagged)


def judge(session: Session, key: str, *, runtime: Runtime, alpha: float,
          now: datetime | None = None) -> Judgement:
    """The judgement of experiment ``key``'s results as of ``now``."""
    return judgement_of(experiment_results(session, key, settings=runtime.settings, now=now,
                                           alpha=alpha))

"""The comparisons layer read as a shop reads it, every day while an A/A experiment runs:
the verdict (on the always-valid p-value while it runs) shows a difference in no more than
about alpha of the runs, where the fixed-horizon p-value read the same way would in a
quarter of them; and the always-valid p-value shown does not go back up from one reading to
the next (its mixture is fixed, not taken from the shrinking standard error)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from prefero.experiments.comparisons import compare, look_times, sequential
from prefero.experiments.metrics import RATE_METRICS, Outcomes
from prefero.experiments.results import Reading, judge

START = datetime(2026, 11, 1, tzinfo=UTC)
RUNS, UNITS, DAYS, RATE, ALPHA = 200, 2000, 14, 0.10, 0.05
KINDS = ("rec_click", "add_to_cart", "purchase", "refund", "rec_dismiss")


def _outcomes(converted_at: npt.NDArray[np.float64], at: datetime) -> Outcomes:
    bought = (converted_at < at.timestamp()).astype(np.int64)
    none = np.zeros(bought.size, dtype=np.int64)
    return Outcomes(counts={kind: bought if kind == RATE_METRICS["conversion"] else none
                            for kind in KINDS},
                    revenue=np.zeros(bought.size), orders=none)


@cache
def _daily_readings(hours: int) -> tuple[list[list[str]], list[list[bool]], list[list[float]]]:
    """Per run and reading (a day after the start, plus ``hours``, then each day): the
    verdict the results would show, whether the fixed-horizon p was below alpha, and the
    always-valid p shown. Units join evenly over the days; a tenth convert within a day."""
    rng = np.random.default_rng(2026)
    verdicts: list[list[str]] = []
    fixed_hits: list[list[bool]] = []
    shown: list[list[float]] = []
    for _ in range(RUNS):
        arm = (rng.random(UNITS) < 0.5).astype(np.int64)
        first = START.timestamp() + rng.random(UNITS) * DAYS * 86_400
        converted_at = np.where(rng.random(UNITS) < RATE,
                                first + rng.random(UNITS) * 86_400, np.inf)
        looks: dict[datetime, tuple[npt.NDArray[np.bool_], Outcomes]] = {}
        run_verdicts: list[str] = []
        run_hits: list[bool] = []
        run_shown: list[float] = []
        for day in range(1, DAYS + 1):
            now = START + timedelta(days=day, hours=hours)
            for at in [*look_times(START, now), now]:
                looks.setdefault(at, (first < at.timestamp(), _outcomes(converted_at, at)))
            kept, _ = sequential("conversion", [looks[at] for at in look_times(START, now)],
                                 arm=arm, control=0, treatment=1, alpha=ALPHA)
            reached, outcomes = looks[now]
            fixed = compare("conversion", outcomes, control=reached & (arm == 0),
                            treatment=reached & (arm == 1), alpha=ALPHA)
            (judged,) = judge([Reading("conversion", "primary", fixed, kept)],
                              basis="always_valid", alpha=ALPHA)
            run_verdicts.append(judged.verdict)
            run_hits.append(fixed.p_value < ALPHA)
            run_shown.append(kept.p_value)
        verdicts.append(run_verdicts)
        fixed_hits.append(run_hits)
        shown.append(run_shown)
    return verdicts, fixed_hits, shown


def test_an_a_a_experiment_read_daily_shows_a_verdict_in_at_most_alpha_of_runs() -> None:
    verdicts, fixed_hits, _ = _daily_readings(6)
    shown = np.mean([any(v != "no_clear_difference" for v in run) for run in verdicts])
    assert shown <= ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / RUNS)
    # The fixed-horizon p-value read at the same readings: what the verdict must not rest
    # on while the experiment runs.
    assert np.mean([any(run) for run in fixed_hits]) > 0.15


def test_the_always_valid_p_shown_does_not_go_back_up_between_readings() -> None:
    # Read between two daily looks: the moment of the reading is no look of its own.
    _, _, shown = _daily_readings(6)
    risen = [any(later > earlier for earlier, later in pairwise(run))
             for run in shown]
    # Only the first readings may move, before the arms have the units that fix the
    # mixture (``TUNING_LOOK_UNITS``).
    assert np.mean(risen) <= 0.05
    assert np.mean([min(run) < 1.0 for run in shown]) > 0.2  # the p-values do move

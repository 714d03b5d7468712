"""CUPED: theta is the least-squares slope (statsmodels' OLS on the same data), the variance
removed is the squared correlation, the adjustment keeps the arms' difference unbiased
while shrinking its spread, and a useless covariate changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from prefero.experiments.cuped import cuped
from prefero.experiments.stats import Summary, welch


def _shop(seed: int, units: int, *, effect: float) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray]:
    """Pre-period spend, in-experiment spend (correlated with it) and the arm of each unit."""
    rng = np.random.default_rng(seed)
    before = rng.gamma(2.0, 25.0, size=units)
    arm = rng.integers(0, 2, size=units)
    after = 0.8 * before + rng.normal(10.0, 15.0, size=units) + effect * arm
    return after, before, arm


def test_theta_is_the_least_squares_slope() -> None:
    after, before, _ = _shop(1, 500, effect=2.0)
    adjusted = cuped(after, before)
    fit = sm.OLS(after, sm.add_constant(before)).fit()
    assert adjusted.theta == pytest.approx(fit.params[1], rel=1e-9)
    # 1 - var(adjusted) / var(outcome) is the R^2 of that regression.
    assert adjusted.variance_reduction == pytest.approx(fit.rsquared, rel=1e-9)
    assert adjusted.variance_reduction == pytest.approx(
        np.corrcoef(after, before)[0, 1] ** 2, rel=1e-9)
    assert adjusted.values.mean() == pytest.approx(after.mean(), rel=1e-12)
    assert adjusted.values == pytest.approx(after - adjusted.theta * (before - before.mean()))


def test_the_difference_stays_unbiased_and_its_spread_shrinks() -> None:
    effect, raw, adjusted = 3.0, [], []
    for seed in range(400):
        after, before, arm = _shop(seed, 400, effect=effect)
        values = cuped(after, before).values
        raw.append(after[arm == 1].mean() - after[arm == 0].mean())
        adjusted.append(values[arm == 1].mean() - values[arm == 0].mean())
    spread = float(np.std(adjusted, ddof=1))
    assert abs(float(np.mean(adjusted)) - effect) < 3 * spread / np.sqrt(len(adjusted))
    assert spread < 0.6 * float(np.std(raw, ddof=1))


def test_a_cuped_comparison_has_a_smaller_standard_error() -> None:
    after, before, arm = _shop(9, 2000, effect=3.0)
    values = cuped(after, before).values
    plain = welch(Summary.of(after[arm == 0]), Summary.of(after[arm == 1]))
    reduced = welch(Summary.of(values[arm == 0]), Summary.of(values[arm == 1]))
    assert reduced.standard_error < 0.6 * plain.standard_error
    assert reduced.p_value < plain.p_value


@pytest.mark.parametrize(("outcome", "covariate"), [
    ([1.0, 5.0, 2.0], [3.0, 3.0, 3.0]), ([4.0], [1.0]), ([], [])])
def test_a_covariate_without_variation_changes_nothing(outcome: list[float],
                                                       covariate: list[float]) -> None:
    adjusted = cuped(outcome, covariate)
    assert (adjusted.theta, adjusted.variance_reduction) == (0.0, 0.0)
    assert adjusted.values.tolist() == outcome


def test_a_constant_outcome_has_nothing_to_reduce() -> None:
    adjusted = cuped([2.0, 2.0, 2.0], [1.0, 5.0, 3.0])
    assert (adjusted.theta, adjusted.variance_reduction) == (0.0, 0.0)
    assert adjusted.values.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(("outcome", "covariate", "message"), [
    ([1.0, 2.0], [1.0], "one value per unit"),
    ([1.0, float("nan")], [1.0, 2.0], "outcome must hold finite numbers only"),
    ([1.0, 2.0], [float("inf"), 2.0], "covariate must hold finite numbers only"),
    ([[1.0, 2.0]], [[1.0, 2.0]], "outcome must be a flat sequence"),
])
def test_bad_input_is_refused(outcome: object, covariate: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cuped(outcome, covariate)  # type: ignore[arg-type]

"""Power, minimum detectable effect and sample size: statsmodels' NormalIndPower for means,
a formula written out here for rates (statsmodels' Cohen's h route is reported beside it),
each inverse consistent with the power it inverts, and clear refusals of bad arguments."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.power import NormalIndPower, zt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from prefero.experiments.power import (
    Design,
    comparison_alpha,
    mean_mde,
    mean_power,
    mean_sample_size,
    proportion_mde,
    proportion_power,
    proportion_sample_size,
)


def direct_rate_power(base: float, lift: float, units: int, alpha: float) -> float:
    """The two-sided two-proportion z-test's power, unpooled variance under the alternative."""
    treated = base * (1 + lift)
    error = math.sqrt((base * (1 - base) + treated * (1 - treated)) / units)
    z = scipy_stats.norm.ppf(1 - alpha / 2)
    shift = abs(treated - base) / error
    return float(scipy_stats.norm.cdf(shift - z) + scipy_stats.norm.cdf(-shift - z))


RATE_CASES = [(0.1, 0.2, 3000, 0.05), (0.1, 0.05, 20_000, 0.05), (0.02, 0.1, 50_000, 0.01),
              (0.3, 0.1, 3000, 0.1), (0.05, 0.5, 2000, 0.05), (0.1, -0.2, 3000, 0.05)]


@pytest.mark.parametrize(("base", "lift", "units", "alpha"), RATE_CASES)
def test_proportion_power_equals_the_formula(base: float, lift: float, units: int,
                                             alpha: float) -> None:
    ours = proportion_power(base_rate=base, relative_lift=lift, units_per_arm=units,
                            alpha=alpha)
    assert ours == pytest.approx(direct_rate_power(base, lift, units, alpha), rel=1e-9)
    # statsmodels goes through Cohen's h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1)), whose
    # variance 2/n is the arcsine transform's delta-method approximation of the unpooled
    # variance used here: the two agree to first order in the lift and differ by 0.0004
    # (0.6978 there, 0.6974 here, for the case below) up to 0.002 at a +50 % lift.
    effect = proportion_effectsize(base * (1 + lift), base)
    theirs = NormalIndPower().power(effect, nobs1=units, alpha=alpha, ratio=1.0)
    assert ours == pytest.approx(theirs, abs=0.005)


def test_the_planning_example_of_the_issue() -> None:
    power = proportion_power(base_rate=0.1, relative_lift=0.2, units_per_arm=3000)
    assert power == pytest.approx(0.6974, abs=1e-4)


@pytest.mark.parametrize(("deviation", "difference", "units", "alpha"), [
    (20.0, 2.0, 1000, 0.05), (1.0, 0.05, 5000, 0.01), (3.0, -0.4, 400, 0.2)])
def test_mean_power_equals_statsmodels(deviation: float, difference: float, units: int,
                                       alpha: float) -> None:
    ours = mean_power(standard_deviation=deviation, difference=difference,
                      units_per_arm=units, alpha=alpha)
    theirs = NormalIndPower().power(abs(difference) / deviation, nobs1=units, alpha=alpha,
                                    ratio=1.0)
    assert ours == pytest.approx(theirs, rel=1e-9)


@pytest.mark.parametrize(("units", "alpha", "power"), [
    (1000, 0.05, 0.8), (250, 0.01, 0.9), (40_000, 0.1, 0.5)])
def test_mean_mde_inverts_the_power(units: int, alpha: float, power: float) -> None:
    mde = mean_mde(standard_deviation=20.0, units_per_arm=units, alpha=alpha, power=power)
    assert mean_power(standard_deviation=20.0, difference=mde, units_per_arm=units,
                      alpha=alpha) == pytest.approx(power, rel=1e-9)
    # statsmodels' power at our MDE is the target exactly: the same method.
    assert NormalIndPower().power(mde / 20.0, nobs1=units, alpha=alpha,
                                  ratio=1.0) == pytest.approx(power, rel=1e-9)
    # Its own solve_power stops early (its answer's power is off by up to 6e-5 here), so
    # its MDE is only close.
    effect = NormalIndPower().solve_power(nobs1=units, alpha=alpha, power=power, ratio=1.0)
    assert mde == pytest.approx(20.0 * effect, rel=1e-3)


@pytest.mark.parametrize(("deviation", "difference", "alpha", "power"), [
    (20.0, 2.0, 0.05, 0.8), (1.0, 0.01, 0.05, 0.9), (5.0, 3.0, 0.01, 0.8)])
def test_mean_sample_size_is_the_smallest_that_reaches_the_power(
        deviation: float, difference: float, alpha: float, power: float) -> None:
    units = mean_sample_size(standard_deviation=deviation, difference=difference,
                             alpha=alpha, power=power)
    theirs = zt_ind_solve_power(effect_size=difference / deviation, alpha=alpha, power=power,
                                ratio=1.0)
    assert units == math.ceil(theirs)
    assert mean_power(standard_deviation=deviation, difference=difference,
                      units_per_arm=units, alpha=alpha) >= power
    assert mean_power(standard_deviation=deviation, difference=difference,
                      units_per_arm=units - 1, alpha=alpha) < power


def test_a_huge_effect_needs_the_minimum_of_two_units() -> None:
    assert mean_sample_size(standard_deviation=1.0, difference=100.0) == 2


@settings(max_examples=100, deadline=None)
@given(st.floats(0.005, 0.6), st.floats(0.02, 0.6), st.sampled_from([0.01, 0.05, 0.1]),
       st.sampled_from([0.5, 0.8, 0.9]), st.booleans())
def test_proportion_sample_size_is_the_smallest_that_reaches_the_power(
        base: float, lift: float, alpha: float, power: float, down: bool) -> None:
    lift = -lift if down else lift
    units = proportion_sample_size(base_rate=base, relative_lift=lift, alpha=alpha,
                                   power=power)
    assert direct_rate_power(base, lift, units, alpha) >= power
    if units > 2:
        assert direct_rate_power(base, lift, units - 1, alpha) < power


def test_proportion_sample_size_beside_statsmodels() -> None:
    units = proportion_sample_size(base_rate=0.1, relative_lift=0.2)
    assert units == 3839
    # Cohen's h asks for 3,835: the 0.1 % gap of the two variance approximations above.
    effect = proportion_effectsize(0.12, 0.1)
    theirs = NormalIndPower().solve_power(effect, alpha=0.05, power=0.8, ratio=1.0)
    assert units == pytest.approx(theirs, rel=0.01)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.005, 0.9), st.integers(50, 10**6), st.sampled_from([0.01, 0.05]),
       st.sampled_from([0.5, 0.8, 0.95]))
def test_proportion_mde_inverts_the_power(base: float, units: int, alpha: float,
                                          power: float) -> None:
    try:
        lift = proportion_mde(base_rate=base, units_per_arm=units, alpha=alpha, power=power)
    except ValueError as error:
        # Only when even a rate of 1 would not be found: few units on a high base rate.
        assert "no lift reaches" in str(error)
        assert direct_rate_power(base, (1 - 1e-9) / base - 1, units, alpha) < power
        return
    assert lift > 0
    assert direct_rate_power(base, lift, units, alpha) == pytest.approx(power, rel=1e-7)


def test_proportion_mde_of_the_planning_example() -> None:
    lift = proportion_mde(base_rate=0.1, units_per_arm=3000)
    assert lift == pytest.approx(0.2274, abs=1e-4)
    assert lift > 0.2  # 0.2 had power 0.70 < 0.8


@pytest.mark.parametrize(("call", "message"), [
    (lambda: proportion_power(base_rate=0.0, relative_lift=0.2, units_per_arm=100),
     r"base_rate must lie in \(0, 1\)"),
    (lambda: proportion_power(base_rate=1.0, relative_lift=0.2, units_per_arm=100),
     r"base_rate must lie in \(0, 1\)"),
    (lambda: proportion_power(base_rate=0.9, relative_lift=0.2, units_per_arm=100),
     r"base_rate \* \(1 \+ relative_lift\) must lie in \(0, 1\)"),
    (lambda: proportion_power(base_rate=0.1, relative_lift=0.2, units_per_arm=1),
     "units_per_arm must be a whole number of at least 2"),
    (lambda: proportion_power(base_rate=0.1, relative_lift=0.2, units_per_arm=100,
                              alpha=0.6), r"alpha must lie in \(0, 0.5\]"),
    (lambda: proportion_mde(base_rate=0.1, units_per_arm=100, power=1.0),
     r"power must lie in \(0, 1\)"),
    (lambda: proportion_mde(base_rate=0.1, units_per_arm=100, power=0.04),
     "power must exceed alpha"),
    (lambda: proportion_mde(base_rate=0.9, units_per_arm=2), "no lift reaches power 0.8"),
    (lambda: proportion_sample_size(base_rate=0.1, relative_lift=0.0),
     "relative_lift must not be 0"),
    (lambda: mean_power(standard_deviation=0.0, difference=1.0, units_per_arm=10),
     "standard_deviation must be positive"),
    (lambda: mean_sample_size(standard_deviation=1.0, difference=0.0),
     "difference must not be 0"),
    (lambda: mean_sample_size(standard_deviation=1.0, difference=1e-300),
     "too small for any sample"),
    (lambda: mean_mde(standard_deviation=1.0, units_per_arm=10, alpha=0.0),
     r"alpha must lie in \(0, 0.5\]"),
    (lambda: Design(units_per_arm=1), "units_per_arm must be a whole number of at least 2"),
    (lambda: Design(arms=2, alpha=0.9, units_per_arm=100), r"alpha must lie in \(0, 0.5\]"),
])
def test_bad_arguments_are_refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_comparison_with_the_control_is_planned_at_alpha_over_the_comparisons() -> None:
    assert comparison_alpha(0.05) == 0.05
    assert comparison_alpha(0.05, arms=3) == 0.025
    assert comparison_alpha(0.06, arms=4) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="arms must be"):
        comparison_alpha(0.05, arms=1)

"""Fixed-horizon comparisons: the same figures as statsmodels on the same data (rates, Welch,
and the delta-method ratio through its linearised per-unit values), intervals that cover as
often as they promise in simulation, uninformative answers (never NaN) for degenerate arms,
and ValueError for impossible input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

from prefero.experiments.stats import (
    Comparison,
    RatioSummary,
    Summary,
    ratio,
    two_proportions,
    welch,
)

RELATIVE = 1e-9


def assert_sane(result: Comparison) -> None:
    """What every comparison promises, degenerate or not."""
    numbers = [result.control, result.treatment, result.difference, result.ci_low,
               result.ci_high, result.p_value, result.standard_error]
    optional = [result.relative, result.relative_ci_low, result.relative_ci_high]
    assert not any(math.isnan(value) for value in numbers)
    assert not any(value is not None and math.isnan(value) for value in optional)
    assert 0.0 <= result.p_value <= 1.0
    assert result.ci_low <= result.difference <= result.ci_high
    assert result.standard_error >= 0.0
    assert (result.relative is None) == (result.control == 0.0)
    assert (result.relative_ci_low is None) == (result.relative is None)
    if result.relative is not None:
        assert result.relative_ci_low is not None and result.relative_ci_high is not None
        assert result.relative_ci_low <= result.relative <= result.relative_ci_high


# -- two proportions -------------------------------------------------------------------------

RATES = [(100, 1000, 130, 1000), (512, 10_000, 561, 9_870), (3, 40, 0, 35),
         (7_000, 7_000, 6_990, 7_000), (0, 50, 4, 60)]


@pytest.mark.parametrize(("cx", "cn", "tx", "tn"), RATES)
@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_two_proportions_equals_statsmodels(cx: int, cn: int, tx: int, tn: int,
                                            alpha: float) -> None:
    result = two_proportions(control_successes=cx, control_n=cn, treatment_successes=tx,
                             treatment_n=tn, alpha=alpha)
    # The pooled z-test is proportions_ztest's default (prop_var=False).
    _, p_value = proportions_ztest(count=[tx, cx], nobs=[tn, cn])
    low, high = confint_proportions_2indep(tx, tn, cx, cn, method="wald", compare="diff",
                                           alpha=alpha)
    assert result.p_value == pytest.approx(p_value, rel=RELATIVE)
    assert result.ci_low == pytest.approx(low, rel=RELATIVE, abs=1e-15)
    assert result.ci_high == pytest.approx(high, rel=RELATIVE, abs=1e-15)
    assert result.difference == pytest.approx(tx / tn - cx / cn, rel=RELATIVE)
    assert result.method == "two_proportions"
    assert_sane(result)


def test_two_proportions_relative_lift_and_its_interval() -> None:
    result = two_proportions(control_successes=100, control_n=1000, treatment_successes=130,
                             treatment_n=1000)
    assert result.relative == pytest.approx(0.3)
    # Delta method for p_t / p_c, written out independently of the module.
    pc, pt = 0.1, 0.13
    error = math.sqrt(pt * (1 - pt) / 1000 / pc**2 + pt**2 * pc * (1 - pc) / 1000 / pc**4)
    assert result.relative_ci_low == pytest.approx(0.3 - 1.959963984540054 * error, rel=1e-9)
    assert result.relative_ci_high == pytest.approx(0.3 + 1.959963984540054 * error, rel=1e-9)


def test_the_relative_interval_covers_the_true_lift_as_often_as_promised() -> None:
    rng = np.random.default_rng(17)
    runs, units, base, lift = 2000, 4000, 0.1, 0.2
    control = rng.binomial(units, base, size=runs)
    treatment = rng.binomial(units, base * (1 + lift), size=runs)
    covered_lift = covered_difference = 0
    for cx, tx in zip(control.tolist(), treatment.tolist(), strict=True):
        result = two_proportions(control_successes=cx, control_n=units, treatment_successes=tx,
                                 treatment_n=units)
        assert result.relative_ci_low is not None and result.relative_ci_high is not None
        covered_lift += result.relative_ci_low <= lift <= result.relative_ci_high
        covered_difference += result.ci_low <= base * lift <= result.ci_high
    margin = 3 * math.sqrt(0.05 * 0.95 / runs)
    assert abs(covered_lift / runs - 0.95) <= margin
    assert abs(covered_difference / runs - 0.95) <= margin


def test_an_empty_arm_gives_the_whole_range_of_a_rate_difference() -> None:
    result = two_proportions(control_successes=0, control_n=0, treatment_successes=5,
                             treatment_n=10)
    assert (result.p_value, result.ci_low, result.ci_high) == (1.0, -1.0, 1.0)
    assert result.standard_error == math.inf
    assert result.relative is None  # the empty control's rate is reported as 0
    assert_sane(result)


@pytest.mark.parametrize(("cx", "cn", "tx", "tn"), [(0, 500, 0, 400), (30, 30, 12, 12),
                                                    (0, 100, 100, 100)])
def test_no_variation_in_either_arm_is_uninformative(cx: int, cn: int, tx: int,
                                                     tn: int) -> None:
    # Here we part from statsmodels on purpose: its Wald interval is the single point
    # [d, d] (a "certain" difference after, say, no conversion in 900 visitors), and for
    # 0/100 against 100/100 its pooled z-test gives p = 2e-23. With no variation in either
    # arm there is no estimate of the noise, the case the module treats as uninformative.
    result = two_proportions(control_successes=cx, control_n=cn, treatment_successes=tx,
                             treatment_n=tn)
    assert (result.p_value, result.ci_low, result.ci_high) == (1.0, -1.0, 1.0)
    assert result.standard_error == math.inf
    assert result.difference == tx / tn - cx / cn
    assert_sane(result)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"control_successes": 11, "control_n": 10}, "control_successes must not exceed"),
    ({"treatment_successes": 3, "treatment_n": 2}, "treatment_successes must not exceed"),
    ({"control_n": -1, "control_successes": 0}, "control_n must be a whole number"),
    ({"treatment_successes": -1}, "treatment_successes must be a whole number"),
    ({"control_n": 10.5}, "control_n must be a whole number"),
    ({"control_n": True}, "control_n must be a whole number"),
    ({"alpha": 0.0}, "alpha must lie in"),
    ({"alpha": 0.7}, "alpha must lie in"),
])
def test_impossible_rates_are_refused(arguments: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"control_successes": 1, "control_n": 10,
                                 "treatment_successes": 1, "treatment_n": 10}
    values.update(arguments)
    with pytest.raises(ValueError, match=message):
        two_proportions(**values)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.data())
def test_any_possible_rates_give_a_sane_comparison(cn: int, tn: int, data: st.DataObject) -> None:
    cx = data.draw(st.integers(0, cn))
    tx = data.draw(st.integers(0, tn))
    result = two_proportions(control_successes=cx, control_n=cn, treatment_successes=tx,
                             treatment_n=tn)
    assert_sane(result)
    assert -1.0 <= result.difference <= 1.0
    if cn == 0 or tn == 0 or {cx / cn, tx / tn} <= {0.0, 1.0}:
        assert (result.p_value, result.ci_low, result.ci_high) == (1.0, -1.0, 1.0)
    else:
        assert math.isfinite(result.standard_error) and result.ci_high - result.ci_low < 2.0


# -- Welch -----------------------------------------------------------------------------------

def _arms(seed: int, *, sizes: tuple[int, int], scales: tuple[float, float],
          shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.gamma(2.0, scales[0], size=sizes[0]),
            rng.gamma(2.0, scales[1], size=sizes[1]) + shift)


@pytest.mark.parametrize(("seed", "sizes", "scales", "shift"), [
    (1, (40, 55), (10.0, 15.0), 3.0), (2, (500, 480), (1.0, 1.0), 0.0),
    (3, (3, 2), (5.0, 1.0), 1.0), (4, (2000, 200), (30.0, 60.0), -5.0)])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_welch_equals_statsmodels(seed: int, sizes: tuple[int, int],
                                  scales: tuple[float, float], shift: float,
                                  alpha: float) -> None:
    control, treatment = _arms(seed, sizes=sizes, scales=scales, shift=shift)
    result = welch(Summary.of(control), Summary.of(treatment), alpha=alpha)
    statistic, p_value, _ = ttest_ind(treatment, control, usevar="unequal")
    low, high = CompareMeans(DescrStatsW(treatment), DescrStatsW(control)).tconfint_diff(
        alpha=alpha, usevar="unequal")
    assert result.difference / result.standard_error == pytest.approx(statistic, rel=RELATIVE)
    assert result.p_value == pytest.approx(p_value, rel=RELATIVE)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=RELATIVE)
    assert (result.control, result.treatment) == pytest.approx(
        (control.mean(), treatment.mean()), rel=RELATIVE)
    assert result.method == "welch"
    assert_sane(result)


def test_summary_of_values() -> None:
    assert Summary.of([2.0, 4.0, 9.0]) == Summary(n=3, mean=5.0, variance=13.0)
    assert Summary.of([7.0]) == Summary(n=1, mean=7.0, variance=0.0)
    with pytest.raises(ValueError, match="finite numbers only"):
        Summary.of([1.0, float("nan")])
    with pytest.raises(ValueError, match="flat sequence"):
        Summary.of([[1.0, 2.0]])
    with pytest.raises(ValueError, match="n must be a whole number"):
        Summary(n=-1, mean=0.0, variance=0.0)
    with pytest.raises(ValueError, match="variance must not be negative"):
        Summary(n=3, mean=0.0, variance=-1.0)


@pytest.mark.parametrize(("control", "treatment"), [
    ([], [1.0, 2.0]), ([3.0], [1.0, 2.0, 5.0]), ([4.0, 4.0, 4.0], [6.0, 6.0])])
def test_degenerate_means_are_uninformative(control: list[float],
                                            treatment: list[float]) -> None:
    result = welch(Summary.of(control), Summary.of(treatment))
    assert (result.p_value, result.ci_low, result.ci_high) == (1.0, -math.inf, math.inf)
    assert result.standard_error == math.inf
    assert_sane(result)


def test_relative_lift_is_none_when_the_control_mean_is_zero() -> None:
    result = welch(Summary.of([0.0, 0.0, 0.0]), Summary.of([0.0, 1.0, 3.0]))
    assert result.relative is None and result.relative_ci_low is None
    assert result.p_value < 1.0  # one arm varies: the test is defined
    assert_sane(result)


values = st.lists(st.one_of(st.just(0.0), st.just(1.0),
                            st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)),
                  max_size=6)


@settings(max_examples=200, deadline=None)
@given(values, values, st.sampled_from([0.01, 0.05, 0.5]))
def test_any_means_give_a_sane_comparison(control: list[float], treatment: list[float],
                                          alpha: float) -> None:
    first, second = Summary.of(control), Summary.of(treatment)
    result = welch(first, second, alpha=alpha)
    assert_sane(result)
    if first.n < 2 or second.n < 2 or first.variance == second.variance == 0.0:
        assert result.p_value == 1.0


# -- ratio of means --------------------------------------------------------------------------

def _orders(seed: int, units: int, *, order_rate: float,
            basket: float) -> tuple[np.ndarray, np.ndarray]:
    """Per visitor: number of orders (Poisson) and revenue (a skewed sum over them)."""
    rng = np.random.default_rng(seed)
    orders = rng.poisson(order_rate, size=units).astype(float)
    revenue = np.array([rng.lognormal(math.log(basket), 0.8, size=int(k)).sum()
                        for k in orders])
    return revenue, orders


def _linearised(revenue: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Per-unit values whose mean is the ratio and whose variance / n is its delta-method
    variance: R + (y - R x) / mean(x)."""
    value = revenue.mean() / orders.mean()
    return value + (revenue - value * orders) / orders.mean()  # type: ignore[no-any-return]


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_ratio_equals_a_z_test_on_the_linearised_values(alpha: float) -> None:
    # statsmodels has no delta-method ratio test; the delta method is exactly a z-test with
    # unequal variances on the linearised values, which statsmodels does have.
    control = _orders(5, 3000, order_rate=0.3, basket=40.0)
    treatment = _orders(6, 2500, order_rate=0.33, basket=42.0)
    result = ratio(control=RatioSummary.of(*control), treatment=RatioSummary.of(*treatment),
                   alpha=alpha)
    compare = CompareMeans(DescrStatsW(_linearised(*treatment)),
                           DescrStatsW(_linearised(*control)))
    statistic, p_value = compare.ztest_ind(usevar="unequal")
    low, high = compare.zconfint_diff(alpha=alpha, usevar="unequal")
    assert result.control == pytest.approx(control[0].sum() / control[1].sum(), rel=RELATIVE)
    assert result.difference / result.standard_error == pytest.approx(statistic, rel=RELATIVE)
    assert result.p_value == pytest.approx(p_value, rel=RELATIVE)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=RELATIVE)
    assert result.method == "ratio"
    assert_sane(result)


def test_the_ratio_interval_covers_the_true_difference_as_often_as_promised() -> None:
    # Skewed revenue and orders per visitor, as in a shop: the delta method's normal
    # approximation must still give about 95 % coverage at a few thousand visitors.
    rng = np.random.default_rng(23)
    runs, units, covered = 1000, 2000, 0
    rates, baskets = (0.3, 0.3), (40.0, 44.0)
    # The true average order value is the lognormal's mean.
    truth = [b * math.exp(0.8**2 / 2) for b in baskets]
    for _ in range(runs):
        arms = []
        for rate, basket in zip(rates, baskets, strict=True):
            orders = rng.poisson(rate, size=units)
            revenue = np.zeros(units)
            buyers = np.repeat(np.arange(units), orders)
            np.add.at(revenue, buyers, rng.lognormal(math.log(basket), 0.8, size=buyers.size))
            arms.append(RatioSummary.of(revenue, orders))
        result = ratio(control=arms[0], treatment=arms[1])
        covered += result.ci_low <= truth[1] - truth[0] <= result.ci_high
    assert abs(covered / runs - 0.95) <= 3 * math.sqrt(0.05 * 0.95 / runs)


def test_no_orders_in_an_arm_is_uninformative() -> None:
    control = RatioSummary.of([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    treatment = RatioSummary.of([10.0, 0.0, 25.0], [1.0, 0.0, 2.0])
    result = ratio(control=control, treatment=treatment)
    assert (result.control, result.p_value) == (0.0, 1.0)
    assert (result.ci_low, result.ci_high, result.relative) == (-math.inf, math.inf, None)
    assert_sane(result)


def test_ratio_summary_refuses_what_no_data_give() -> None:
    with pytest.raises(ValueError, match="one value per unit"):
        RatioSummary.of([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="covariance exceeds"):
        RatioSummary(n=10, numerator_mean=1.0, denominator_mean=1.0, numerator_variance=1.0,
                     denominator_variance=1.0, covariance=2.0)
    with pytest.raises(ValueError, match="denominator_variance must not be negative"):
        RatioSummary(n=10, numerator_mean=1.0, denominator_mean=1.0, numerator_variance=1.0,
                     denominator_variance=-1.0, covariance=0.0)


pairs = st.lists(st.tuples(st.sampled_from([0.0, 1.0, 2.0, 3.0]),
                           st.floats(0, 1e6, allow_nan=False, allow_infinity=False)),
                 max_size=6)


@settings(max_examples=200, deadline=None)
@given(pairs, pairs)
def test_any_ratio_data_give_a_sane_comparison(control: list[tuple[float, float]],
                                               treatment: list[tuple[float, float]]) -> None:
    arms = [RatioSummary.of([revenue for _, revenue in arm], [orders for orders, _ in arm])
            for arm in (control, treatment)]
    result = ratio(control=arms[0], treatment=arms[1])
    assert_sane(result)
    if min(arm.n for arm in arms) < 2 or 0.0 in (arms[0].denominator_mean,
                                                arms[1].denominator_mean):
        assert result.p_value == 1.0

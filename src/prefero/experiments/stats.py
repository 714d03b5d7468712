"""Fixed-horizon comparisons of two arms: a difference of rates, of means, of ratios of means.

Each test answers with a :class:`Comparison`: the arms' estimates, the difference (treatment
minus control) with its confidence interval, the relative lift with a delta-method interval,
a two-sided p-value and the standard error of the difference. The tests are valid for one
look at a sample size fixed in advance; peeking belongs to :mod:`prefero.experiments.sequential`.

Nothing here returns NaN. When the data hold no estimate of the noise (an empty arm, fewer
than two units for a mean, no denominator in an arm, or no variation in either arm) the
comparison is *uninformative*: p-value 1, standard error ``inf``, and an interval that is the
whole range the difference can take (``-inf`` to ``inf``; -1 to 1 for a difference of rates).
Impossible input (more successes than units, a negative count, a non-finite number) raises
``ValueError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as scipy_stats

from prefero.experiments._checks import check_alpha, check_count, check_finite, check_values

__all__ = [
    "Comparison",
    "RatioSummary",
    "Summary",
    "ratio",
    "two_proportions",
    "welch",
]


@dataclass(frozen=True)
class Summary:
    """One arm's per-unit metric: count, mean and sample variance (ddof 1; 0 below two units).

    >>> Summary.of([1.0, 2.0, 3.0])
    Summary(n=3, mean=2.0, variance=1.0)
    """

    n: int
    mean: float
    variance: float

    def __post_init__(self) -> None:
        check_count(self.n, name="n")
        check_finite(self.mean, name="mean")
        if check_finite(self.variance, name="variance") < 0.0:
            raise ValueError(f"variance must not be negative, got {self.variance!r}")

    @classmethod
    def of(cls, values: ArrayLike) -> Summary:
        """The summary of one value per unit (an empty arm has mean 0 and variance 0).

        >>> Summary.of([])
        Summary(n=0, mean=0.0, variance=0.0)
        """
        array = check_values(values, name="values")
        n = int(array.size)
        mean = float(array.mean()) if n else 0.0
        variance = float(array.var(ddof=1)) if n >= 2 else 0.0
        return cls(n=n, mean=mean, variance=variance)


@dataclass(frozen=True)
class RatioSummary:
    """One arm of a ratio metric (e.g. average order value = revenue per unit / orders per
    unit): means and sample variances (ddof 1) of the per-unit numerator and denominator and
    their sample covariance; 0 below two units.

    >>> RatioSummary.of([10.0, 0.0, 30.0], [1.0, 0.0, 2.0]).covariance
    15.0
    """

    n: int
    numerator_mean: float
    denominator_mean: float
    numerator_variance: float
    denominator_variance: float
    covariance: float

    def __post_init__(self) -> None:
        check_count(self.n, name="n")
        for name in ("numerator_mean", "denominator_mean", "covariance"):
            check_finite(getattr(self, name), name=name)
        for name in ("numerator_variance", "denominator_variance"):
            if check_finite(getattr(self, name), name=name) < 0.0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)!r}")
        # Cauchy-Schwarz: no data give a covariance beyond this (the slack absorbs rounding).
        bound = math.sqrt(self.numerator_variance * self.denominator_variance)
        if abs(self.covariance) > bound * (1.0 + 1e-9) + 1e-12:
            raise ValueError("covariance exceeds what the two variances allow")

    @classmethod
    def of(cls, numerators: ArrayLike, denominators: ArrayLike) -> RatioSummary:
        """The summary of one (numerator, denominator) pair per unit.

        >>> one = RatioSummary.of([5.0], [1.0])
        >>> one.numerator_mean, one.numerator_variance, one.covariance
        (5.0, 0.0, 0.0)
        """
        top = check_values(numerators, name="numerators")
        bottom = check_values(denominators, name="denominators")
        if top.size != bottom.size:
            raise ValueError("numerators and denominators must have one value per unit each")
        n = int(top.size)
        if n < 2:
            return cls(n=n, numerator_mean=float(top.mean()) if n else 0.0,
                       denominator_mean=float(bottom.mean()) if n else 0.0,
                       numerator_variance=0.0, denominator_variance=0.0, covariance=0.0)
        matrix = np.cov(top, bottom, ddof=1)
        return cls(n=n, numerator_mean=float(top.mean()), denominator_mean=float(bottom.mean()),
                   numerator_variance=float(matrix[0, 0]),
                   denominator_variance=float(matrix[1, 1]), covariance=float(matrix[0, 1]))


@dataclass(frozen=True)
class Comparison:
    """Treatment against control: estimates, difference (treatment - control) with its
    interval at 1 - alpha, relative lift (``None`` when control is 0) with a delta-method
    interval, two-sided p-value, standard error of the difference and the method's name
    (``"two_proportions"``, ``"welch"`` or ``"ratio"``).

    >>> welch(Summary(n=100, mean=10.0, variance=4.0), Summary(n=100, mean=11.0, variance=4.0))
    ... # doctest: +ELLIPSIS
    Comparison(control=10.0, treatment=11.0, difference=1.0, ...method='welch')
    """

    control: float
    treatment: float
    difference: float
    ci_low: float
    ci_high: float
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    p_value: float
    standard_error: float
    method: str


def _normal_critical(alpha: float) -> float:
    return float(scipy_stats.norm.isf(alpha / 2.0))


def _two_sided_normal(statistic: float) -> float:
    return float(2.0 * scipy_stats.norm.sf(abs(statistic)))


def _relative(*, control: float, treatment: float, control_variance: float,
              treatment_variance: float, alpha: float,
              informative: bool) -> tuple[float | None, float | None, float | None]:
    """Lift ``treatment / control - 1`` with a delta-method normal interval; the variances
    are those of the two estimates (squared standard errors), which are independent."""
    if control == 0.0:
        return None, None, None
    lift = treatment / control - 1.0
    if not informative:
        return lift, -math.inf, math.inf
    # d(t/c) = dt/c - t dc/c^2, so Var = Var(t)/c^2 + t^2 Var(c)/c^4; written so that no
    # power of a tiny control underflows to a division by zero.
    quotient = treatment / control
    error = math.sqrt(treatment_variance + quotient * quotient * control_variance) / abs(control)
    half = _normal_critical(alpha) * error
    if not math.isfinite(half):
        return lift, -math.inf, math.inf
    return lift, lift - half, lift + half


def two_proportions(*, control_successes: int, control_n: int, treatment_successes: int,
                    treatment_n: int, alpha: float = 0.05) -> Comparison:
    """Two conversion rates: the interval of the difference is the unpooled Wald interval,
    the p-value comes from the *pooled* z-test (under the null hypothesis the arms share one
    rate, so the test estimates it from both) -- the same as statsmodels'
    ``proportions_ztest`` and ``confint_proportions_2indep(method="wald")``. The standard
    error reported is the unpooled one, the interval's.

    >>> result = two_proportions(control_successes=100, control_n=1000,
    ...                          treatment_successes=130, treatment_n=1000)
    >>> round(result.difference, 3), round(result.ci_low, 4), round(result.ci_high, 4)
    (0.03, 0.0021, 0.0579)
    >>> round(result.p_value, 4), round(result.relative, 2)
    (0.0355, 0.3)
    """
    alpha = check_alpha(alpha)
    for name, value in (("control_n", control_n), ("treatment_n", treatment_n),
                        ("control_successes", control_successes),
                        ("treatment_successes", treatment_successes)):
        check_count(value, name=name)
    if control_successes > control_n:
        raise ValueError("control_successes must not exceed control_n")
    if treatment_successes > treatment_n:
        raise ValueError("treatment_successes must not exceed treatment_n")
    control = control_successes / control_n if control_n else 0.0
    treatment = treatment_successes / treatment_n if treatment_n else 0.0
    difference = treatment - control
    control_variance = control * (1.0 - control) / control_n if control_n else 0.0
    treatment_variance = treatment * (1.0 - treatment) / treatment_n if treatment_n else 0.0
    if control_n == 0 or treatment_n == 0 or control_variance + treatment_variance == 0.0:
        # An empty arm, or all failures (or all successes) in both: no estimate of the
        # noise (Wald's interval would be a single point). A rate difference lies in
        # [-1, 1] whatever the data, and that is all that is known.
        lift, low, high = _relative(control=control, treatment=treatment, control_variance=0.0,
                                    treatment_variance=0.0, alpha=alpha, informative=False)
        return Comparison(control=control, treatment=treatment, difference=difference,
                          ci_low=-1.0, ci_high=1.0, relative=lift, relative_ci_low=low,
                          relative_ci_high=high, p_value=1.0, standard_error=math.inf,
                          method="two_proportions")
    error = math.sqrt(control_variance + treatment_variance)
    half = _normal_critical(alpha) * error
    pooled = (control_successes + treatment_successes) / (control_n + treatment_n)
    # Some arm has a rate strictly between 0 and 1, so the pooled rate does too.
    null_error = math.sqrt(pooled * (1.0 - pooled) * (1.0 / control_n + 1.0 / treatment_n))
    p_value = _two_sided_normal(difference / null_error)
    lift, low, high = _relative(control=control, treatment=treatment,
                                control_variance=control_variance,
                                treatment_variance=treatment_variance, alpha=alpha,
                                informative=True)
    return Comparison(control=control, treatment=treatment, difference=difference,
                      ci_low=difference - half, ci_high=difference + half, relative=lift,
                      relative_ci_low=low, relative_ci_high=high, p_value=p_value,
                      standard_error=error, method="two_proportions")


def _uninformative(*, control: float, treatment: float, method: str) -> Comparison:
    lift, low, high = _relative(control=control, treatment=treatment, control_variance=0.0,
                                treatment_variance=0.0, alpha=0.05, informative=False)
    return Comparison(control=control, treatment=treatment, difference=treatment - control,
                      ci_low=-math.inf, ci_high=math.inf, relative=lift, relative_ci_low=low,
                      relative_ci_high=high, p_value=1.0, standard_error=math.inf,
                      method=method)


def welch(control: Summary, treatment: Summary, *, alpha: float = 0.05) -> Comparison:
    """Two means with unequal variances: Welch's t-test, Welch-Satterthwaite degrees of
    freedom, t distribution for both the p-value and the interval (as statsmodels'
    ``ttest_ind(usevar="unequal")``). Fewer than two units in an arm, or no variation in
    either, gives an uninformative comparison (see the module's docstring).

    >>> result = welch(Summary(n=50, mean=20.0, variance=25.0),
    ...                Summary(n=60, mean=22.5, variance=36.0))
    >>> round(result.difference, 2), round(result.p_value, 4)
    (2.5, 0.0189)
    >>> round(result.ci_low, 3), round(result.ci_high, 3)
    (0.421, 4.579)
    """
    alpha = check_alpha(alpha)
    if control.n < 2 or treatment.n < 2:
        return _uninformative(control=control.mean, treatment=treatment.mean, method="welch")
    control_variance = control.variance / control.n
    treatment_variance = treatment.variance / treatment.n
    variance = control_variance + treatment_variance
    if variance == 0.0 or not math.isfinite(variance):
        return _uninformative(control=control.mean, treatment=treatment.mean, method="welch")
    error = math.sqrt(variance)
    # Welch-Satterthwaite, on the arms' shares of the variance so that nothing is squared
    # past the floats' range.
    control_share, treatment_share = control_variance / variance, treatment_variance / variance
    freedom = 1.0 / (control_share * control_share / (control.n - 1)
                     + treatment_share * treatment_share / (treatment.n - 1))
    difference = treatment.mean - control.mean
    statistic = difference / error
    p_value = float(2.0 * scipy_stats.t.sf(abs(statistic), freedom))
    half = float(scipy_stats.t.isf(alpha / 2.0, freedom)) * error
    lift, low, high = _relative(control=control.mean, treatment=treatment.mean,
                                control_variance=control_variance,
                                treatment_variance=treatment_variance, alpha=alpha,
                                informative=True)
    return Comparison(control=control.mean, treatment=treatment.mean, difference=difference,
                      ci_low=difference - half, ci_high=difference + half, relative=lift,
                      relative_ci_low=low, relative_ci_high=high, p_value=p_value,
                      standard_error=error, method="welch")


def _ratio_variance(arm: RatioSummary, value: float) -> float:
    """Delta-method variance of mean(numerator) / mean(denominator): the variance of the
    linearised per-unit values (numerator - ratio * denominator) / mean(denominator), over n."""
    spread = (arm.numerator_variance - 2.0 * value * arm.covariance
              + value * value * arm.denominator_variance)
    # The exact value is a variance (never negative); rounding may take it just below zero.
    return max(spread, 0.0) / arm.n / arm.denominator_mean / arm.denominator_mean


def ratio(*, control: RatioSummary, treatment: RatioSummary, alpha: float = 0.05) -> Comparison:
    """Two ratios of means (e.g. average order value: revenue per unit over orders per
    unit, the unit being the randomised visitor, not the order), delta-method variance and a
    normal approximation for p-value and interval. An arm with fewer than two units or a
    zero denominator mean (no orders yet: its ratio is reported as 0), or no variation in
    either arm, gives an uninformative comparison.

    >>> control = RatioSummary(n=1000, numerator_mean=5.0, denominator_mean=0.1,
    ...     numerator_variance=400.0, denominator_variance=0.09, covariance=5.0)
    >>> treatment = RatioSummary(n=1000, numerator_mean=6.0, denominator_mean=0.11,
    ...     numerator_variance=500.0, denominator_variance=0.1, covariance=6.0)
    >>> result = ratio(control=control, treatment=treatment)
    >>> round(result.control, 2), round(result.treatment, 2), round(result.p_value, 3)
    (50.0, 54.55, 0.357)
    """
    alpha = check_alpha(alpha)
    control_value = (control.numerator_mean / control.denominator_mean
                     if control.denominator_mean != 0.0 else 0.0)
    treatment_value = (treatment.numerator_mean / treatment.denominator_mean
                       if treatment.denominator_mean != 0.0 else 0.0)
    if (control.n < 2 or treatment.n < 2 or control.denominator_mean == 0.0
            or treatment.denominator_mean == 0.0):
        return _uninformative(control=control_value, treatment=treatment_value, method="ratio")
    control_variance = _ratio_variance(control, control_value)
    treatment_variance = _ratio_variance(treatment, treatment_value)
    variance = control_variance + treatment_variance
    if variance == 0.0 or not math.isfinite(variance):
        return _uninformative(control=control_value, treatment=treatment_value, method="ratio")
    error = math.sqrt(variance)
    difference = treatment_value - control_value
    half = _normal_critical(alpha) * error
    lift, low, high = _relative(control=control_value, treatment=treatment_value,
                                control_variance=control_variance,
                                treatment_variance=treatment_variance, alpha=alpha,
                                informative=True)
    return Comparison(control=control_value, treatment=treatment_value, difference=difference,
                      ci_low=difference - half, ci_high=difference + half, relative=lift,
                      relative_ci_low=low, relative_ci_high=high,
                      p_value=_two_sided_normal(difference / error), standard_error=error,
                      method="ratio")

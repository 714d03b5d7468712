"""Planning an experiment: power, minimum detectable effect and sample size of the two-sided
tests in :mod:`prefero.experiments.stats` (normal approximation, equal arms).

For a true difference ``delta`` whose estimate has standard error ``se``, the two-sided
test at ``alpha`` rejects with probability

    power = Phi(|delta| / se - z) + Phi(-|delta| / se - z),    z = Phi^-1(1 - alpha / 2)

(the second term, a rejection on the wrong side, is tiny but kept, so that the figures are
exactly those of statsmodels' ``NormalIndPower`` for means). The MDE and the sample size
invert this formula exactly; a sample size is the smallest whole number of units per arm
that reaches the power.

For two rates ``p1`` (control) and ``p2 = p1 * (1 + lift)`` the standard error is the
unpooled one under the alternative, ``sqrt((p1 (1 - p1) + p2 (1 - p2)) / n)``. (Cohen's h,
statsmodels' route for rates, applies the arcsine transform first; the two agree to about
a percent of power for the lifts shops test.)

Bad arguments raise ``ValueError`` with a message a person can act on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import optimize
from scipy import stats as scipy_stats

from prefero.experiments._checks import check_alpha, check_count, check_finite, check_power

__all__ = [
    "Design",
    "comparison_alpha",
    "mean_mde",
    "mean_power",
    "mean_sample_size",
    "proportion_mde",
    "proportion_power",
    "proportion_sample_size",
]

MIN_UNITS = 2


@dataclass(frozen=True, kw_only=True)
class Design:
    """A planned experiment: number of arms, significance level and units per arm.

    >>> Design(units_per_arm=3000)
    Design(arms=2, alpha=0.05, units_per_arm=3000)
    >>> Design(arms=1, units_per_arm=3000)
    Traceback (most recent call last):
    ...
    ValueError: arms must be a whole number of at least 2, got 1
    """

    arms: int = 2
    alpha: float = 0.05
    units_per_arm: int

    def __post_init__(self) -> None:
        check_count(self.arms, name="arms", minimum=2)
        check_alpha(self.alpha)
        check_count(self.units_per_arm, name="units_per_arm", minimum=MIN_UNITS)


def comparison_alpha(alpha: float, *, arms: int = 2) -> float:
    """The level to plan each arm's comparison with the control at, for a verdict at
    ``alpha`` over ``arms`` arms (the control included): ``alpha / (arms - 1)``.

    Why: the primary verdict adjusts the ``arms - 1`` comparisons with the control with
    Holm, whose strictest step is Bonferroni's ``alpha / (arms - 1)``; a plan at that level
    finds the lift at least as often as it says (conservative: Holm's later steps are
    laxer). With two arms it is ``alpha`` itself.

    >>> comparison_alpha(0.05, arms=3)
    0.025
    """
    check_count(arms, name="arms", minimum=2)
    return check_alpha(alpha) / (arms - 1)


def _critical(alpha: float) -> float:
    return float(scipy_stats.norm.isf(alpha / 2.0))


def _power(noncentrality: float, alpha: float) -> float:
    """Two-sided rejection probability for |delta| / se = ``noncentrality``."""
    critical = _critical(alpha)
    return float(scipy_stats.norm.cdf(noncentrality - critical)
                 + scipy_stats.norm.cdf(-noncentrality - critical))


def _noncentrality(alpha: float, power: float) -> float:
    """The |delta| / se at which the two-sided test has ``power`` (power > alpha)."""
    # At z + z_power the near side alone gives ``power``, so the root lies below.
    upper = _critical(alpha) + float(scipy_stats.norm.ppf(power)) + 1.0
    root = optimize.brentq(lambda shift: _power(shift, alpha) - power, 0.0, upper,
                           xtol=1e-14, rtol=1e-15)
    return float(root)


def _smallest_units(reaches: Callable[[int], bool], guess: float) -> int:
    """The smallest n >= MIN_UNITS for which ``reaches(n)`` holds, ``reaches`` being
    monotone in n and ``guess`` the real n at which the power is exactly reached."""
    if not math.isfinite(guess):
        raise ValueError("the effect is too small for any sample to find")
    high = max(MIN_UNITS, math.ceil(guess))
    while not reaches(high):  # only when rounding put the guess a hair too low
        high *= 2
    low = MIN_UNITS
    if reaches(low):
        return low
    while high - low > 1:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return high


def _rates(base_rate: float, relative_lift: float) -> tuple[float, float]:
    base = check_finite(base_rate, name="base_rate")
    if not 0.0 < base < 1.0:
        raise ValueError(f"base_rate must lie in (0, 1), got {base_rate!r}")
    lift = check_finite(relative_lift, name="relative_lift")
    treated = base * (1.0 + lift)
    if not 0.0 < treated < 1.0:
        raise ValueError(f"base_rate * (1 + relative_lift) must lie in (0, 1), got {treated!r}")
    return base, treated


def _rate_noncentrality(base: float, treated: float, units: float) -> float:
    spread = base * (1.0 - base) + treated * (1.0 - treated)
    return abs(treated - base) / math.sqrt(spread / units)


def proportion_power(*, base_rate: float, relative_lift: float, units_per_arm: int,
                     alpha: float = 0.05) -> float:
    """Power of the two-sided two-proportion z-test to find ``relative_lift`` on
    ``base_rate`` with ``units_per_arm`` units in each arm.

    >>> round(proportion_power(base_rate=0.1, relative_lift=0.2, units_per_arm=3000), 2)
    0.7
    """
    base, treated = _rates(base_rate, relative_lift)
    units = check_count(units_per_arm, name="units_per_arm", minimum=MIN_UNITS)
    return _power(_rate_noncentrality(base, treated, units), check_alpha(alpha))


def proportion_mde(*, base_rate: float, units_per_arm: int, alpha: float = 0.05,
                   power: float = 0.8) -> float:
    """The smallest relative lift (an increase) on ``base_rate`` that the design finds with
    ``power``.

    >>> round(proportion_mde(base_rate=0.1, units_per_arm=3000), 3)
    0.227
    """
    base, _ = _rates(base_rate, 0.0)
    units = check_count(units_per_arm, name="units_per_arm", minimum=MIN_UNITS)
    alpha = check_alpha(alpha)
    power = check_power(power, alpha=alpha)
    target = _noncentrality(alpha, power)
    # Largest lift: the treated rate reaching 1; the noncentrality grows with the lift.
    ceiling = 1.0 / base - 1.0
    if _rate_noncentrality(base, 1.0, units) < target:
        raise ValueError(f"no lift reaches power {power!r} with {units} units per arm")
    root = optimize.brentq(
        lambda lift: _rate_noncentrality(base, base * (1.0 + lift), units) - target,
        0.0, ceiling, xtol=1e-14, rtol=1e-15)
    return float(root)


def proportion_sample_size(*, base_rate: float, relative_lift: float, alpha: float = 0.05,
                           power: float = 0.8) -> int:
    """Units per arm the two-proportion z-test needs to find ``relative_lift`` on
    ``base_rate`` with ``power``: the smallest n that reaches it.

    >>> proportion_sample_size(base_rate=0.1, relative_lift=0.2)
    3839
    """
    base, treated = _rates(base_rate, relative_lift)
    if treated == base:
        raise ValueError("relative_lift must not be 0: no sample finds no effect")
    alpha = check_alpha(alpha)
    power = check_power(power, alpha=alpha)
    target = _noncentrality(alpha, power)
    gap = treated - base
    guess = target * target * (base * (1.0 - base) + treated * (1.0 - treated)) / gap / gap
    return _smallest_units(
        lambda units: _power(_rate_noncentrality(base, treated, units), alpha) >= power, guess)


def _deviation(standard_deviation: float) -> float:
    value = check_finite(standard_deviation, name="standard_deviation")
    if value <= 0.0:
        raise ValueError(f"standard_deviation must be positive, got {standard_deviation!r}")
    return value


def mean_power(*, standard_deviation: float, difference: float, units_per_arm: int,
               alpha: float = 0.05) -> float:
    """Power of the two-sided test of two means (common ``standard_deviation`` per unit)
    to find an absolute ``difference`` with ``units_per_arm`` units in each arm.

    >>> round(mean_power(standard_deviation=20.0, difference=2.0, units_per_arm=1000), 3)
    0.609
    """
    deviation = _deviation(standard_deviation)
    shift = check_finite(difference, name="difference")
    units = check_count(units_per_arm, name="units_per_arm", minimum=MIN_UNITS)
    return _power(abs(shift) / (deviation * math.sqrt(2.0 / units)), check_alpha(alpha))


def mean_mde(*, standard_deviation: float, units_per_arm: int, alpha: float = 0.05,
             power: float = 0.8) -> float:
    """The smallest absolute difference of means the design finds with ``power``.

    >>> round(mean_mde(standard_deviation=20.0, units_per_arm=1000), 3)
    2.506
    """
    deviation = _deviation(standard_deviation)
    units = check_count(units_per_arm, name="units_per_arm", minimum=MIN_UNITS)
    alpha = check_alpha(alpha)
    power = check_power(power, alpha=alpha)
    return _noncentrality(alpha, power) * deviation * math.sqrt(2.0 / units)


def mean_sample_size(*, standard_deviation: float, difference: float, alpha: float = 0.05,
                     power: float = 0.8) -> int:
    """Units per arm the test of two means needs to find ``difference`` with ``power``.

    >>> mean_sample_size(standard_deviation=20.0, difference=2.0)
    1570
    """
    deviation = _deviation(standard_deviation)
    shift = abs(check_finite(difference, name="difference"))
    if shift == 0.0:
        raise ValueError("difference must not be 0: no sample finds no effect")
    alpha = check_alpha(alpha)
    power = check_power(power, alpha=alpha)
    target = _noncentrality(alpha, power)
    ratio = target * deviation / shift
    guess = 2.0 * ratio * ratio
    return _smallest_units(
        lambda units: _power(shift / (deviation * math.sqrt(2.0 / units)), alpha) >= power,
        guess)

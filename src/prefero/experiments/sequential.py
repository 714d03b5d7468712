"""Always-valid inference: p-values and intervals that stay valid however often one looks.

A fixed-horizon test read every day rejects a true null far more often than ``alpha``
(each look is another chance). The mixture sequential probability ratio test (mSPRT) of
Johari, Koomen, Pekelis and Walsh ("Always valid inference: continuous monitoring of A/B
tests", Operations Research 2022; arXiv 1512.04922) does not: its likelihood ratio, mixed
over a normal prior N(0, tau^2) on the true difference, is a martingale under the null, so
by Ville's inequality it ever exceeds ``1/alpha`` with probability at most ``alpha``.

Here it runs on the normal approximation of the estimated difference ``d`` with variance
``V = standard_error^2`` (the estimate of any :mod:`prefero.experiments.stats` test):

    Lambda(theta) = sqrt(V / (V + tau^2)) * exp(tau^2 (d - theta)^2 / (2 V (V + tau^2)))

which is the paper's two-sample statistic with ``V = 2 sigma^2 / n``. The single-look
p-value is ``min(1, 1 / Lambda(0))`` and the interval is ``{theta: Lambda(theta) < 1/alpha}``;
the guarantees hold for the running minimum of the p-values and the running intersection
of the intervals, which :func:`running` keeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as scipy_stats

from prefero.experiments._checks import check_alpha, check_finite, check_power

__all__ = ["TUNING_UNITS", "AlwaysValid", "always_valid", "default_mixing_variance",
           "running", "tuning_standard_error"]

#: N*, the units per arm the mixture is tuned for (GrowthBook's "sequential tuning
#: parameter", 5,000 by default there too): the always-valid test is sharpest for an
#: experiment of about this size, and still valid at any other.
TUNING_UNITS = 5_000


@dataclass(frozen=True)
class AlwaysValid:
    """An always-valid p-value and interval (of the difference) at ``1 - alpha``.

    >>> AlwaysValid(p_value=0.2, ci_low=-1.0, ci_high=3.0).ci_high
    3.0
    """

    p_value: float
    ci_low: float
    ci_high: float


def always_valid(*, difference: float, standard_error: float, alpha: float = 0.05,
                 mixing_variance: float) -> AlwaysValid:
    """The mSPRT's p-value and interval at one look (see the module's docstring); combine
    the looks with :func:`running`. An infinite standard error (an uninformative
    comparison) or a zero one (no variation yet) gives p 1 and the whole line.

    >>> result = always_valid(difference=0.03, standard_error=0.01, mixing_variance=0.0004)
    >>> round(result.p_value, 4), round(result.ci_low, 4), round(result.ci_high, 4)
    (0.0611, -0.0008, 0.0608)
    """
    alpha = check_alpha(alpha)
    difference = check_finite(difference, name="difference")
    if math.isnan(standard_error) or standard_error < 0.0:
        raise ValueError(f"standard_error must be a number of at least 0, got {standard_error!r}")
    tau2 = check_finite(mixing_variance, name="mixing_variance")
    if tau2 <= 0.0:
        raise ValueError(f"mixing_variance must be positive, got {mixing_variance!r}")
    variance = standard_error * standard_error
    ratio = tau2 / variance if variance > 0.0 else math.inf
    if math.isinf(variance) or math.isinf(ratio):
        # No estimate of the noise. A zero one comes from arms without variation (no
        # conversion yet): a point interval there would be kept by ``running`` for good,
        # while p 1 and the whole line are valid whatever the truth.
        return AlwaysValid(p_value=1.0, ci_low=-math.inf, ci_high=math.inf)
    # log Lambda(0); log1p and the ratio keep it finite for any positive V and tau^2.
    log_lambda = (-0.5 * math.log1p(ratio)
                  + difference * difference / variance * ratio / (2.0 * (1.0 + ratio)))
    p_value = math.exp(-log_lambda) if log_lambda > 0.0 else 1.0
    # Lambda(theta) < 1/alpha  <=>  (d - theta)^2 < 2 V (1 + r) / r * (log(1/alpha)
    #                                                     + log(1 + r) / 2),   r = tau^2 / V.
    half = math.sqrt(2.0 * variance * (1.0 + ratio) / ratio
                     * (-math.log(alpha) + 0.5 * math.log1p(ratio)))
    return AlwaysValid(p_value=p_value, ci_low=difference - half, ci_high=difference + half)


def running(previous: AlwaysValid | None, current: AlwaysValid) -> AlwaysValid:
    """The running result after ``current``'s look: the smallest p-value so far and the
    intersection of the intervals so far (``previous`` is ``None`` at the first look).

    Should the intersection be empty, some earlier interval missed every value the data
    now support (the event the guarantee bounds by ``alpha``); the current look's interval
    is kept then, rather than an interval with its ends crossed.

    >>> first = AlwaysValid(p_value=0.3, ci_low=-1.0, ci_high=2.0)
    >>> running(first, AlwaysValid(p_value=0.5, ci_low=0.0, ci_high=3.0))
    AlwaysValid(p_value=0.3, ci_low=0.0, ci_high=2.0)
    >>> running(None, first) == first
    True
    """
    if previous is None:
        return current
    low = max(previous.ci_low, current.ci_low)
    high = min(previous.ci_high, current.ci_high)
    if low > high:
        low, high = current.ci_low, current.ci_high
    return AlwaysValid(p_value=min(previous.p_value, current.p_value), ci_low=low, ci_high=high)


def tuning_standard_error(standard_error: float, *, control_units: int, treatment_units: int,
                          units_per_arm: int = TUNING_UNITS) -> float:
    """The standard error the same comparison would have with ``units_per_arm`` units in
    each arm: ``standard_error`` (measured with ``control_units`` and ``treatment_units``)
    rescaled by ``sqrt((2 / N*) / (1 / n_c + 1 / n_t))``, i.e. at the per-unit variance it
    implies, which does not shrink as units arrive (unlike the standard error itself).

    >>> round(tuning_standard_error(0.01, control_units=1250, treatment_units=1250), 6)
    0.005
    """
    error = check_finite(standard_error, name="standard_error")
    if error <= 0.0:
        raise ValueError(f"standard_error must be positive, got {standard_error!r}")
    for name, count in (("control_units", control_units), ("treatment_units", treatment_units),
                        ("units_per_arm", units_per_arm)):
        if count < 1:
            raise ValueError(f"{name} must be at least 1, got {count!r}")
    return error * math.sqrt((2.0 / units_per_arm)
                             / (1.0 / control_units + 1.0 / treatment_units))


def default_mixing_variance(standard_error_at_plan: float, *, alpha: float = 0.05,
                            power: float = 0.8) -> float:
    """tau^2 for an experiment planned to end with ``standard_error_at_plan``: the square
    of the design's minimum detectable effect, ``(z(1 - alpha/2) + z(power)) * SE``. The
    results plan at ``TUNING_UNITS`` per arm (:func:`tuning_standard_error`), so tau^2 stays
    put while the experiment runs: a tau^2 taken from the standard error reached so far
    shrinks with every look and moves the p-value and interval of looks long past.

    Why: the mixing distribution says which true differences the test should be quick to
    find. The mSPRT is most powerful for effects of about tau; a much smaller tau spends
    its power on effects too small to matter or to detect in the planned sample, a much
    larger one on effects nobody expects. The effects the design was sized for are the
    ones the shop cares about, so tau is set to the smallest of them. (Johari et al. fit
    tau to the effects of past experiments; a shop without that history has its plan.)
    At N* this is also, to about 1 % at alpha 0.05, the tau^2 that makes the interval
    narrowest there (GrowthBook's choice, ``(-2 log alpha + log(1 - 2 log alpha)) * SE^2``:
    7.94 SE^2 against (1.96 + 0.84)^2 SE^2 = 7.85 SE^2).

    >>> round(default_mixing_variance(0.01), 6)
    0.000785
    """
    error = check_finite(standard_error_at_plan, name="standard_error_at_plan")
    if error <= 0.0:
        raise ValueError(f"standard_error_at_plan must be positive, got {standard_error_at_plan!r}")
    alpha = check_alpha(alpha)
    power = check_power(power, alpha=alpha)
    effect = float(scipy_stats.norm.isf(alpha / 2.0) + scipy_stats.norm.ppf(power)) * error
    return effect * effect

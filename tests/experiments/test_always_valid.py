"""Always-valid inference (mSPRT): the closed form is the mixture likelihood ratio it claims
to be, peeking at A/A streams after every batch rejects no more than alpha (where a fixed
test read the same way rejects far more), a real effect is found, and the interval is
wider than the fixed-horizon one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy import stats as scipy_stats

from prefero.experiments.sequential import (
    TUNING_UNITS,
    AlwaysValid,
    always_valid,
    default_mixing_variance,
    running,
    tuning_standard_error,
)


def mixture_ratio(difference: float, error: float, tau2: float, null: float) -> float:
    """Lambda by numerical integration: the likelihood of the estimate mixed over the prior
    N(null, tau^2) on the true difference, over its likelihood at the null."""
    def integrand(theta: float) -> float:
        return float(scipy_stats.norm.pdf(difference, theta, error)
                     * scipy_stats.norm.pdf(theta, null, math.sqrt(tau2)))
    mixed, _ = integrate.quad(integrand, null - 40 * math.sqrt(tau2),
                              null + 40 * math.sqrt(tau2), points=[difference], limit=200)
    return float(mixed) / float(scipy_stats.norm.pdf(difference, null, error))


@pytest.mark.parametrize(("difference", "error", "tau2"), [
    (0.03, 0.01, 0.0004), (0.005, 0.01, 0.0004), (-2.0, 1.5, 9.0), (0.01, 0.002, 1e-6)])
def test_the_p_value_is_the_inverse_of_the_mixture_likelihood_ratio(
        difference: float, error: float, tau2: float) -> None:
    result = always_valid(difference=difference, standard_error=error, mixing_variance=tau2)
    assert result.p_value == pytest.approx(min(1.0, 1.0 / mixture_ratio(
        difference, error, tau2, 0.0)), rel=1e-7)


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
def test_the_interval_ends_where_the_ratio_reaches_one_over_alpha(alpha: float) -> None:
    # The mixture is centred on the tested value theta: Lambda(theta) depends on d - theta.
    result = always_valid(difference=0.02, standard_error=0.01, alpha=alpha,
                          mixing_variance=0.0004)
    for end in (result.ci_low, result.ci_high):
        assert mixture_ratio(0.02, 0.01, 0.0004, end) == pytest.approx(1.0 / alpha, rel=1e-7)


def _streams(seed: int, *, streams: int, looks: int, batch: int,
             effect: float) -> tuple[np.ndarray, np.ndarray]:
    """Differences of means and their estimated standard errors after every look."""
    rng = np.random.default_rng(seed)
    shape = (streams, looks, batch)
    control = rng.normal(0.0, 1.0, size=shape)
    treatment = rng.normal(effect, 1.0, size=shape)
    units = batch * np.arange(1, looks + 1)

    def running_moments(arm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        total = arm.sum(axis=2).cumsum(axis=1)
        squares = (arm**2).sum(axis=2).cumsum(axis=1)
        mean = total / units
        return mean, (squares - units * mean**2) / (units - 1)

    control_mean, control_variance = running_moments(control)
    treatment_mean, treatment_variance = running_moments(treatment)
    error = np.sqrt(control_variance / units + treatment_variance / units)
    return treatment_mean - control_mean, error


STREAMS, LOOKS, BATCH = 2000, 50, 20
PLANNED_ERROR = math.sqrt(2.0 / (LOOKS * BATCH))  # unit variance, the last look's units
TAU2 = default_mixing_variance(PLANNED_ERROR)


def _ever_rejected(differences: np.ndarray, errors: np.ndarray, alpha: float) -> np.ndarray:
    rejected = np.zeros(differences.shape[0], dtype=bool)
    for stream in range(differences.shape[0]):
        state: AlwaysValid | None = None
        for look in range(differences.shape[1]):
            state = running(state, always_valid(
                difference=float(differences[stream, look]),
                standard_error=float(errors[stream, look]), alpha=alpha,
                mixing_variance=TAU2))
        assert state is not None
        rejected[stream] = state.p_value <= alpha
    return rejected


def test_peeking_at_a_a_streams_keeps_the_false_positive_rate_within_alpha() -> None:
    differences, errors = _streams(7, streams=STREAMS, looks=LOOKS, batch=BATCH, effect=0.0)
    rate = _ever_rejected(differences, errors, 0.05).mean()
    assert rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / STREAMS)
    # The same looks read with the fixed-horizon test: the problem this module solves.
    fixed = 2 * scipy_stats.norm.sf(np.abs(differences / errors))
    assert (fixed <= 0.05).any(axis=1).mean() > 0.2


def test_a_real_effect_is_found_most_of_the_time() -> None:
    # An effect of 1.5 times the planned minimum detectable one (sqrt of tau^2).
    differences, errors = _streams(8, streams=500, looks=LOOKS, batch=BATCH,
                                   effect=1.5 * math.sqrt(TAU2))
    assert _ever_rejected(differences, errors, 0.05).mean() > 0.8


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(1e-4, 1e3), st.floats(1e-6, 1e6),
       st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.5]))
def test_the_always_valid_interval_is_wider_than_the_fixed_one(
        difference: float, error: float, scale: float, alpha: float) -> None:
    result = always_valid(difference=difference, standard_error=error, alpha=alpha,
                          mixing_variance=scale * error * error)
    fixed = float(scipy_stats.norm.isf(alpha / 2)) * error
    assert result.ci_low < difference - fixed
    assert result.ci_high > difference + fixed
    assert 0.0 <= result.p_value <= 1.0
    # The p-value and the interval tell the same story about 0.
    if result.p_value < alpha * 0.999:
        assert not result.ci_low <= 0.0 <= result.ci_high
    if result.p_value > alpha * 1.001:
        assert result.ci_low <= 0.0 <= result.ci_high


def test_running_keeps_the_smallest_p_value_and_the_intersection() -> None:
    looks = [AlwaysValid(p_value=0.4, ci_low=-3.0, ci_high=5.0),
             AlwaysValid(p_value=0.2, ci_low=-1.0, ci_high=6.0),
             AlwaysValid(p_value=0.6, ci_low=-2.0, ci_high=2.0)]
    state = None
    for look in looks:
        state = running(state, look)
    assert state == AlwaysValid(p_value=0.2, ci_low=-1.0, ci_high=2.0)


def test_running_keeps_the_current_interval_when_the_intersection_is_empty() -> None:
    previous = AlwaysValid(p_value=0.01, ci_low=1.0, ci_high=2.0)
    current = AlwaysValid(p_value=0.3, ci_low=-1.0, ci_high=0.5)
    assert running(previous, current) == AlwaysValid(p_value=0.01, ci_low=-1.0, ci_high=0.5)


def test_no_estimate_and_no_noise() -> None:
    nothing = always_valid(difference=0.5, standard_error=math.inf, mixing_variance=1.0)
    assert nothing == AlwaysValid(p_value=1.0, ci_low=-math.inf, ci_high=math.inf)
    # No variation yet (no conversion in either arm): a point interval would be kept by
    # ``running`` from then on, so it is the whole line too.
    assert always_valid(difference=0.0, standard_error=0.0, mixing_variance=1.0) == nothing
    assert always_valid(difference=1.0, standard_error=0.0, mixing_variance=1.0) == nothing


def test_default_mixing_variance_is_the_planned_mde_squared() -> None:
    z = scipy_stats.norm.isf(0.025) + scipy_stats.norm.ppf(0.8)
    assert default_mixing_variance(0.01) == pytest.approx((z * 0.01) ** 2, rel=1e-12)
    z = scipy_stats.norm.isf(0.005) + scipy_stats.norm.ppf(0.9)
    assert default_mixing_variance(2.0, alpha=0.01, power=0.9) == pytest.approx(
        (z * 2.0) ** 2, rel=1e-12)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"standard_error": -1.0}, "standard_error must be a number of at least 0"),
    ({"standard_error": math.nan}, "standard_error must be a number of at least 0"),
    ({"mixing_variance": 0.0}, "mixing_variance must be positive"),
    ({"mixing_variance": math.inf}, "mixing_variance must be a finite number"),
    ({"difference": math.nan}, "difference must be a finite number"),
    ({"alpha": 1.0}, "alpha must lie in"),
])
def test_bad_arguments_are_refused(arguments: dict[str, float], message: str) -> None:
    values = {"difference": 0.1, "standard_error": 0.05, "mixing_variance": 0.01}
    values.update(arguments)
    with pytest.raises(ValueError, match=message):
        always_valid(**values)


def test_default_mixing_variance_refuses_a_plan_without_noise() -> None:
    with pytest.raises(ValueError, match="standard_error_at_plan must be positive"):
        default_mixing_variance(0.0)
    with pytest.raises(ValueError, match="power must exceed alpha"):
        default_mixing_variance(0.01, power=0.01)


@pytest.mark.parametrize(("control", "treatment"), [(100, 100), (1000, 1500), (40_000, 39_000)])
def test_the_mixture_is_tuned_at_n_star_whatever_the_units_so_far(control: int,
                                                                  treatment: int) -> None:
    # Per-unit variance 0.09 in both arms (a 10 % rate): the same tau^2 at any sample,
    # the squared MDE of 5,000 units per arm.
    error = math.sqrt(0.09 / control + 0.09 / treatment)
    planned = tuning_standard_error(error, control_units=control, treatment_units=treatment)
    assert TUNING_UNITS == 5000
    assert planned == pytest.approx(math.sqrt(2 * 0.09 / 5000), rel=1e-12)
    z = scipy_stats.norm.isf(0.025) + scipy_stats.norm.ppf(0.8)
    assert default_mixing_variance(planned) == pytest.approx(z * z * 2 * 0.09 / 5000,
                                                             rel=1e-12)

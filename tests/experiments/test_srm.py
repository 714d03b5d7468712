"""Sample-ratio mismatch: the chi-square of scipy on the same counts, a 52/48 split of a
50/50 plan flagged once there are enough units to tell, ordinary noise not flagged."""

from __future__ import annotations

import pytest
from scipy.stats import chisquare

from prefero.experiments.srm import SRM_ALPHA, SrmCheck, srm


@pytest.mark.parametrize(("observed", "shares"), [
    ([3120, 2880], [0.5, 0.5]), ([1010, 2950, 1040], [0.2, 0.6, 0.2]),
    ([70, 30], [7, 3]), ([5, 0, 9], [1, 1, 2])])
def test_equals_scipy_chisquare(observed: list[int], shares: list[float]) -> None:
    check = srm(observed, shares)
    total = sum(shares)
    expected = [sum(observed) * share / total for share in shares]
    statistic, p_value = chisquare(observed, f_exp=expected)
    assert check.chi_square == pytest.approx(statistic, rel=1e-12)
    assert check.p_value == pytest.approx(p_value, rel=1e-9)
    assert check.expected == pytest.approx(tuple(expected), rel=1e-12)
    assert check.observed == tuple(observed)
    assert check.flagged == (p_value < SRM_ALPHA)


def test_a_52_48_split_of_12000_units_is_flagged() -> None:
    check = srm([6240, 5760], [0.5, 0.5])
    assert check.chi_square == pytest.approx(19.2)
    assert check.p_value < SRM_ALPHA and check.flagged


def test_a_52_48_split_of_6000_units_is_not_yet_beyond_the_threshold() -> None:
    # chi-square 9.6, p = 0.0019: suspicious, but a healthy experiment gets that one time
    # in 500, more often than SRM_ALPHA allows. Twice the units (above) settle it.
    check = srm([3120, 2880], [0.5, 0.5])
    assert check.chi_square == pytest.approx(9.6)
    assert 0.001 < check.p_value < 0.002
    assert not check.flagged


def test_ordinary_noise_is_not_flagged() -> None:
    assert not srm([3020, 2980], [0.5, 0.5]).flagged
    assert not srm([2037, 1985, 3978], [1, 1, 2]).flagged


def test_shares_are_normalised() -> None:
    assert srm([60, 40], [3, 2]) == srm([60, 40], [0.6, 0.4])


def test_no_units_is_nothing_to_flag() -> None:
    assert srm([0, 0], [0.5, 0.5]) == SrmCheck(observed=(0, 0), expected=(0.0, 0.0),
                                               chi_square=0.0, p_value=1.0, flagged=False)


@pytest.mark.parametrize(("observed", "shares", "message"), [
    ([10], [1.0], "at least two arms"),
    ([10, 10], [0.5, 0.3, 0.2], "one entry per arm"),
    ([10, 10], [0.5, 0.0], "positive numbers"),
    ([10, 10], [0.5, float("nan")], "positive numbers"),
    ([10, -1], [0.5, 0.5], "observed must be a whole number"),
    ([10, 2.5], [0.5, 0.5], "observed must be a whole number"),
])
def test_bad_arguments_are_refused(observed: list[int], shares: list[float],
                                   message: str) -> None:
    with pytest.raises(ValueError, match=message):
        srm(observed, shares)

"""Sample-ratio mismatch: are the arms' unit counts what the planned split would give?

A mismatch means the assignment or the logging is broken (a redirect that loses some
visitors, a bot filter that works on one arm only), and then no metric of the experiment
can be trusted, however significant it looks. The check is Pearson's chi-square goodness of
fit with k - 1 degrees of freedom, flagged at a small ``SRM_ALPHA``: it is run on every
experiment at every look, and a false alarm stops an experiment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

from prefero.experiments._checks import check_count

__all__ = ["SRM_ALPHA", "SrmCheck", "srm"]

# The threshold the experimentation literature uses (Kohavi, Tang and Xu, "Trustworthy
# Online Controlled Experiments", ch. 21); 0.05 would flag one healthy experiment in 20.
SRM_ALPHA = 0.001


@dataclass(frozen=True)
class SrmCheck:
    """Observed and expected units per arm, the chi-square statistic, its p-value, and
    whether the split is flagged as broken (``p_value < SRM_ALPHA``).

    >>> srm([500, 500], [0.5, 0.5]).flagged
    False
    """

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi_square: float
    p_value: float
    flagged: bool


def srm(observed: Sequence[int], shares: Sequence[float]) -> SrmCheck:
    """The chi-square check of ``observed`` units per arm against the planned ``shares``
    (any positive weights, normalised here: ``[1, 1]`` is a 50/50 split). No units yet:
    nothing to check, p 1, not flagged.

    >>> check = srm([6240, 5760], [0.5, 0.5])
    >>> check.expected, round(check.chi_square, 1), check.flagged
    ((6000.0, 6000.0), 19.2, True)
    >>> srm([3020, 2980], [1, 1]).flagged
    False
    """
    counts = tuple(check_count(value, name="observed") for value in observed)
    weights = tuple(float(share) for share in shares)
    if len(counts) < 2:
        raise ValueError("an experiment needs at least two arms")
    if len(weights) != len(counts):
        raise ValueError("shares must have one entry per arm")
    if not all(math.isfinite(weight) and weight > 0.0 for weight in weights):
        raise ValueError("shares must be positive numbers")
    total = sum(counts)
    weight_sum = math.fsum(weights)
    expected = tuple(total * weight / weight_sum for weight in weights)
    if total == 0:
        return SrmCheck(observed=counts, expected=expected, chi_square=0.0, p_value=1.0,
                        flagged=False)
    chi_square = math.fsum((count - want) ** 2 / want
                           for count, want in zip(counts, expected, strict=True))
    p_value = float(scipy_stats.chi2.sf(chi_square, len(counts) - 1))
    return SrmCheck(observed=counts, expected=expected, chi_square=chi_square, p_value=p_value,
                    flagged=p_value < SRM_ALPHA)

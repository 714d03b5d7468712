"""CUPED: less variance in an experiment's metric by subtracting what the pre-period already
predicted (Deng, Xu, Kohavi and Walker, "Improving the sensitivity of online controlled
experiments by utilizing pre-experiment data", WSDM 2013).

Each unit's outcome ``y`` becomes ``y - theta * (x - mean(x))``, ``x`` being the same
metric for the unit before the experiment began. Because assignment to arms does not
depend on the pre-period, the adjustment has the same expectation in every arm: the
difference between arms keeps its expected value and loses the share of the variance that
``x`` explains. ``theta`` is estimated once on all arms together (pooled), so that every
arm is adjusted by the same amount; per-arm estimates would let the adjustment differ
between arms and bias the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from prefero.experiments._checks import check_values

__all__ = ["Adjusted", "cuped"]


@dataclass(frozen=True)
class Adjusted:
    """Adjusted per-unit outcomes (in the input's order), the ``theta`` used and the share
    of the variance removed, ``1 - var(adjusted) / var(outcome)`` over all units together.

    >>> cuped([1.0, 2.0], [1.0, 2.0]).theta
    1.0
    """

    values: np.ndarray
    theta: float
    variance_reduction: float


def cuped(outcome: ArrayLike, covariate: ArrayLike) -> Adjusted:
    """CUPED-adjusted ``outcome`` with ``covariate`` (one pre-period value per unit, same
    order), all arms passed together: ``theta = cov(x, y) / var(x)`` over the pooled units.
    A covariate without variation (or fewer than two units) explains nothing: ``theta`` 0
    and the outcome unchanged.

    >>> adjusted = cuped([3.0, 5.0, 4.0, 8.0], [1.0, 3.0, 2.0, 4.0])
    >>> adjusted.theta
    1.6
    >>> adjusted.values.round(2).tolist()
    [5.4, 4.2, 4.8, 5.6]
    >>> round(adjusted.variance_reduction, 3)
    0.914
    """
    y = check_values(outcome, name="outcome")
    x = check_values(covariate, name="covariate")
    if y.size != x.size:
        raise ValueError("outcome and covariate must have one value per unit each")
    if y.size < 2:
        return Adjusted(values=y.copy(), theta=0.0, variance_reduction=0.0)
    centred = x - x.mean()
    spread = float(centred @ centred)
    if spread == 0.0:
        return Adjusted(values=y.copy(), theta=0.0, variance_reduction=0.0)
    # The ddof cancels in the quotient, so sums of products suffice.
    theta = float(centred @ (y - y.mean())) / spread
    values = y - theta * centred
    original = float(y.var())
    reduction = 1.0 - float(values.var()) / original if original > 0.0 else 0.0
    # Exactly the squared correlation, in [0, 1]; rounding may step just outside.
    reduction = min(max(reduction, 0.0), 1.0)
    return Adjusted(values=values, theta=theta, variance_reduction=reduction)

"""Adjusted p-values for several comparisons read together (A/B/n arms, several metrics).

Holm's step-down method controls the family-wise error rate (the chance of any false
positive) and is uniformly more powerful than Bonferroni. Benjamini-Hochberg controls the
false discovery rate (the expected share of false positives among the rejections), the
right choice for many secondary metrics. Both answer in the input's order; an adjusted
p-value below ``alpha`` is a rejection at ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["benjamini_hochberg", "holm"]


def _checked(p_values: Sequence[float]) -> list[float]:
    values = [float(value) for value in p_values]
    if not all(math.isfinite(value) and 0.0 <= value <= 1.0 for value in values):
        raise ValueError("p-values must be numbers in [0, 1]")
    return values


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values: the i-th smallest becomes the largest of
    ``(m - j + 1) * p_(j)`` over ``j <= i`` (at most 1).

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    values = _checked(p_values)
    count = len(values)
    adjusted = [0.0] * count
    largest = 0.0
    # A stable sort: ties keep their order and, through the running maximum, one value.
    for rank, index in enumerate(sorted(range(count), key=values.__getitem__)):
        largest = max(largest, min(1.0, (count - rank) * values[index]))
        adjusted[index] = largest
    return adjusted


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg-adjusted p-values: the i-th smallest becomes the smallest of
    ``m * p_(j) / j`` over ``j >= i`` (at most 1).

    >>> benjamini_hochberg([0.01, 0.04, 0.03])
    [0.03, 0.04, 0.04]
    """
    values = _checked(p_values)
    count = len(values)
    adjusted = [0.0] * count
    smallest = 1.0
    order = sorted(range(count), key=values.__getitem__)
    for rank in range(count - 1, -1, -1):
        index = order[rank]
        # m / j first: it is at least 1, so rounding cannot take the product below p.
        smallest = min(smallest, values[index] * (count / (rank + 1)))
        adjusted[index] = smallest
    return adjusted

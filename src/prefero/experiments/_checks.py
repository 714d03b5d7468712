"""Argument checks the statistics modules share, so that every one of them refuses a bad
argument with the same words (callers turn ``ValueError`` into a 422 and show the message)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["check_alpha", "check_count", "check_finite", "check_power", "check_values"]


def check_alpha(alpha: float) -> float:
    """``alpha`` when it lies in (0, 0.5]; a wider one would ask for an interval that covers
    less often than it misses.

    >>> check_alpha(0.05)
    0.05
    >>> check_alpha(0.0)
    Traceback (most recent call last):
    ...
    ValueError: alpha must lie in (0, 0.5], got 0.0
    """
    if not (math.isfinite(alpha) and 0.0 < alpha <= 0.5):
        raise ValueError(f"alpha must lie in (0, 0.5], got {alpha!r}")
    return float(alpha)


def check_power(power: float, *, alpha: float) -> float:
    """``power`` when it lies in (0, 1) and exceeds ``alpha`` (a test with no effect to find
    already rejects with probability ``alpha``, so no effect size gives less).

    >>> check_power(0.8, alpha=0.05)
    0.8
    >>> check_power(0.01, alpha=0.05)
    Traceback (most recent call last):
    ...
    ValueError: power must exceed alpha (0.05), got 0.01
    """
    if not (math.isfinite(power) and 0.0 < power < 1.0):
        raise ValueError(f"power must lie in (0, 1), got {power!r}")
    if power <= alpha:
        raise ValueError(f"power must exceed alpha ({alpha!r}), got {power!r}")
    return float(power)


def check_count(value: int, *, name: str, minimum: int = 0) -> int:
    """``value`` when it is a whole number of at least ``minimum``.

    >>> check_count(3, name="control_n")
    3
    >>> check_count(-1, name="control_n")
    Traceback (most recent call last):
    ...
    ValueError: control_n must be a whole number of at least 0, got -1
    """
    # bool is an int to Python, and True units would be a raw value leaking into a count.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def check_finite(value: float, *, name: str) -> float:
    """``value`` as a float when it is a finite number.

    >>> check_finite(2, name="mean")
    2.0
    >>> check_finite(float("nan"), name="mean")
    Traceback (most recent call last):
    ...
    ValueError: mean must be a finite number, got nan
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def check_values(values: ArrayLike, *, name: str) -> np.ndarray:
    """``values`` as a flat float array when every one is a finite number.

    >>> check_values([1, 2.5], name="outcome").tolist()
    [1.0, 2.5]
    >>> check_values([[1.0]], name="outcome")
    Traceback (most recent call last):
    ...
    ValueError: outcome must be a flat sequence of numbers
    """
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers only")
    return array

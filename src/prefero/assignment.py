"""Deterministic bucketing: a unit (a visitor, a customer) and a salt (one per content slot
or experiment) give a number in [0, 1) that never changes, so a visitor sees the same arm on
every request without anything stored, and two slots with different salts split visitors
independently of each other.

The number is the first 64 bits of SHA-256 over ``salt``, a separator and ``unit``, divided
by 2**64. A cryptographic hash, not Python's ``hash`` (salted per process) nor a random draw
per request (a visitor would flip between arms, and an experiment's exposures would not
mean anything). Content slots use it now; experiments use the same scheme.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["bucket", "pick"]

_SCALE = float(2**64)


def bucket(*, unit: str, salt: str) -> float:
    """The unit's place in [0, 1) under ``salt``: the same for the same pair, everywhere.

    >>> bucket(unit="visitor-1", salt="s") == bucket(unit="visitor-1", salt="s")
    True
    >>> 0.0 <= bucket(unit="visitor-1", salt="s") < 1.0
    True
    >>> bucket(unit="visitor-1", salt="s") != bucket(unit="visitor-1", salt="t")
    True
    """
    # A NUL between the two parts: ("ab", "c") and ("a", "bc") must not collide.
    digest = hashlib.sha256(f"{salt}\x00{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def pick(position: float, shares: Sequence[float]) -> int | None:
    """The index of the arm whose range holds ``position``: arms take consecutive ranges of
    [0, 1) of their ``shares``' widths, in order; ``None`` past the last (shares summing to
    less than 1 leave the rest to nobody).

    >>> pick(0.1, [0.2, 0.8]), pick(0.2, [0.2, 0.8]), pick(0.99, [0.2, 0.3])
    (0, 1, None)
    """
    start = 0.0
    for index, share in enumerate(shares):
        end = start + share
        if start <= position < end:
            return index
        start = end
    return None

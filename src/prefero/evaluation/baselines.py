"""The model protocol the evaluator drives, and the popularity baselines.

``poprec`` is the *reference* baseline exactly as the S3-Rec paper's PopRec row defines
it (counts over all sequences, held-out items included; ties count below the target).
It leaks the test items into its counts, so it is a check that the evaluator is right,
never a candidate for "best". ``popularity`` is the production model: training prefixes
only, and it breaks its own ties by item id so the pessimistic rule costs it nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from prefero.evaluation.data import IntArray, LeaveOneOut
from prefero.evaluation.metrics import FloatArray, TieRule

__all__ = ["PopRec", "Popularity", "Recommender", "item_counts"]


@runtime_checkable
class Recommender(Protocol):
    """What the evaluator needs from a model. ``users`` index the split's kept users and
    ``histories`` are what the model may use for them (everything before the target)."""

    name: str
    ties: TieRule
    reference: bool

    def fit(self, split: LeaveOneOut) -> Recommender: ...

    def score(self, users: IntArray, histories: Sequence[IntArray]) -> FloatArray: ...


def item_counts(sequences: Sequence[IntArray], n_items: int) -> IntArray:
    """Interaction count per item (repeats count every time).

    >>> item_counts([np.array([0, 2, 2])], 3).tolist()
    [1, 0, 2]
    """
    if not sequences:
        return np.zeros(n_items, dtype=np.int64)
    return np.bincount(np.concatenate(list(sequences)), minlength=n_items).astype(np.int64)


class _StaticScores:
    """Shared by both popularity models: the same score vector for every user."""

    name = "static"
    ties: TieRule = "pessimistic"
    reference = False

    def __init__(self) -> None:
        self._scores: FloatArray = np.zeros(0, dtype=np.float64)

    def score(self, users: IntArray, histories: Sequence[IntArray]) -> FloatArray:
        return np.broadcast_to(self._scores, (len(users), len(self._scores)))


class PopRec(_StaticScores):
    """Reference PopRec: total interaction count over ALL sequences, ties in the target's
    favour (an item tied with the target counts below it)."""

    name = "poprec"
    ties: TieRule = "optimistic"
    reference = True

    def fit(self, split: LeaveOneOut) -> PopRec:
        self._scores = item_counts(split.full, split.n_items).astype(np.float64)
        return self


class Popularity(_StaticScores):
    """Production popularity: counts over training prefixes only; among equal counts the
    lower item index ranks first, so no two items ever tie."""

    name = "popularity"

    def fit(self, split: LeaveOneOut) -> Popularity:
        counts = item_counts(split.train, split.n_items).astype(np.float64)
        n = split.n_items
        # count * n + (n - 1 - id) is exact in float64 far beyond any real catalogue.
        self._scores = counts * n + (n - 1 - np.arange(n, dtype=np.float64))
        return self

"""The reference baseline ``poprec``, exactly as the S3-Rec paper's PopRec row defines it.

Counts are taken over ALL sequences (the validation and test items included) and an item
tied with the target counts below it. It leaks the held-out items into its counts, so it is
a check that the evaluator is right (it must reproduce the published row), never a
candidate for "best" and never a production model: ``prefero.models``' ``popularity``
is that one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np

from prefero.evaluation.data import IntArray, LeaveOneOut
from prefero.models.base import item_counts
from prefero.models.ranking import FloatArray, TieRule

__all__ = ["PopRec", "item_counts"]


class PopRec:
    """Reference PopRec: total interaction count over ALL sequences, ties in the target's
    favour. Evaluation-only: it reads the whole split, held-out items included.

    >>> # model = PopRec().fit(split); model.score(split.test_histories())
    """

    name = "poprec"
    ties: TieRule = "optimistic"

    def __init__(self) -> None:
        self._scores: FloatArray = np.zeros(0, dtype=np.float64)

    def fit(self, split: LeaveOneOut) -> Self:
        self._scores = item_counts(split.full, split.n_items).astype(np.float64)
        return self

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        """The same count vector for every history (a read-only view, not a copy)."""
        return np.broadcast_to(self._scores, (len(histories), len(self._scores)))

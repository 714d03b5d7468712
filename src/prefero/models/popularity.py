"""Non-personal models: all-time popularity and time-decayed trending.

Both score every history alike. They are the fallback for an empty or withheld history and
the editorial signals of the live pipeline; in evaluation they are the floor every
personal model has to clear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    popularity_tiebreak,
)
from prefero.models.tuning import Search, sample_validation, validation_ndcg

__all__ = ["Popularity", "Trending"]


class _Static(ItemRecommender):
    """One score vector for everybody."""

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._scores: FloatArray = np.zeros(0, dtype=np.float64)

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        return np.broadcast_to(self._scores, (len(histories), len(self._scores)))

    @property
    def item_scores(self) -> FloatArray:
        """The shared score vector (what the live pipeline reads as a signal)."""
        return self._scores

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"scores": self._scores}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._scores = np.asarray(arrays["scores"], dtype=np.float64)


class Popularity(_Static):
    """Training interactions per item, normalised to a maximum of 1; ties broken by the
    lower item index."""

    name = "popularity"

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        counts = data.item_counts().astype(np.float64)
        peak = counts.max() if len(counts) and counts.max() > 0 else 1.0
        self.n_items = data.n_items
        self._scores = counts / peak + popularity_tiebreak(counts)
        return self


def _ages(data: TrainingData) -> tuple[IntArray, FloatArray]:
    """Every interaction's item and its age as a fraction of the data's time span (0 = the
    newest, 1 = the oldest). Without timestamps, the position from the end of the user's own
    sequence stands in for time, scaled by the longest sequence."""
    nonempty = [i for i, s in enumerate(data.sequences) if len(s)]
    if not nonempty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    items = np.concatenate([data.sequences[i] for i in nonempty]).astype(np.int64)
    if data.timestamps is not None:
        times = np.concatenate([np.asarray(data.timestamps[i], dtype=np.float64)
                                for i in nonempty])
        span = float(times.max() - times.min()) or 1.0
        return items, (float(times.max()) - times) / span
    back = np.concatenate([np.arange(len(data.sequences[i]))[::-1] for i in nonempty])
    return items, back / max(float(back.max()), 1.0)


class Trending(_Static):
    """Interactions weighted by ``0.5 ** (age / half_life)``; the half-life (a fraction of
    the data's time span) is chosen on the validation item from a small grid."""

    name = "trending"
    GRID: tuple[float, ...] = (0.02, 0.05, 0.1, 0.25, 0.5)

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        items, ages = _ages(data)
        counts = data.item_counts()
        if validation is None:
            self._scores = self._decayed(items, ages, counts,
                                         float(self.params.get("half_life", 0.1)))
            return self
        sample = sample_validation(validation, seed=self.seed)
        search = Search()
        for half_life in self.GRID:
            self._scores = self._decayed(items, ages, counts, half_life)
            search.offer({"half_life": half_life},
                         validation_ndcg(self.score, sample, n_items=self.n_items))
        assert search.best_params is not None
        self.params = search.best_params
        self.search_log = search.log
        self._scores = self._decayed(items, ages, counts, float(self.params["half_life"]))
        return self

    def _decayed(self, items: IntArray, ages: FloatArray, counts: IntArray,
                 half_life: float) -> FloatArray:
        weights = np.power(0.5, ages / half_life)
        decayed = np.bincount(items, weights=weights, minlength=self.n_items)
        peak = decayed.max() if len(decayed) and decayed.max() > 0 else 1.0
        # Ties (items with no recent interactions) fall back to all-time popularity.
        scores: FloatArray = decayed / peak + popularity_tiebreak(counts, scale=1e-6)
        return scores



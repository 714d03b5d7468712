"""Each item's followers, worked out once at training: the items shoppers went on to choose
after it (the item-to-item models' ``neighbours``), with what the models expect of them after
a history of that one item alone, on the models' common scale (``mean_lifted``).

Every product page and every known customer's journey reads a few of these lists. Worked out
at request time, each one costs a model fold-in and a pass over every item per model: at
100,000 products that was two thirds of a request (docs/benchmarks.md). Training computes
them in batches, where the matrix products are cheap per item, and the artefact version
stores them as three arrays (compressed rows, in the artefact's item order), memory-mapped
like the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from prefero.models import ItemRecommender
from prefero.models.cooccurrence import CoOccurrence, Transitions
from prefero.recommend.catalog_index import FloatArray, IntArray

__all__ = [
    "FOLLOWERS_K",
    "FollowersTable",
    "followers_table",
    "lifted",
    "mean_lifted",
    "observed_after",
]

#: Observed followers kept per item-to-item model: what the request path asks for
#: ("often chosen after" and "also chosen" both read the top 50).
FOLLOWERS_K = 50
#: Items scored per matrix product at training (each a row over the whole catalogue).
_BATCH = 64


@dataclass(frozen=True)
class FollowersTable:
    """Item ``a``'s followers are ``items[indptr[a]:indptr[a + 1]]`` (artefact positions,
    ascending) with ``scores`` at the same places; ``k`` is the depth they were read at."""

    #: The arrays' names in an artefact version.
    FILES: ClassVar[tuple[str, ...]] = ("followers_indptr", "followers_items",
                                        "followers_scores")

    k: int
    indptr: npt.NDArray[np.int64]
    items: npt.NDArray[np.int32]
    scores: FloatArray

    def of(self, item: int) -> tuple[npt.NDArray[np.int32], FloatArray]:
        start, end = int(self.indptr[item]), int(self.indptr[item + 1])
        return self.items[start:end], self.scores[start:end]

    def arrays(self) -> dict[str, np.ndarray]:
        """What an artefact version stores (``from_arrays`` reads it back)."""
        return dict(zip(self.FILES, (self.indptr, self.items, self.scores), strict=True))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], *, k: int) -> FollowersTable:
        indptr, items, scores = (arrays[name] for name in cls.FILES)
        return cls(k=k, indptr=indptr, items=items, scores=scores)


def lifted(raw: FloatArray) -> FloatArray:
    """Each row standardised, cut at zero (below-average items get nothing) and scaled to a
    maximum of 1: models with incomparable scales on one scale, only their picks lifted.

    >>> lifted(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[0.0, 0.0, 1.0]]
    """
    # In place on one array, the arithmetic of mean, std and clip unchanged (np.std also
    # squares the centred values and averages them): each pass over the catalogue counts
    # on a large one.
    result: FloatArray = raw - raw.mean(axis=1, keepdims=True)
    spread = np.sqrt(np.mean(np.square(result), axis=1, keepdims=True))
    result /= np.where(spread > 0, spread, 1.0)
    np.maximum(result, 0.0, out=result)
    top = result.max(axis=1, keepdims=True)
    result /= np.where(top > 0, top, 1.0)
    return result


def mean_lifted(models: Sequence[ItemRecommender], histories: Sequence[IntArray], *,
                n_items: int, weights: Sequence[float] | None = None) -> FloatArray:
    """The models' ``lifted`` scores after each history (artefact positions), averaged with
    ``weights`` (one per model; equal when ``None``): ``len(histories) × n_items``, zeros
    without models.

    >>> mean_lifted([], [np.array([0])], n_items=2).tolist()
    [[0.0, 0.0]]
    """
    out = np.zeros((len(histories), n_items))
    if not models or not len(histories):
        return out
    shares = [1.0] * len(models) if weights is None else [float(w) for w in weights]
    if len(shares) != len(models):
        raise ValueError(f"{len(models)} models, {len(shares)} weights")
    for model, weight in zip(models, shares, strict=True):
        row = lifted(np.asarray(model.score(histories), dtype=np.float64))
        if weight != 1.0:  # equal weights keep the plain mean's arithmetic, bit for bit
            row *= weight
        out += row
    total = sum(shares)
    out /= total if total > 0 else 1.0
    return out


def observed_after(models: Sequence[ItemRecommender], item: int, *, k: int) -> IntArray:
    """Artefact positions shoppers went on to choose after (or together with) ``item``, up
    to ``k`` per item-to-item model, ascending: the evidence an "also chose" claim rests on.
    The other models' scores reach every item (factorisation, popularity tie-breaks), so
    they rank but never prove a relation."""
    found = [model.neighbours(item, k=k)[0] for model in models
             if isinstance(model, Transitions | CoOccurrence)]
    if not found:
        return np.zeros(0, dtype=np.int64)
    result: IntArray = np.unique(np.concatenate(found))
    return result


def followers_table(models: Sequence[ItemRecommender], *, n_items: int,
                    k: int = FOLLOWERS_K, weights: Sequence[float] | None = None,
                    evidence: Sequence[ItemRecommender] = ()) -> FollowersTable:
    """Every item's followers and their scores, as ``ModelView.followers`` would work them
    out one request at a time (the same arithmetic: ``mean_lifted`` of a batch of
    one-item histories with the served ``weights``, read at ``observed_after`` of the
    served models and the ``evidence`` ones kept only to count choices)."""
    counted = [*models, *evidence]
    observed = [observed_after(counted, item, k=k) for item in range(n_items)]
    lengths = np.fromiter((found.size for found in observed), dtype=np.int64, count=n_items)
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    items = np.zeros(int(indptr[-1]), dtype=np.int32)
    scores = np.zeros(int(indptr[-1]), dtype=np.float64)
    # Only items with an observed follower need a score row.
    todo = np.flatnonzero(lengths)
    for start in range(0, todo.size, _BATCH):
        batch = todo[start:start + _BATCH]
        rows = mean_lifted(models, [np.array([item], dtype=np.int64) for item in batch],
                           n_items=n_items, weights=weights)
        for row, item in enumerate(batch):
            found = observed[item]
            begin, end = int(indptr[item]), int(indptr[item + 1])
            items[begin:end] = found
            scores[begin:end] = rows[row, found]
    return FollowersTable(k=k, indptr=indptr, items=items, scores=scores)

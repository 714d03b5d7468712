"""Item-to-item models with recency weighting: directed transitions and co-occurrence.

From the training sequences, every item ``a`` followed ``d`` places later (``d <= window``)
by item ``b`` adds ``1 / d`` to ``C[a, b]``; ``symmetric * C.T`` is added as well (the
reverse direction, i.e. plain co-occurrence, at a smaller weight). Columns may be damped by
the target's popularity (``C[:, b] / in(b) ** damping``) so that a few best sellers do not
follow everything. Row ``a`` is divided by ``out(a) + shrinkage × mean(out)``: rare sources
do not get over-confident rows, and the shrinkage is relative, so it does not depend on the
data's size.

A history is scored by summing the rows of its last ``last_n`` items, the most recent with
weight 1 and each older one ``recency`` times the next; training popularity breaks ties.

``Transitions`` searches the directed family (small ``symmetric``); ``CoOccurrence`` fixes
``symmetric = 1`` (order does not matter), which is what "bought together" placements want.
Both choose their settings from a small grid on the validation item only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    popularity_tiebreak,
)
from prefero.models.tuning import Search, grid, sample_validation, validation_ndcg

__all__ = ["CoOccurrence", "Transitions", "history_weights", "item_to_item_matrix"]


def item_to_item_matrix(
    sequences: Sequence[IntArray], n_items: int, *, window: int, symmetric: float,
    shrinkage: float, damping: float = 0.0,
) -> sp.csr_matrix:
    """The normalised ``n_items × n_items`` matrix described in the module docstring.

    >>> m = item_to_item_matrix([np.array([0, 1])], 2, window=1, symmetric=0.0, shrinkage=0.0)
    >>> m.toarray().tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    nonempty = [s for s in sequences if len(s) > 1]
    # The pairs of every distance are written into one preallocated set of arrays, in the
    # order the matrix has always been built from (distance 1 first), with 32-bit item
    # indices: the same matrix, bit for bit, in a third of the memory a list of per-distance
    # arrays and their concatenation took (tens of GiB at 50 million interactions).
    index_type = np.int32 if n_items < 2**31 else np.int64
    lengths = np.fromiter((len(s) for s in nonempty), dtype=np.int64, count=len(nonempty))
    if nonempty:
        flat = np.concatenate(nonempty).astype(index_type)
        owner = np.repeat(np.arange(len(nonempty), dtype=np.int64), lengths)
    else:
        flat = np.zeros(0, dtype=index_type)
        owner = np.zeros(0, dtype=np.int64)
    distances = [d for d in range(1, window + 1) if len(flat) > d]
    total = int(sum(np.maximum(lengths - d, 0).sum() for d in distances))
    r = np.empty(total, dtype=index_type)
    c = np.empty(total, dtype=index_type)
    v = np.empty(total, dtype=np.float64)
    start = 0
    for d in distances:
        same = owner[:-d] == owner[d:]
        stop = start + int(np.count_nonzero(same))
        r[start:stop] = flat[:-d][same]
        c[start:stop] = flat[d:][same]
        v[start:stop] = 1.0 / d
        start = stop
    del flat, owner
    counts = sp.csr_matrix((v, (r, c)), shape=(n_items, n_items), dtype=np.float64)
    del r, c, v
    if symmetric > 0:
        counts = (counts + symmetric * counts.T).tocsr()
    if damping > 0:
        incoming = np.asarray(counts.sum(axis=0)).ravel()
        counts = (counts @ sp.diags(1.0 / np.power(np.maximum(incoming, 1.0), damping))).tocsr()
    out = np.asarray(counts.sum(axis=1)).ravel()
    active = out[out > 0]
    typical = float(active.mean()) if len(active) else 1.0
    denominator = out + shrinkage * typical
    # A row without outgoing weight is empty, so its scale only has to be finite.
    scale = np.divide(1.0, denominator, out=np.zeros_like(denominator),
                      where=denominator > 0)
    matrix: sp.csr_matrix = sp.csr_matrix(sp.diags(scale) @ counts)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def history_weights(histories: Sequence[IntArray], n_items: int, *, last_n: int,
                    recency: float) -> sp.csr_matrix:
    """``len(histories) × n_items``: each history's last ``last_n`` items, weighted
    ``1, recency, recency², ...`` from the most recent back (repeats add up).

    >>> history_weights([np.array([0, 1])], 2, last_n=5, recency=0.5).toarray().tolist()
    [[0.5, 1.0]]
    """
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    for u, history in enumerate(histories):
        recent = np.asarray(history, dtype=np.int64)[-last_n:][::-1] if last_n > 0 else (
            np.zeros(0, dtype=np.int64))
        rows.append(np.full(len(recent), u, dtype=np.int64))
        cols.append(recent)
        vals.append(recency ** np.arange(len(recent), dtype=np.float64))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0, dtype=np.float64)
    return sp.csr_matrix((v, (r, c)), shape=(len(histories), n_items), dtype=np.float64)


class _ItemToItem(ItemRecommender):
    """Shared fit/score/persistence of the two item-to-item models."""

    #: Matrix settings × scoring settings tried on the validation item.
    MATRIX_GRID: ClassVar[tuple[dict[str, float], ...]]
    SCORING_GRID: ClassVar[tuple[dict[str, float], ...]]
    DEFAULTS: ClassVar[dict[str, float]]

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._matrix: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float64)
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)

    def _setting(self) -> dict[str, float]:
        return {**self.DEFAULTS, **self.params}

    def _build(self, data: TrainingData, setting: Mapping[str, float]) -> sp.csr_matrix:
        return item_to_item_matrix(
            data.sequences, data.n_items, window=int(setting["window"]),
            symmetric=float(setting["symmetric"]), shrinkage=float(setting["shrinkage"]),
            damping=float(setting.get("damping", 0.0)))

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self._tiebreak = popularity_tiebreak(data.item_counts())
        if validation is None:
            self._matrix = self._build(data, self._setting())
            return self
        sample = sample_validation(validation, seed=self.seed)
        search = Search()
        best_matrix: sp.csr_matrix | None = None
        for matrix_setting in self.MATRIX_GRID:
            self._matrix = self._build(data, {**self.DEFAULTS, **matrix_setting})
            for scoring in self.SCORING_GRID:
                self.params = {**self.DEFAULTS, **matrix_setting, **scoring}
                if search.offer(self.params, validation_ndcg(self.score, sample,
                                                             n_items=self.n_items)):
                    best_matrix = self._matrix
        assert search.best_params is not None and best_matrix is not None
        self.params, self._matrix, self.search_log = search.best_params, best_matrix, search.log
        return self

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        setting = self._setting()
        weights = history_weights(histories, self.n_items, last_n=int(setting["last_n"]),
                                  recency=float(setting["recency"]))
        scores: FloatArray = np.asarray((weights @ self._matrix).toarray(), dtype=np.float64)
        scores += self._tiebreak[None, :]
        return scores

    def sparse_row(self, history: IntArray) -> tuple[IntArray, FloatArray]:
        """The part of ``score([history])[0]`` that is not the tie-break, as the items it
        reaches and their values: a history reaches only the items that followed its own.

        The rows of the history's few weighted items are combined directly, with the
        arithmetic of ``history_weights(...) @ matrix`` in its order (the same bits, items
        in the same order: tested against it), at a third of the time of building the
        one-row sparse product on the request path.
        """
        setting = self._setting()
        last_n, recency = int(setting["last_n"]), float(setting["recency"])
        recent = np.asarray(history, dtype=np.int64)[-last_n:][::-1] if last_n > 0 else (
            np.zeros(0, dtype=np.int64))
        if not recent.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        # One weight per item; an item's repeats summed one by one, most recent first (the
        # order scipy's sum of duplicates keeps: its sort of a short row is stable).
        summed: dict[int, float] = {}
        for item, weight in zip(recent.tolist(),
                                (recency ** np.arange(recent.size, dtype=np.float64)).tolist(),
                                strict=True):
            summed[item] = summed[item] + weight if item in summed else weight
        matrix = self._matrix
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        parts = [(indices[indptr[k]:indptr[k + 1]], summed[k] * data[indptr[k]:indptr[k + 1]])
                 for k in sorted(summed)]
        reached = np.concatenate([part[0] for part in parts])
        if not reached.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        values = np.concatenate([part[1] for part in parts])
        unique, seen_at, inverse = np.unique(reached, return_index=True, return_inverse=True)
        sums = np.bincount(inverse, weights=values, minlength=unique.size)
        # scipy's product lists a row's items in reverse order of first appearance and
        # leaves out exact zeros.
        out = np.argsort(seen_at)[::-1]
        out = out[sums[out] != 0]
        return unique[out].astype(np.int64), sums[out]

    @property
    def tiebreak(self) -> FloatArray:
        """The per-item bonus ``score`` adds (``popularity_tiebreak``)."""
        return self._tiebreak

    def neighbours(self, item: int, *, k: int) -> tuple[IntArray, FloatArray]:
        """The ``k`` items that most often follow (or accompany) ``item``, best first."""
        row = self._matrix.getrow(item)
        order = np.argsort(-row.data, kind="stable")[:k]
        return row.indices[order].astype(np.int64), row.data[order].astype(np.float64)

    def _state(self) -> dict[str, NDArray[Any]]:
        m = self._matrix
        return {"data": m.data.astype(np.float32), "indices": m.indices.astype(np.int32),
                "indptr": m.indptr.astype(np.int64), "tiebreak": self._tiebreak}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._matrix = sp.csr_matrix(
            (np.asarray(arrays["data"], dtype=np.float64), arrays["indices"], arrays["indptr"]),
            shape=(self.n_items, self.n_items))
        self._tiebreak = np.asarray(arrays["tiebreak"], dtype=np.float64)



class Transitions(_ItemToItem):
    """Directed: what tends to come *next*. The sequential workhorse."""

    name = "transitions"
    DEFAULTS: ClassVar[dict[str, float]] = {
        "window": 6, "symmetric": 0.25, "shrinkage": 16.0, "damping": 0.0,
        "last_n": 5, "recency": 0.6,
    }
    MATRIX_GRID = grid(window=(3, 6), shrinkage=(1.0, 4.0, 16.0))
    SCORING_GRID = grid(recency=(0.4, 0.6))


class CoOccurrence(_ItemToItem):
    """Undirected: what goes *together*, whichever came first ("bought together")."""

    name = "cooccurrence"
    DEFAULTS: ClassVar[dict[str, float]] = {
        "window": 10, "symmetric": 1.0, "shrinkage": 4.0, "damping": 0.0,
        "last_n": 5, "recency": 0.6,
    }
    MATRIX_GRID = grid(window=(3, 10), shrinkage=(1.0, 4.0, 16.0))
    SCORING_GRID = grid(recency=(0.4, 0.8))

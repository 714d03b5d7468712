"""EASE: a closed-form item-to-item linear model (Steck, "Embarrassingly Shallow
Autoencoders for Sparse Data", WWW 2019).

With ``X`` the binary users × items matrix and ``G = XᵀX``, EASE solves

    min_B ‖X − XB‖² + λ‖B‖²  subject to  diag(B) = 0,

whose solution is ``B = I − P · diag(1 / diag(P))`` with ``P = (G + λI)⁻¹`` (and a zero
diagonal). A history scores ``x · B``: ``x`` is the binary history vector, here weighted
``recency ** age`` (``age`` 0 for the newest item; a repeated item keeps its newest weight),
because the next item follows the last few more than the whole history. ``recency`` is tuned
(1 gives plain EASE); on Sports 0.7 lifts validation NDCG@10 from 0.0349 to 0.0373.

Cost and limits. ``P`` is dense: for ``M`` modelled items the fit holds one ``M × M`` float32
buffer (``4·M²`` bytes: 1.35 GB for Sports' 18.4k items, 2.5 GB at the default limit of
25k, plus the sparse ``G``) and runs one Cholesky factorisation and inversion in place
(LAPACK ``potrf`` + ``potri``, ``~M³`` flops: ~70 s for 18.4k items on 2 cores, 100-130 s
when the cores are shared; ~2.5x that at 25k). Above ``max_dense_items`` items only the
``max_dense_items`` most popular (most users) are modelled: ``B`` is the EASE solution
constrained to zero outside them, so the other items score 0 and the popularity tie-break
orders them. ``B`` is then cut to its ``keep_per_item`` largest entries per row (the strongest
"seen i → suggest j" links): on Sports 100 to 1000 per row scored as well as the dense ``B``
on validation (NDCG@10 0.0374-0.0377 against 0.0373), and at 256 the artefact is ~40 MB
instead of 1.35 GB.

Hyper-parameters: ``λ = l2 × mean(diag G)`` (users per item, so the grid does not depend on
the data's size: the λ Steck reports for his dense datasets are roughly 0.3-1 times it,
sparse Sports wants 8) and
``recency``, chosen on the validation item. Each ``λ`` of the grid is solved on the
``search_items`` most popular items only (``(M / search_items)³`` times cheaper: ~1.5 s at
4000 items) and scored as that restricted model; the entries of ``G`` there are those of the
full problem, so the choice carries over (on Sports the restricted search and a search over
full solves both pick ``l2 = 8``, ``recency = 0.7``). The full model is then solved once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp
from numpy.typing import NDArray

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    newest_weights,
    popularity_tiebreak,
)
from prefero.models.tuning import Search, sample_validation, validation_ndcg

__all__ = ["EASE", "ease_weights", "recency_history"]

#: Rows handled at a time when symmetrising and cutting the dense solution (bounds the
#: temporaries to ``_BLOCK × M``).
_BLOCK = 1024


def recency_history(histories: Sequence[IntArray], n_items: int, *, recency: float
                    ) -> sp.csr_matrix:
    """``len(histories) × n_items``: each seen item weighted ``recency ** age`` (age 0 for
    the newest item). A repeated item keeps its newest weight, so ``recency = 1`` gives the
    binary history vector EASE is trained on.

    >>> recency_history([np.array([2, 0, 2, 1])], 3, recency=0.5).toarray().tolist()
    [[0.25, 1.0, 0.5]]
    """
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    for u, history in enumerate(histories):
        items, weights = newest_weights(history, recency=recency)
        rows.append(np.full(len(items), u, dtype=np.int64))
        cols.append(items)
        vals.append(weights)
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0, dtype=np.float64)
    return sp.csr_matrix((v, (r, c)), shape=(len(histories), n_items), dtype=np.float64)


def _dense_solution(gram: NDArray[np.float32], l2: float) -> NDArray[np.float32]:
    """``B`` for a dense Gram matrix, computed in ``gram``'s own memory (it is consumed)."""
    m = gram.shape[0]
    # The transpose of a C-ordered symmetric matrix is the same matrix in Fortran order,
    # which LAPACK overwrites in place instead of copying.
    a = gram.T
    a[np.diag_indices(m)] += np.float32(l2)
    factor, info = lapack.spotrf(a, lower=0, overwrite_a=1, clean=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: Gram matrix + λI not positive definite ({info})")
    inverse, info = lapack.spotri(factor, lower=0, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: inversion failed ({info})")
    p: NDArray[np.float32] = inverse
    # potri fills the upper triangle only: mirror it, a block of rows at a time.
    for start in range(0, m, _BLOCK):
        stop = min(start + _BLOCK, m)
        p[start:stop, :start] = p[:start, start:stop].T
        block = p[start:stop, start:stop]
        block[...] = np.triu(block) + np.triu(block, 1).T
    diagonal = np.diag(p).copy()
    p /= -diagonal[None, :]
    p[np.diag_indices(m)] = 0.0
    return p


def ease_weights(matrix: sp.csr_matrix, items: IntArray, *, l2: float, keep: int
                 ) -> sp.csr_matrix:
    """The EASE matrix ``B`` over ``items`` (indices into ``matrix``'s columns) as an
    ``n_items × n_items`` CSR, zero outside ``items``, each row cut to its ``keep``
    largest entries. ``l2`` is the absolute ``λ``.

    >>> x = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=np.float32))
    >>> b = ease_weights(x, np.arange(3), l2=1.0, keep=3).toarray()
    >>> bool(b[0, 1] > b[0, 2]), float(b[1, 1])
    (True, 0.0)
    """
    n_items = matrix.shape[1]
    items = np.asarray(items, dtype=np.int64)
    sub = matrix[:, items]
    gram = np.ascontiguousarray((sub.T @ sub).toarray(), dtype=np.float32)
    weights = _dense_solution(gram, l2)
    m = len(items)
    keep = min(keep, m)
    if m == 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[NDArray[np.float32]] = []
    for start in range(0, m, _BLOCK):
        stop = min(start + _BLOCK, m)
        block = weights[start:stop]
        if keep < m:
            top = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
        else:
            top = np.broadcast_to(np.arange(m), block.shape)
        rows.append(np.repeat(np.arange(start, stop, dtype=np.int64), top.shape[1]))
        cols.append(top.ravel().astype(np.int64))
        vals.append(np.take_along_axis(block, top, axis=1).ravel())
    r, c = items[np.concatenate(rows)], items[np.concatenate(cols)]
    result = sp.csr_matrix((np.concatenate(vals), (r, c)), shape=(n_items, n_items),
                           dtype=np.float32)
    result.eliminate_zeros()
    return result


class EASE(ItemRecommender):
    """Closed-form EASE with recency-weighted scoring; see the module docstring."""

    name = "ease"
    cost = 20
    #: ``λ`` as multiples of the mean diagonal of ``XᵀX`` (users per item): from dense data
    #: (~0.5) to very sparse data (Sports: 8), a factor 4 apart.
    L2_GRID: ClassVar[tuple[float, ...]] = (0.5, 2.0, 8.0, 32.0)
    RECENCY_GRID: ClassVar[tuple[float, ...]] = (1.0, 0.7, 0.4)
    DEFAULTS: ClassVar[dict[str, float]] = {"l2": 8.0, "recency": 0.7}

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None,
                 max_dense_items: int = 25_000, search_items: int = 4_000,
                 keep_per_item: int = 256) -> None:
        super().__init__(seed=seed, params=params)
        self.max_dense_items = max_dense_items
        self.search_items = search_items
        self.keep_per_item = keep_per_item
        #: The absolute ``λ`` of the last fit (``l2 × mean diag(XᵀX)``).
        self.lambda_ = 0.0
        self._weights: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._modelled: IntArray = np.zeros(0, dtype=np.int64)
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)

    @property
    def modelled_items(self) -> IntArray:
        """The items ``B`` covers (all of them unless above ``max_dense_items``)."""
        return self._modelled

    def _setting(self) -> dict[str, float]:
        return {**self.DEFAULTS, **self.params}

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self._tiebreak = popularity_tiebreak(data.item_counts())
        matrix = data.user_item_matrix(binary=True)
        users_per_item = np.asarray(matrix.getnnz(axis=0), dtype=np.int64)
        # λ is relative to the typical diagonal of XᵀX, i.e. users per item.
        scale = max(float(users_per_item.mean()) if self.n_items else 0.0, 1.0)
        ranked = np.lexsort((np.arange(self.n_items), -users_per_item))
        self._modelled = np.sort(ranked[: self.max_dense_items]).astype(np.int64)
        solved = None if validation is None else self._search(matrix, ranked, scale,
                                                              validation)
        self.lambda_ = float(self._setting()["l2"]) * scale
        self._weights = solved if solved is not None else ease_weights(
            matrix, self._modelled, l2=self.lambda_, keep=self.keep_per_item)
        return self

    def _search(self, matrix: sp.csr_matrix, ranked: IntArray, scale: float,
                validation: Validation) -> sp.csr_matrix | None:
        """Choose ``l2`` and ``recency``. When the searched items are all the modelled
        ones, the best ``B`` is the final model and is returned; otherwise ``None``."""
        subset = np.sort(ranked[: min(self.search_items, len(self._modelled))])
        complete = len(subset) == len(self._modelled)
        sample = sample_validation(validation, seed=self.seed)
        search = Search()
        best: sp.csr_matrix | None = None
        for l2, recency in itertools.product(self.L2_GRID, self.RECENCY_GRID):
            if recency == self.RECENCY_GRID[0]:
                self._weights = ease_weights(matrix, subset, l2=l2 * scale,
                                             keep=self.keep_per_item)
            self.params = {"l2": l2, "recency": recency}
            if search.offer(self.params, validation_ndcg(self.score, sample,
                                                         n_items=self.n_items)):
                best = self._weights
        assert search.best_params is not None and best is not None
        self.params, self.search_log = search.best_params, search.log
        return best if complete else None

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        weights = recency_history(histories, self.n_items,
                                  recency=float(self._setting()["recency"]))
        scores: FloatArray = np.asarray((weights @ self._weights).toarray(), dtype=np.float64)
        scores += self._tiebreak[None, :]
        return scores

    def _state(self) -> dict[str, NDArray[Any]]:
        w = self._weights
        return {"data": w.data.astype(np.float32), "indices": w.indices.astype(np.int32),
                "indptr": w.indptr.astype(np.int64), "modelled": self._modelled,
                "tiebreak": self._tiebreak}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._weights = sp.csr_matrix(
            (np.asarray(arrays["data"], dtype=np.float32), arrays["indices"], arrays["indptr"]),
            shape=(self.n_items, self.n_items))
        self._modelled = np.asarray(arrays["modelled"], dtype=np.int64)
        self._tiebreak = np.asarray(arrays["tiebreak"], dtype=np.float64)

"""Matrix factorisation with the ``implicit`` library: ALS and BPR, served by folding a
history into a query vector.

Both learn item factors from the binary users × items matrix; the user factors they learn
are thrown away (a model holds nothing about a person, see ``base``). A history becomes a
query vector at scoring time, and an item's score is ``query · item`` plus the popularity
tie-break, so both are ``EmbeddingModel``s that a vector index can serve.

* ``ALS`` (Hu, Koren & Volinsky 2008; implicit's conjugate-gradient solver): the query is
  the exact solution of ALS's own user step for the history, with confidence
  ``c = alpha × recency ** age`` per seen item (age 0 for the newest),

      x = (YᵀY + λI + Σ (c_i − 1) y_i y_iᵀ)⁻¹ Σ c_i y_i,

  so with ``recency = 1`` it reproduces the user factor implicit would compute (the
  weighting is tuned; on Sports 0.5 lifts validation NDCG@10 from 0.030 to 0.034). Short
  histories (fewer items than factors) are solved through the Woodbury identity, ``L × L``
  instead of ``d × d`` per history (``als_fold_in``).
* ``BPR`` (Rendle et al. 2009): its user factors are trained for ranking, not regression,
  so a least-squares fold-in over its item factors ranks poorly: on Sports (128 factors,
  learning rate 0.01) validation NDCG@10 was 0.003-0.005 for it, 0.015-0.016 for the mean of
  the history's item factors, and 0.005 for the user factors BPR itself learned (the mean
  0.010 on the same users). The query is the recency-weighted mean of the history's item
  factors, plus a constant 1 that meets the item bias implicit keeps in the last column of
  its item factors.

Hyper-parameters come from a small grid (at most 6 trainings) crossed with a few recency
weights (scoring only), chosen on the validation item. Training is deterministic under the
seed: implicit draws its initial factors from ``random_state``; BPR's Hogwild SGD runs on one
thread (several threads race on shared factors and gave different factors run to run); ALS's
per-user solves are independent, so its threads (on large data) change nothing.
"""

from __future__ import annotations

import itertools
import warnings
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    newest_weights,
    popularity_tiebreak,
)
from prefero.models.tuning import Search, grid, sample_validation, validation_ndcg

__all__ = ["ALS", "BPR", "als_fold_in", "als_projection", "padded_histories",
           "single_threaded_blas"]

#: Histories folded in at a time (bounds the ``chunk × L × L`` / ``chunk × d × d`` systems).
_CHUNK = 128
#: Below this many interactions ALS trains on one thread: OpenMP's barrier after every
#: half-step costs more than the work it shares (a 240-user fit took 1.5 s on two busy cores,
#: 0.02 s on one), and on Sports (225k) two threads saved at most a third of ~9 s.
_PARALLEL_NNZ = 500_000
#: Item-factor values up to which a float64 copy is kept for scoring (128 MiB); larger
#: catalogues are scored in float32.
_KEEP_FLOAT64 = 16_000_000


@cache
def _blas_controller() -> ThreadpoolController:
    # Finding the loaded BLAS libraries reads the process's memory map: about a millisecond,
    # which a request-time fold-in of a few histories cannot afford on every call. BLAS is
    # loaded with NumPy, before any model runs, so one look is enough.
    return ThreadpoolController()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """implicit parallelises itself and warns when BLAS runs its own threadpool too; the
    many small batched solves of a fold-in are also fastest on one BLAS thread."""
    with _blas_controller().limit(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*configured to use .* threads",
                                category=RuntimeWarning)
        yield


def padded_histories(histories: Sequence[IntArray], *, recency: float
                     ) -> tuple[IntArray, FloatArray]:
    """Each history's distinct items (row-padded with item 0) and their weights
    ``recency ** age`` (0 on padding); a repeated item keeps its newest weight.

    >>> items, weights = padded_histories([np.array([4, 2, 4]), np.array([1])], recency=0.5)
    >>> items.tolist(), weights.tolist()
    ([[2, 4], [1, 0]], [[0.5, 1.0], [1.0, 0.0]])
    """
    width = max([1, *(len(h) for h in histories)])
    items = np.zeros((len(histories), width), dtype=np.int64)
    weights = np.zeros((len(histories), width), dtype=np.float64)
    for row, history in enumerate(histories):
        distinct, newest = newest_weights(history, recency=recency)
        items[row, :len(distinct)] = distinct
        weights[row, :len(distinct)] = newest
    width = max(1, int((weights > 0).sum(axis=1).max(initial=0)))
    return items[:, :width], weights[:, :width]


def _chunks(histories: Sequence[IntArray]) -> Iterator[IntArray]:
    """Row indices in chunks of similar length, so padding stays small."""
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), _CHUNK):
        yield order[start:start + _CHUNK]


def als_projection(item_factors: NDArray[np.floating[Any]], *, regularization: float
                   ) -> tuple[FloatArray, FloatArray]:
    """``K = YᵀY + λI`` and ``Z = Y K⁻¹``: what every fold-in against these item factors
    shares (``n_items × d`` float64; worth keeping while the factors do not change).

    >>> kernel, z = als_projection(np.eye(2), regularization=1.0)
    >>> kernel.tolist(), z.tolist()
    ([[2.0, 0.0], [0.0, 2.0]], [[0.5, 0.0], [0.0, 0.5]])
    """
    y = np.asarray(item_factors, dtype=np.float64)
    kernel = y.T @ y + regularization * np.eye(y.shape[1])
    # K is symmetric: Y K⁻¹ = (K⁻¹ Yᵀ)ᵀ
    z = np.asarray(np.linalg.solve(kernel, y.T).T, dtype=np.float64)
    return kernel, z


def als_fold_in(item_factors: NDArray[np.floating[Any]], histories: Sequence[IntArray], *,
                regularization: float, alpha: float, recency: float = 1.0,
                projection: tuple[FloatArray, FloatArray] | None = None) -> FloatArray:
    """The ALS user factor of each history against fixed ``item_factors`` (float64);
    ``projection`` is ``als_projection`` of the same factors and ``regularization`` when
    the caller keeps it.

    The normal equations ``A x = b`` with ``A = K + Yₕᵀ C Yₕ``, ``K = YᵀY + λI``,
    ``C = diag(c − 1)`` and ``b = Yₕᵀ c`` have the solution ``x = Zₕᵀ t`` with
    ``Z = Y K⁻¹`` and ``(I + C Yₕ Zₕᵀ) t = c`` (write ``x = K⁻¹ Yₕᵀ (c − C Yₕ x)``):
    an ``L × L`` system for a history of ``L`` items. Longer histories solve ``A`` itself.

    >>> y = np.eye(2)
    >>> als_fold_in(y, [np.array([0])], regularization=1.0, alpha=3.0).round(3).tolist()
    [[0.75, 0.0]]
    """
    # Only the histories' rows are read, converted as they are gathered: converting the
    # whole table on every call was most of a request's fold-in time.
    y = item_factors
    d = y.shape[1]
    kernel, z = projection if projection is not None else als_projection(
        y, regularization=regularization)
    out = np.zeros((len(histories), d), dtype=np.float64)
    for rows in _chunks(histories):
        items, weights = padded_histories([histories[i] for i in rows], recency=recency)
        live = (weights > 0)[..., None]
        yh = np.asarray(y[items], dtype=np.float64) * live
        c = alpha * weights
        if items.shape[1] <= d:
            zh = z[items] * live
            system = np.matmul(yh, zh.transpose(0, 2, 1)) * (c - 1.0)[..., None]
            system += np.eye(items.shape[1])[None]
            t = np.linalg.solve(system, c[..., None])[..., 0]
            out[rows] = np.einsum("bl,bld->bd", t, zh)
        else:
            system = kernel[None] + np.matmul(yh.transpose(0, 2, 1) * (c - 1.0)[:, None, :], yh)
            out[rows] = np.linalg.solve(system, np.einsum("bl,bld->bd", c, yh)[..., None])[..., 0]
    return out


class _Factorisation(ItemRecommender):
    """Shared search, scoring and persistence: subclasses train item factors and fold
    histories into queries."""

    #: The trainings tried on the validation item (each crossed with ``RECENCY_GRID``).
    GRID: ClassVar[tuple[dict[str, float], ...]]
    RECENCY_GRID: ClassVar[tuple[float, ...]] = (1.0, 0.5, 0.25)
    DEFAULTS: ClassVar[dict[str, float]]

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._items: NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)

    def _setting(self) -> dict[str, float]:
        return {**self.DEFAULTS, **self.params}

    @abstractmethod
    def _train(self, matrix: sp.csr_matrix, setting: Mapping[str, float]
               ) -> NDArray[np.float32]:
        """Item vectors (``n_items × d``) learnt from the binary users × items matrix."""

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self._tiebreak = popularity_tiebreak(data.item_counts())
        matrix = data.user_item_matrix(binary=True)
        if validation is None:
            self._set_items(self._train(matrix, self._setting()))
            return self
        sample = sample_validation(validation, seed=self.seed)
        search = Search()
        best: NDArray[np.float32] | None = None
        for point, recency in itertools.product(self.GRID, self.RECENCY_GRID):
            if recency == self.RECENCY_GRID[0]:
                self._set_items(self._train(matrix, {**self.DEFAULTS, **point}))
            self.params = {**self.DEFAULTS, **point, "recency": recency}
            if search.offer(self.params, validation_ndcg(self.score, sample,
                                                         n_items=self.n_items)):
                best = self._items
        assert search.best_params is not None and best is not None
        self.params, self.search_log = search.best_params, search.log
        self._set_items(best)
        return self

    def _set_items(self, items: NDArray[Any]) -> None:
        self._items = np.ascontiguousarray(items, dtype=np.float32)
        self._items64: FloatArray | None = None

    # ---- EmbeddingModel --------------------------------------------------------------
    def item_vectors(self) -> NDArray[np.float32]:
        """``n_items × d`` item vectors; ``score = query_vectors @ item_vectors.T`` plus
        the tie-break."""
        return self._items

    @abstractmethod
    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        """``len(histories) × d`` query vectors folded in from the histories."""

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        queries = self.query_vectors(histories)
        scores: FloatArray
        if self._items.size > _KEEP_FLOAT64:
            # A large catalogue is scored in float32, as its vectors are stored: converting
            # them per call (200 MB at 100,000 items × 256 factors) cost a request ten times
            # the product itself. The scores differ from float64's by rounding only.
            scores = np.asarray(queries @ self._items.T, dtype=np.float64)
        else:
            scores = queries.astype(np.float64) @ self._items_float64().T
        scores += self._tiebreak[None, :]
        return scores

    @property
    def tiebreak(self) -> FloatArray:
        """The per-item bonus ``score`` adds (``popularity_tiebreak``)."""
        return self._tiebreak

    def _items_float64(self) -> FloatArray:
        """The item vectors in float64, kept for a catalogue of modest size (below
        ``_KEEP_FLOAT64`` values): a request scoring a few histories would otherwise spend
        most of its time converting them."""
        if self._items64 is None:
            self._items64 = self._items.astype(np.float64)
        return self._items64

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"item_factors": self._items, "tiebreak": self._tiebreak}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._set_items(arrays["item_factors"])
        self._tiebreak = np.asarray(arrays["tiebreak"], dtype=np.float64)



class ALS(_Factorisation):
    """Implicit-feedback ALS; a history is folded in by ALS's exact user step."""

    name = "als"
    cost = 15
    DEFAULTS: ClassVar[dict[str, float]] = {
        "factors": 256, "regularization": 1.0, "alpha": 10.0, "iterations": 15,
        "recency": 0.5,
    }
    GRID = grid(factors=(128, 256), alpha=(10.0, 40.0))

    def _train(self, matrix: sp.csr_matrix, setting: Mapping[str, float]
               ) -> NDArray[np.float32]:
        from implicit.cpu.als import AlternatingLeastSquares

        with single_threaded_blas():
            model = AlternatingLeastSquares(
                factors=int(setting["factors"]), regularization=float(setting["regularization"]),
                alpha=float(setting["alpha"]), iterations=int(setting["iterations"]),
                random_state=self.seed,
                num_threads=0 if matrix.nnz >= _PARALLEL_NNZ else 1)
            model.fit(matrix, show_progress=False)
        factors: NDArray[np.float32] = np.asarray(model.item_factors, dtype=np.float32)
        return factors

    def _set_items(self, items: NDArray[Any]) -> None:
        super()._set_items(items)
        self._projection: tuple[float, FloatArray, FloatArray] | None = None

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        setting = self._setting()
        regularization = float(setting["regularization"])
        with single_threaded_blas():
            # Solved once per item factors, not per batch of histories.
            if self._projection is None or self._projection[0] != regularization:
                self._projection = (regularization, *als_projection(
                    self._items, regularization=regularization))
            queries = als_fold_in(self._items, histories, regularization=regularization,
                                  alpha=float(setting["alpha"]),
                                  recency=float(setting["recency"]),
                                  projection=self._projection[1:])
        return queries.astype(np.float32)


class BPR(_Factorisation):
    """Bayesian personalised ranking; a history is the recency-weighted mean of its item
    factors (the last item dimension is implicit's item bias, met by a constant 1)."""

    name = "bpr"
    cost = 15
    DEFAULTS: ClassVar[dict[str, float]] = {
        "factors": 128, "learning_rate": 0.2, "regularization": 0.01, "iterations": 100,
        "recency": 0.25,
    }
    GRID = ({"factors": 64, "learning_rate": 0.1}, {"factors": 128, "learning_rate": 0.1},
            {"factors": 128, "learning_rate": 0.2}, {"factors": 256, "learning_rate": 0.2})

    def _train(self, matrix: sp.csr_matrix, setting: Mapping[str, float]
               ) -> NDArray[np.float32]:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        with single_threaded_blas():
            model = BayesianPersonalizedRanking(
                factors=int(setting["factors"]), learning_rate=float(setting["learning_rate"]),
                regularization=float(setting["regularization"]),
                iterations=int(setting["iterations"]), random_state=self.seed, num_threads=1)
            model.fit(matrix, show_progress=False)
        factors: NDArray[np.float32] = np.asarray(model.item_factors, dtype=np.float32)
        return factors

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        recency = float(self._setting()["recency"])
        factors = self._items[:, :-1].astype(np.float64)
        queries = np.zeros((len(histories), self._items.shape[1]), dtype=np.float64)
        queries[:, -1] = 1.0
        for rows in _chunks(histories):
            items, weights = padded_histories([histories[i] for i in rows], recency=recency)
            total = np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
            queries[rows, :-1] = np.einsum("bl,bld->bd", weights / total, factors[items])
        return queries.astype(np.float32)

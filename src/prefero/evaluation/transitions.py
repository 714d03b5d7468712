"""Item-to-item transition model with recency weighting.

From the training prefixes, every item ``a`` followed ``d`` places later (``d <= window``)
by item ``b`` adds ``1 / d`` to ``C[a, b]``; optionally ``symmetric * C.T`` is added
(plain co-occurrence, a smaller weight). Row ``a`` is divided by ``out(a) + shrinkage``
(its total outgoing weight, damped so rare sources do not get overconfident rows);
``shrinkage`` is a multiple of the mean outgoing weight, so it does not depend on the
dataset's size.
A user is scored by summing the rows of their last ``last_n`` items, the most recent with
weight 1 and each older one ``recency`` times the next; the training popularity breaks
ties (a tiny epsilon, unique per item, so the pessimistic rule costs nothing).

Hyper-parameters are chosen by a small, bounded grid on the VALIDATION item only (the
test item is never read: ``fit`` looks at ``split.train`` and ``split.valid`` and nothing
else), on a seeded subsample of users when there are many. No dataset-specific constants.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from prefero.evaluation.data import IntArray, LeaveOneOut
from prefero.evaluation.metrics import FloatArray, TieRule, evaluate_ranking, ranking_metrics

__all__ = ["DEFAULT_GRID", "TransitionParams", "Transitions"]

#: Tie-break scale: far below any real score difference (scores are sums of row weights
#: ``>= recency**last_n / (window * (out + shrinkage))``), far above float64 resolution.
_EPSILON = 1e-12


@dataclass(frozen=True, slots=True)
class TransitionParams:
    window: int = 3
    recency: float = 0.5
    last_n: int = 5
    symmetric: float = 0.0
    shrinkage: float = 4.0


def _grid() -> tuple[TransitionParams, ...]:
    """12 combinations: window × shrinkage × recency decay (symmetric weight 0.25)."""
    return tuple(
        TransitionParams(window=w, recency=r, last_n=5, symmetric=0.25, shrinkage=k)
        for w, k, r in itertools.product((3, 6), (1.0, 4.0, 16.0), (0.4, 0.6))
    )


DEFAULT_GRID: tuple[TransitionParams, ...] = _grid()


def transition_matrix(
    sequences: Sequence[IntArray], n_items: int, params: TransitionParams
) -> sp.csr_matrix:
    """The normalised item→next-item matrix (``n_items × n_items``, CSR, float64)."""
    nonempty = [s for s in sequences if len(s) > 1]
    if nonempty:
        flat = np.concatenate(nonempty)
        owner = np.repeat(np.arange(len(nonempty)), [len(s) for s in nonempty])
    else:
        flat = np.zeros(0, dtype=np.int64)
        owner = np.zeros(0, dtype=np.int64)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    for d in range(1, params.window + 1):
        if len(flat) <= d:
            break
        same = owner[:-d] == owner[d:]
        src, dst = flat[:-d][same], flat[d:][same]
        rows.append(src)
        cols.append(dst)
        vals.append(np.full(len(src), 1.0 / d))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0, dtype=np.float64)
    counts = sp.csr_matrix((v, (r, c)), shape=(n_items, n_items), dtype=np.float64)
    if params.symmetric > 0:
        counts = (counts + params.symmetric * counts.T).tocsr()
    out = np.asarray(counts.sum(axis=1)).ravel()
    active = out[out > 0]
    typical = float(active.mean()) if len(active) else 1.0
    scale = 1.0 / (out + params.shrinkage * typical)
    matrix: sp.csr_matrix = sp.csr_matrix(sp.diags(scale) @ counts)
    matrix.sum_duplicates()
    return matrix


def history_matrix(histories: Sequence[IntArray], n_items: int, params: TransitionParams
                   ) -> sp.csr_matrix:
    """Recency weights of each user's last ``last_n`` items (repeats add up)."""
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    for u, history in enumerate(histories):
        recent = history[-params.last_n:][::-1] if params.last_n > 0 else history[:0]
        rows.append(np.full(len(recent), u, dtype=np.int64))
        cols.append(np.asarray(recent, dtype=np.int64))
        vals.append(params.recency ** np.arange(len(recent), dtype=np.float64))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0, dtype=np.float64)
    return sp.csr_matrix((v, (r, c)), shape=(len(histories), n_items), dtype=np.float64)


class Transitions:
    """Recency-weighted item-to-item transitions; see the module docstring."""

    name = "transitions"
    ties: TieRule = "pessimistic"
    reference = False

    def __init__(
        self,
        seed: int = 0,
        *,
        grid: Sequence[TransitionParams] = DEFAULT_GRID,
        tuning_users: int = 10_000,
    ) -> None:
        if not grid:
            raise ValueError("the hyper-parameter grid must not be empty")
        self.seed = seed
        self.grid = tuple(grid)
        self.tuning_users = tuning_users
        self.params = self.grid[0]
        self.validation: dict[str, float] = {}
        self._matrix: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float64)
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)

    def fit(self, split: LeaveOneOut) -> Transitions:
        """Choose parameters on the validation item, then keep that matrix. Reads
        ``split.train`` and ``split.valid`` only."""
        n = split.n_items
        counts = np.bincount(np.concatenate(split.train), minlength=n) if split.train else (
            np.zeros(n, dtype=np.int64))
        order = np.lexsort((np.arange(n), -counts))  # most popular first, then lower id
        self._tiebreak = np.empty(n, dtype=np.float64)
        self._tiebreak[order] = _EPSILON * (n - np.arange(n, dtype=np.float64)) / max(n, 1)
        rng = np.random.default_rng(self.seed)
        users = np.arange(split.n_users)
        if len(users) > self.tuning_users:
            users = np.sort(rng.choice(users, size=self.tuning_users, replace=False))
        histories = [split.train[u] for u in users]
        targets = split.valid[users]
        best: tuple[float, int] | None = None
        matrices: dict[tuple[int, float, float], sp.csr_matrix] = {}
        for position, params in enumerate(self.grid):
            key = (params.window, params.symmetric, params.shrinkage)
            if key not in matrices:
                matrices[key] = transition_matrix(split.train, n, params)
            self._matrix, self.params = matrices[key], params
            result = evaluate_ranking(self.score, targets=targets, histories=histories,
                                      n_items=n, coverage=False)
            ndcg = ranking_metrics(result.ranks, (10,))["NDCG@10"]
            self.validation[str(position)] = ndcg
            if best is None or ndcg > best[0]:
                best = (ndcg, position)
        assert best is not None
        self.params = self.grid[best[1]]
        chosen = self.params
        self._matrix = matrices[(chosen.window, chosen.symmetric, chosen.shrinkage)]
        return self

    def chosen(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self.params).items()}

    def score(self, users: IntArray, histories: Sequence[IntArray]) -> FloatArray:
        n = self._matrix.shape[0]
        weights = history_matrix(histories, n, self.params)
        product = (weights @ self._matrix).toarray()
        scores: FloatArray = np.asarray(product, dtype=np.float64) + self._tiebreak[None, :]
        return scores

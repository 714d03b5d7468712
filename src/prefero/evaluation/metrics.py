"""Full-ranking metrics: every item is ranked, the user's earlier items are masked.

A target's rank is the number of unmasked items scored above it; under the pessimistic
rule (the default, for every real model) items tied with it are counted above it too, so
a model that cannot break its own ties gains nothing from them. The optimistic rule
(ties count below the target) exists only for the reference PopRec, whose published
definition uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from prefero.evaluation.data import IntArray

__all__ = [
    "KS",
    "FloatArray",
    "RankingResult",
    "TieRule",
    "evaluate_ranking",
    "rank_targets",
    "ranking_metrics",
    "top_items",
]

FloatArray = NDArray[np.float64]
TieRule = Literal["pessimistic", "optimistic"]
KS: tuple[int, ...] = (5, 10, 20)
COVERAGE_K = 10


def rank_targets(
    scores: FloatArray,
    targets: IntArray,
    histories: Sequence[IntArray],
    *,
    ties: TieRule = "pessimistic",
    top_k: int = 0,
) -> tuple[IntArray, IntArray]:
    """0-based rank of each row's target among unmasked items, and the top ``top_k`` items
    of each row (for coverage). ``scores`` is modified in place (masked items get -inf).

    The target itself is never masked, even if the user met it before: a repeat purchase
    is a legitimate hit.

    >>> s = np.array([[3.0, 2.0, 2.0, 1.0]])
    >>> rank_targets(s, np.array([2]), [np.array([0])])[0].tolist()
    [1]
    """
    rows = np.arange(len(targets))
    target_scores = scores[rows, targets].copy()
    if histories:
        lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
        if lengths.sum() > 0:
            mask_rows = np.repeat(rows, lengths)
            mask_cols = np.concatenate(list(histories))
            scores[mask_rows, mask_cols] = -np.inf
    scores[rows, targets] = target_scores
    column = target_scores[:, None]
    ranks = np.count_nonzero(scores > column, axis=1)
    if ties == "pessimistic":
        ranks += np.count_nonzero(scores == column, axis=1) - 1
    top = top_items(scores, top_k) if top_k > 0 else np.empty((len(targets), 0), np.int64)
    return ranks.astype(np.int64), top


def top_items(scores: FloatArray, k: int) -> IntArray:
    """The ``k`` best columns of each row (order within them unspecified, ties arbitrary).

    ``np.argpartition`` degrades badly on rows full of equal values (popularity scores,
    masked ``-inf``), so rows are cut into blocks first: the k-th largest block maximum is
    a lower bound on the k-th largest score, and only columns at or above it are sorted.

    >>> sorted(top_items(np.array([[0.0, 5.0, 1.0, 4.0]]), 2)[0].tolist())
    [1, 3]
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    block = max(1, n_cols // (8 * k))
    n_blocks = -(-n_cols // block)
    if n_blocks <= k:
        return np.argpartition(-scores, k - 1, axis=1)[:, :k].astype(np.int64)
    full = (n_cols // block) * block  # a view: only the contiguous last axis is split
    block_max = scores[:, :full].reshape(n_rows, -1, block).max(axis=2)
    if full < n_cols:
        block_max = np.concatenate([block_max, scores[:, full:].max(axis=1)[:, None]], axis=1)
    bound = np.partition(block_max, n_blocks - k, axis=1)[:, n_blocks - k]
    rows, cols = np.nonzero(scores >= bound[:, None])
    order = np.lexsort((-scores[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    picks = starts[:, None] + np.arange(k)[None, :]  # every row has >= k candidates
    chosen: IntArray = cols[picks].astype(np.int64)
    return chosen


def ranking_metrics(ranks: IntArray, ks: Sequence[int] = KS) -> dict[str, float]:
    """HR@k and NDCG@k (a single relevant item) averaged over users.

    >>> {k: round(v, 4) for k, v in ranking_metrics(np.array([0, 3, 50]), ks=(5,)).items()}
    {'HR@5': 0.6667, 'NDCG@5': 0.4769}
    """
    out: dict[str, float] = {}
    if len(ranks) == 0:
        return {f"{m}@{k}": 0.0 for k in ks for m in ("HR", "NDCG")}
    gains = 1.0 / np.log2(ranks.astype(np.float64) + 2.0)
    for k in ks:
        hit = ranks < k
        out[f"HR@{k}"] = float(hit.mean())
        out[f"NDCG@{k}"] = float(np.where(hit, gains, 0.0).mean())
    return out


class RankingResult:
    """Ranks of every user's target plus the catalogue coverage of the top-10 lists."""

    def __init__(self, ranks: IntArray, coverage: float) -> None:
        self.ranks = ranks
        self.coverage = coverage

    def metrics(self, ks: Sequence[int] = KS) -> dict[str, float]:
        out = ranking_metrics(self.ranks, ks)
        out[f"coverage@{COVERAGE_K}"] = self.coverage
        return out


ScoreFn = Callable[[IntArray, Sequence[IntArray]], FloatArray]


def evaluate_ranking(
    score: ScoreFn,
    *,
    targets: IntArray,
    histories: Sequence[IntArray],
    n_items: int,
    ties: TieRule = "pessimistic",
    batch_size: int = 512,
    coverage: bool = True,
    progress: Callable[[int], None] | None = None,
) -> RankingResult:
    """Score users in batches (memory stays at ``batch_size × n_items`` floats) and rank
    each target. ``score(users, histories)`` returns a ``(len(users), n_items)`` array.
    ``coverage=False`` skips the top-10 lists (a third of the cost) and reports 0."""
    n_users = len(targets)
    ranks = np.empty(n_users, dtype=np.int64)
    recommended = np.zeros(n_items, dtype=bool)
    for start in range(0, n_users, batch_size):
        stop = min(start + batch_size, n_users)
        users = np.arange(start, stop, dtype=np.int64)
        batch_hist = histories[start:stop]
        scores = np.array(score(users, batch_hist), dtype=np.float64)  # a writable copy
        batch_ranks, top = rank_targets(
            scores, targets[start:stop], batch_hist, ties=ties, top_k=COVERAGE_K if coverage else 0
        )
        ranks[start:stop] = batch_ranks
        recommended[top.ravel()] = True
        if progress is not None:
            progress(stop - start)
    share = float(recommended.mean()) if n_items and coverage else 0.0
    return RankingResult(ranks, share)

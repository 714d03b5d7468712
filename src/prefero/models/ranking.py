"""Full-ranking metrics: every item is ranked, the user's earlier items are masked.

The models' own hyper-parameter searches, training's choice of the served models and the
offline evaluation (``prefero.evaluation``) all rank by these rules, so they live with the
models, below the evaluation that runs them.

A target's rank is the number of unmasked items scored above it; under the pessimistic
rule (the default, for every real model) items tied with it are counted above it too, so
a model that cannot break its own ties gains nothing from them. The optimistic rule
(ties count below the target) exists only for the reference PopRec, whose published
definition uses it.

Beyond accuracy, the same pass over the top-10 lists gives catalogue coverage, intra-list
diversity (attribute-based) and novelty (self-information of the recommended items).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from prefero.models.base import IntArray

__all__ = [
    "KS",
    "FloatArray",
    "RankingResult",
    "TieRule",
    "evaluate_ranking",
    "intra_list_diversity",
    "rank_targets",
    "ranking_metrics",
    "self_information",
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


def intra_list_diversity(top: IntArray, attributes: sp.csr_matrix) -> FloatArray:
    """Per row of ``top`` (a user's recommended items): the mean Jaccard distance
    ``1 - |A ∩ B| / |A ∪ B|`` between the attribute sets of every pair of its items. Two
    items that both have no attributes count as identical (distance 0).

    >>> attrs = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    >>> intra_list_diversity(np.array([[0, 1, 2]]), attrs).round(4).tolist()
    [0.8333]
    """
    n_rows, k = top.shape
    if k < 2 or n_rows == 0:
        return np.zeros(n_rows, dtype=np.float64)
    chosen = sp.csr_matrix(attributes[top.ravel()], dtype=np.float64)
    chosen.sum_duplicates()
    n_attributes = chosen.shape[1]
    # Give every user its own copy of the attribute columns: the product below then pairs
    # items of the same list only, so its cost grows with the users, not their square.
    owner = np.repeat(np.arange(n_rows * k, dtype=np.int64) // k, np.diff(chosen.indptr))
    spread = sp.csr_matrix(
        (np.ones(chosen.nnz, dtype=np.float64),
         chosen.indices.astype(np.int64) + owner * n_attributes,
         chosen.indptr.astype(np.int64)),
        shape=(n_rows * k, n_rows * max(n_attributes, 1)),
    )
    pairs = (spread @ spread.T).tocoo()
    overlap = np.zeros((n_rows, k, k), dtype=np.float64)
    overlap[pairs.row // k, pairs.row % k, pairs.col % k] = pairs.data
    sizes = np.diagonal(overlap, axis1=1, axis2=2)
    union = sizes[:, :, None] + sizes[:, None, :] - overlap
    distance = np.where(union > 0, 1.0 - overlap / np.maximum(union, 1.0), 0.0)
    upper_i, upper_j = np.triu_indices(k, 1)
    per_row: FloatArray = distance[:, upper_i, upper_j].mean(axis=1)
    return per_row


def self_information(counts: IntArray) -> FloatArray:
    """``-log2 p(i)`` per item with ``p(i) = count(i) / total``; an item never seen in
    training counts as seen once (the rarest an observed item can be), so it stays finite.

    >>> self_information(np.array([2, 1, 1, 0])).tolist()
    [1.0, 2.0, 2.0, 2.0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = max(float(counts.sum()), 1.0)
    info: FloatArray = -np.log2(np.maximum(counts, 1.0) / total)
    return info


@dataclass(frozen=True, slots=True)
class RankingResult:
    """Ranks of every user's target, plus what the top-10 lists say beyond accuracy:
    catalogue coverage, and (when computed) mean diversity and novelty."""

    ranks: IntArray
    coverage: float
    diversity: float | None = None
    novelty: float | None = None

    def metrics(self, ks: Sequence[int] = KS) -> dict[str, float]:
        out = ranking_metrics(self.ranks, ks)
        out[f"coverage@{COVERAGE_K}"] = self.coverage
        if self.diversity is not None:
            out[f"diversity@{COVERAGE_K}"] = self.diversity
        if self.novelty is not None:
            out[f"novelty@{COVERAGE_K}"] = self.novelty
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
    item_attributes: sp.csr_matrix | None = None,
    item_counts: IntArray | None = None,
    progress: Callable[[int], None] | None = None,
) -> RankingResult:
    """Score users in batches (memory stays at ``batch_size × n_items`` floats) and rank
    each target. ``score(users, histories)`` returns a ``(len(users), n_items)`` array.

    ``coverage=False`` skips the top-10 lists (a third of the cost) and reports 0.
    ``item_attributes`` (binary ``n_items × n_attributes``) adds intra-list diversity and
    ``item_counts`` (training interactions per item) adds novelty, both from the same
    top-10 lists, so they cost no second scoring pass.

    >>> result = evaluate_ranking(lambda users, h: np.array([[3.0, 2.0, 1.0]] * len(users)),
    ...                           targets=np.array([1]), histories=[np.array([0])], n_items=3)
    >>> result.ranks.tolist(), result.coverage
    ([0], 1.0)
    """
    n_users = len(targets)
    ranks = np.empty(n_users, dtype=np.int64)
    recommended = np.zeros(n_items, dtype=bool)
    info = self_information(item_counts) if item_counts is not None else None
    diversity_sum = novelty_sum = 0.0
    need_top = coverage or item_attributes is not None or info is not None
    for start in range(0, n_users, batch_size):
        stop = min(start + batch_size, n_users)
        users = np.arange(start, stop, dtype=np.int64)
        batch_hist = histories[start:stop]
        scores = np.array(score(users, batch_hist), dtype=np.float64)  # a writable copy
        batch_ranks, top = rank_targets(
            scores, targets[start:stop], batch_hist, ties=ties,
            top_k=COVERAGE_K if need_top else 0,
        )
        ranks[start:stop] = batch_ranks
        recommended[top.ravel()] = True
        if item_attributes is not None:
            diversity_sum += float(intra_list_diversity(top, item_attributes).sum())
        if info is not None and top.shape[1]:
            novelty_sum += float(info[top].mean(axis=1).sum())
        if progress is not None:
            progress(stop - start)
    share = float(recommended.mean()) if n_items and coverage else 0.0
    users_seen = max(n_users, 1)
    return RankingResult(
        ranks, share,
        diversity=diversity_sum / users_seen if item_attributes is not None else None,
        novelty=novelty_sum / users_seen if info is not None else None,
    )

"""Hand-computed HR/NDCG on a toy with ties, under both tie rules, and history masking;
hand-computed diversity and novelty of the top-10 lists."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import scipy.sparse as sp

from prefero.evaluation.data import IntArray
from prefero.models.ranking import (
    FloatArray,
    evaluate_ranking,
    intra_list_diversity,
    rank_targets,
    ranking_metrics,
    self_information,
    top_items,
)

# 3 users x 6 items. User 0: target 2 tied with item 1 (one item strictly above).
# User 1: target 4, item 0 (score 9) masked by history, items 3 and 5 tied with it.
# User 2: target 0 is the target and also in history (a repeat): never masked.
SCORES = np.array(
    [
        [5.0, 3.0, 3.0, 1.0, 0.0, 0.0],
        [9.0, 1.0, 1.0, 2.0, 2.0, 2.0],
        [1.0, 4.0, 3.0, 2.0, 0.5, 0.5],
    ]
)
TARGETS = np.array([2, 4, 0])
HISTORIES = [np.array([], dtype=np.int64), np.array([0]), np.array([0, 1])]


def _ranks(ties: str) -> list[int]:
    ranks, _ = rank_targets(SCORES.copy(), TARGETS, HISTORIES, ties=ties)  # type: ignore[arg-type]
    return ranks.tolist()


def test_ranks_under_both_tie_rules() -> None:
    # pessimistic: user0 {0,1} above -> 2; user1 {3,5} -> 2; user2 {2,3} (1 masked) -> 2
    assert _ranks("pessimistic") == [2, 2, 2]
    # optimistic: user0 {0} -> 1; user1 {} -> 0; user2 {2,3} -> 2
    assert _ranks("optimistic") == [1, 0, 2]


def test_hand_computed_hr_and_ndcg() -> None:
    optimistic = ranking_metrics(np.array([1, 0, 2]), ks=(1, 2, 5))
    assert optimistic["HR@1"] == pytest.approx(1 / 3)
    assert optimistic["HR@2"] == pytest.approx(2 / 3)
    assert optimistic["NDCG@2"] == pytest.approx((1 / math.log2(3) + 1) / 3)
    assert optimistic["NDCG@5"] == pytest.approx((1 / math.log2(3) + 1 + 0.5) / 3)
    pessimistic = ranking_metrics(np.array([2, 2, 2]), ks=(2, 5))
    assert pessimistic["HR@2"] == 0.0
    assert pessimistic["HR@5"] == 1.0
    assert pessimistic["NDCG@5"] == pytest.approx(0.5)


def test_history_is_masked_but_target_is_not() -> None:
    scores = np.array([[10.0, 9.0, 1.0]])
    ranks, top = rank_targets(scores, np.array([2]), [np.array([0, 1])], top_k=1)
    assert ranks.tolist() == [0]
    assert top.tolist() == [[2]]
    ranks, _ = rank_targets(np.array([[10.0, 9.0, 1.0]]), np.array([0]), [np.array([0, 1])])
    assert ranks.tolist() == [0]


def test_evaluate_ranking_batches_agree_and_coverage() -> None:
    def score(users: IntArray, histories: Sequence[IntArray]) -> FloatArray:
        return SCORES[users]

    results = [
        evaluate_ranking(score, targets=TARGETS, histories=HISTORIES, n_items=6, batch_size=b)
        for b in (1, 2, 512)
    ]
    assert all(r.ranks.tolist() == [2, 2, 2] for r in results)
    metrics = results[0].metrics()
    assert set(metrics) == {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20",
                            "coverage@10"}
    assert metrics["coverage@10"] == 1.0  # 6 items, top-10 covers all of them
    assert metrics["NDCG@5"] == pytest.approx(0.5)


def test_top_items_matches_a_full_sort_with_many_ties() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        n_cols = int(rng.integers(1, 400))
        k = int(rng.integers(1, 15))
        scores = rng.integers(0, 4, (3, n_cols)).astype(np.float64)
        scores[rng.random((3, n_cols)) < 0.3] = -np.inf
        top = top_items(scores, k)
        expected_k = min(k, n_cols)
        for row in range(3):
            assert len(set(top[row].tolist())) == expected_k
            got = np.sort(scores[row, top[row]])[::-1]
            assert np.array_equal(got, np.sort(scores[row])[::-1][:expected_k])


# Beyond accuracy. 12 items; scores fall with the index, so a user without history gets
# items 0..9 and a user who saw 0 and 1 gets 2..11. Attributes: 0-4 {a}, 5-9 {b},
# 10-11 {a, b}. Training counts [8, 4, 2, 1, 1, 0, ...] (16 in all): -log2 p = 1, 2, 3, 4,
# 4, then 4 for the unseen items (counted as seen once).
ATTRS = sp.csr_matrix(np.array([[1, 0]] * 5 + [[0, 1]] * 5 + [[1, 1]] * 2, dtype=np.float32))
COUNTS = np.array([8, 4, 2, 1, 1] + [0] * 7)
RANKED = np.tile(np.arange(12, 0, -1, dtype=np.float64), (2, 1))
TWO_HISTORIES = [np.array([], dtype=np.int64), np.array([0, 1])]


def test_intra_list_diversity_known_answers() -> None:
    # Items 0..9: 20 same-group pairs (distance 0) and 25 cross pairs (distance 1).
    assert intra_list_diversity(np.arange(10)[None, :], ATTRS)[0] == pytest.approx(25 / 45)
    # Items 2..11: a-b 15 pairs x 1, a-ab 6 x 0.5, b-ab 10 x 0.5, the rest 0 -> 23 / 45.
    assert intra_list_diversity(np.arange(2, 12)[None, :], ATTRS)[0] == pytest.approx(23 / 45)
    # No attributes on either side counts as identical; one empty side as disjoint.
    bare = sp.csr_matrix(np.array([[0, 0], [0, 0], [1, 0]], dtype=np.float32))
    assert intra_list_diversity(np.array([[0, 1], [0, 2]]), bare).tolist() == [0.0, 1.0]


def test_self_information_counts_unseen_items_as_seen_once() -> None:
    assert self_information(COUNTS).tolist() == [1.0, 2.0, 3.0, 4.0, 4.0] + [4.0] * 7


@pytest.mark.parametrize("batch_size", [1, 512])
def test_diversity_and_novelty_come_from_the_masked_top_10(batch_size: int) -> None:
    result = evaluate_ranking(
        lambda users, histories: RANKED[users], targets=np.array([5, 7]),
        histories=TWO_HISTORIES, n_items=12, batch_size=batch_size,
        item_attributes=ATTRS, item_counts=COUNTS,
    )
    metrics = result.metrics()
    assert metrics["diversity@10"] == pytest.approx((25 / 45 + 23 / 45) / 2)
    # user 0: (1 + 2 + 3 + 4 + 4 + 5 x 4) / 10 = 3.4; user 1: (3 + 4 + 4 + 7 x 4) / 10 = 3.9
    assert metrics["novelty@10"] == pytest.approx((3.4 + 3.9) / 2)
    assert metrics["coverage@10"] == 1.0  # 0..9 and 2..11 together cover all 12
    assert result.ranks.tolist() == [5, 5]

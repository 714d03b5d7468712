"""EASE: the closed form against a direct inverse, recency weighting, the row cut, the
search on a popular subset and the fallback above ``max_dense_items``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from synthetic import clustered, split

from prefero.models.base import TrainingData, Validation, popularity_tiebreak
from prefero.models.ease import EASE, ease_weights, recency_history
from prefero.models.popularity import Popularity
from prefero.models.ranking import evaluate_ranking, ranking_metrics


def _direct(x: np.ndarray, lam: float) -> np.ndarray:
    """Steck's formula with a float64 numpy inverse."""
    p = np.linalg.inv(x.T @ x + lam * np.eye(x.shape[1]))
    b = np.eye(x.shape[1]) - p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def _random_data(seed: int = 0, n_users: int = 80, n_items: int = 12) -> TrainingData:
    rng = np.random.default_rng(seed)
    sequences = [rng.choice(n_items, size=int(rng.integers(1, 6)), replace=False)
                 for _ in range(n_users)]
    return TrainingData(sequences, n_items)


def test_weights_match_a_direct_inverse() -> None:
    data = _random_data()
    x = data.user_item_matrix()
    lam = 2.5
    expected = _direct(x.toarray().astype(np.float64), lam)
    got = ease_weights(x, np.arange(data.n_items), l2=lam, keep=data.n_items).toarray()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.all(np.diag(got) == 0.0)


def test_a_two_item_catalogue_by_hand() -> None:
    # G = [[2, 1], [1, 1]]; with λ = 1, P = (G + I)⁻¹ = [[2, -1], [-1, 3]] / 5, so
    # B[0, 1] = -P[0, 1] / P[1, 1] = 1/3 and B[1, 0] = -P[1, 0] / P[0, 0] = 1/2.
    x = sp.csr_matrix(np.array([[1, 1], [1, 0]], dtype=np.float32))
    got = ease_weights(x, np.arange(2), l2=1.0, keep=2).toarray()
    np.testing.assert_allclose(got, [[0.0, 1 / 3], [1 / 2, 0.0]], rtol=1e-6)


def test_model_scores_are_history_times_b_with_lambda_relative_to_users_per_item() -> None:
    data = _random_data(seed=1)
    model = EASE(params={"l2": 2.0, "recency": 0.5}).fit(data)
    x = data.user_item_matrix().toarray().astype(np.float64)
    lam = 2.0 * x.sum(axis=0).mean()
    assert abs(model.lambda_ - lam) < 1e-9 * lam
    b = _direct(x, lam)
    tiebreak = popularity_tiebreak(data.item_counts())
    # Newest item weight 1, the one before 0.5; item 3 repeats and keeps its newest weight.
    scores = model.score([np.array([3, 7, 3]), np.array([], dtype=np.int64)])
    np.testing.assert_allclose(scores[0] - tiebreak, b[3] + 0.5 * b[7], atol=1e-5)
    np.testing.assert_array_equal(scores[1], tiebreak)


def test_recency_history_keeps_the_newest_weight_of_a_repeat() -> None:
    weights = recency_history([np.array([0, 2, 0, 1])], 4, recency=0.5).toarray()
    np.testing.assert_allclose(weights[0], [0.5, 1.0, 0.25, 0.0])
    binary = recency_history([np.array([0, 2, 0])], 4, recency=1.0).toarray()
    np.testing.assert_array_equal(binary[0], [1.0, 0.0, 1.0, 0.0])


def test_each_row_keeps_its_largest_entries() -> None:
    data = _random_data(seed=2, n_items=15)
    x = data.user_item_matrix()
    dense = ease_weights(x, np.arange(15), l2=1.0, keep=15).toarray()
    cut = ease_weights(x, np.arange(15), l2=1.0, keep=4)
    assert np.all(np.diff(cut.indptr) <= 4)
    for row in range(15):
        kept = cut.indices[cut.indptr[row]:cut.indptr[row + 1]]
        np.testing.assert_allclose(cut[row].toarray()[0, kept], dense[row, kept], rtol=1e-6)
        others = np.setdiff1d(np.arange(15), kept)
        assert dense[row, kept].min() >= dense[row, others].max()


def test_search_on_a_popular_subset_then_one_full_solve() -> None:
    sequences, n_items, _ = clustered()
    train, valid, _, _ = split(sequences, n_items, None)
    model = EASE(search_items=30).fit(train, validation=valid)
    assert len(model.search_log) == len(EASE.L2_GRID) * len(EASE.RECENCY_GRID)
    assert len(EASE.L2_GRID) <= 4
    assert model.modelled_items.tolist() == list(range(n_items))
    # The final model is the full solve at the chosen setting, not the subset's.
    again = EASE(params=model.params).fit(train)
    histories = [np.array([1, 2]), np.array([45])]
    np.testing.assert_allclose(model.score(histories), again.score(histories), rtol=1e-6)


def _with_rare_tail(n_tail: int = 10) -> tuple[TrainingData, Validation, TrainingData, Validation]:
    """The clustered walks plus ``n_tail`` rare items (one visit each, early in some
    histories): the least popular items of the catalogue."""
    sequences, n_items, _ = clustered()
    rng = np.random.default_rng(3)
    extended = [s.copy() for s in sequences]
    for k, user in enumerate(rng.choice(len(extended), size=n_tail, replace=False)):
        extended[user] = np.concatenate([[n_items + k], extended[user]]).astype(np.int64)
    return split(extended, n_items + n_tail, None)


def test_above_the_limit_only_the_most_popular_items_are_modelled() -> None:
    train, _, _, _ = _with_rare_tail()
    n_items = train.n_items
    model = EASE(params={"l2": 1.0, "recency": 1.0}, max_dense_items=60).fit(train)
    assert model.modelled_items.tolist() == list(range(60))
    x = train.user_item_matrix().toarray().astype(np.float64)
    block = _direct(x[:, :60], model.lambda_)
    tiebreak = popularity_tiebreak(train.item_counts())
    for item in (0, 17, 59):
        np.testing.assert_allclose(model.score([np.array([item])])[0][:60] - tiebreak[:60],
                                   block[item], atol=1e-5)
    # The tail is outside B: a tail item contributes nothing and is scored by the tie-break.
    scores = model.score([np.array([n_items - 1, 5])])[0]
    np.testing.assert_allclose(scores[60:], tiebreak[60:])
    np.testing.assert_allclose(scores[:60] - tiebreak[:60], block[5], atol=1e-5)


def test_the_fallback_still_learns_the_clusters() -> None:
    train, valid, train_full, test = _with_rare_tail()
    model = EASE(max_dense_items=60, search_items=40).fit(train, validation=valid)
    assert len(model.modelled_items) == 60 < train.n_items
    model.refit(train_full)

    def hr(scores_of: EASE | Popularity) -> float:
        result = evaluate_ranking(lambda users, histories: scores_of.score(histories),
                                  targets=test.targets, histories=test.histories,
                                  n_items=train_full.n_items, coverage=False)
        return ranking_metrics(result.ranks, (10,))["HR@10"]

    assert hr(model) >= 0.6
    assert hr(model) >= hr(Popularity().fit(train_full)) + 0.3

"""ALS and BPR: the fold-in against implicit's own user step, the dot-product contract and
determinism under the seed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from synthetic import clustered, split

from prefero.models.base import EmbeddingModel, TrainingData, popularity_tiebreak
from prefero.models.mf import ALS, BPR, als_fold_in, padded_histories, single_threaded_blas


@pytest.fixture(scope="module")
def walks() -> TrainingData:
    sequences, n_items, _ = clustered()
    return TrainingData(sequences, n_items)


def _implicit_als(data: TrainingData, *, factors: int, iterations: int = 15) -> Any:
    from implicit.cpu.als import AlternatingLeastSquares

    with single_threaded_blas():
        model = AlternatingLeastSquares(factors=factors, regularization=1.0, alpha=10.0,
                                        iterations=iterations, random_state=0, num_threads=1)
        model.fit(data.user_item_matrix(), show_progress=False)
    return model


@pytest.mark.parametrize("factors", [4, 16], ids=["longer-than-d", "woodbury"])
def test_fold_in_is_implicits_exact_user_step(walks: TrainingData, factors: int) -> None:
    # Histories hold 6..9 items: with 4 factors the d × d system is solved, with 16 the
    # L × L Woodbury form. implicit's recalculate_user is an exact Cholesky solve.
    model = _implicit_als(walks, factors=factors)
    users = np.arange(walks.n_users)
    with single_threaded_blas():
        expected = model.recalculate_user(users, walks.user_item_matrix())
    got = als_fold_in(model.item_factors, walks.sequences, regularization=1.0, alpha=10.0)
    np.testing.assert_allclose(got, expected, atol=1e-4 * np.abs(expected).max())


def test_fold_in_is_close_to_the_user_factors_implicit_learned(walks: TrainingData) -> None:
    # implicit's last user step ran against the item factors of the previous half-step, so
    # the learned factors differ from the fold-in by what that last item step moved.
    model = _implicit_als(walks, factors=8, iterations=50)
    got = als_fold_in(model.item_factors, walks.sequences, regularization=1.0, alpha=10.0)
    learned = np.asarray(model.user_factors)
    assert np.abs(got - learned).max() <= 0.02 * np.abs(learned).max()


def test_recency_weights_the_confidence_of_older_items() -> None:
    rng = np.random.default_rng(4)
    y = rng.standard_normal((6, 3))
    history = np.array([1, 4, 2])  # newest last: confidences α·r², α·r, α
    r, alpha, reg = 0.5, 3.0, 0.7
    c = alpha * np.array([r**2, r, 1.0])
    yh = y[history]
    a = y.T @ y + reg * np.eye(3) + yh.T @ np.diag(c - 1.0) @ yh
    expected = np.linalg.solve(a, yh.T @ c)
    got = als_fold_in(y, [history], regularization=reg, alpha=alpha, recency=r)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_empty_history_folds_to_zero() -> None:
    y = np.eye(3)
    got = als_fold_in(y, [np.array([], dtype=np.int64), np.array([2])], regularization=1.0,
                      alpha=2.0)
    np.testing.assert_array_equal(got[0], 0.0)
    assert got[1, 2] > 0


def test_padded_histories_keep_each_items_newest_weight() -> None:
    items, weights = padded_histories([np.array([3, 1, 3, 2]), np.array([], dtype=np.int64)],
                                      recency=0.5)
    assert items.shape == weights.shape == (2, 3)
    assert dict(zip(items[0].tolist(), weights[0].tolist(), strict=True)) == {
        1: 0.25, 2: 1.0, 3: 0.5}
    assert weights[1].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("cls", [ALS, BPR])
def test_score_is_query_dot_item_plus_the_tiebreak(cls: type[ALS] | type[BPR],
                                                   walks: TrainingData) -> None:
    model = cls(params={"factors": 8}).fit(walks)
    assert isinstance(model, EmbeddingModel)
    histories = [np.array([0, 1, 2]), np.array([33]), np.array([], dtype=np.int64)]
    assert model.query_vectors(histories).dtype == model.item_vectors().dtype == np.float32
    queries = model.query_vectors(histories).astype(np.float64)
    items = model.item_vectors().astype(np.float64)
    tiebreak = popularity_tiebreak(walks.item_counts())
    np.testing.assert_allclose(model.score(histories), queries @ items.T + tiebreak[None, :],
                               rtol=1e-12, atol=1e-15)


def test_als_queries_are_the_fold_in_with_the_chosen_recency(walks: TrainingData) -> None:
    model = ALS(params={"factors": 8, "alpha": 5.0, "recency": 0.5}).fit(walks)
    history = [np.array([10, 11, 12])]
    expected = als_fold_in(model.item_vectors(), history, regularization=1.0, alpha=5.0,
                           recency=0.5)
    np.testing.assert_allclose(model.query_vectors(history), expected, rtol=1e-5)


def test_bpr_query_is_the_weighted_mean_and_meets_the_bias(walks: TrainingData) -> None:
    model = BPR(params={"factors": 8, "recency": 0.5}).fit(walks)
    items = model.item_vectors()
    assert items.shape == (walks.n_items, 9)  # implicit keeps the item bias last
    query = model.query_vectors([np.array([7, 9])])[0]
    np.testing.assert_allclose(query[:-1], (0.5 * items[7, :-1] + items[9, :-1]) / 1.5,
                               rtol=1e-5)
    assert query[-1] == 1.0
    # Without a history the item bias alone (then the tie-break) orders the catalogue.
    empty = model.score([np.array([], dtype=np.int64)])[0]
    assert np.argsort(-empty)[:5].tolist() == np.argsort(-items[:, -1])[:5].tolist()


@pytest.mark.parametrize("cls", [ALS, BPR])
def test_the_seed_decides_the_factors(cls: type[ALS] | type[BPR], walks: TrainingData) -> None:
    first = cls(seed=3, params={"factors": 8}).fit(walks).item_vectors()
    again = cls(seed=3, params={"factors": 8}).fit(walks).item_vectors()
    other = cls(seed=4, params={"factors": 8}).fit(walks).item_vectors()
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


@pytest.mark.parametrize("cls", [ALS, BPR])
def test_the_search_is_small_and_scored_on_validation(cls: type[ALS] | type[BPR]) -> None:
    sequences, n_items, _ = clustered()
    train, valid, _, _ = split(sequences, n_items, None)
    model = cls().fit(train, validation=valid)
    assert len(cls.GRID) <= 6
    assert len(model.search_log) == len(cls.GRID) * len(cls.RECENCY_GRID)
    best = max(model.search_log, key=lambda row: row["val_NDCG@10"])
    assert {k: v for k, v in best.items() if k != "val_NDCG@10"} == model.params

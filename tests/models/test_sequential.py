"""SASRec: known answers that need order or side information, the causal and padding
invariants of the transformer, the dot-product form, determinism, persistence, refit and
the time limit. (The model contract itself runs in ``test_contract.py``.)"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("torch")

from synthetic import clustered, split

from prefero.models.base import EmbeddingModel, TrainingData, popularity_tiebreak
from prefero.models.sequential import SASRec

#: Small, fixed-length training for the tests (no validation: ``epochs`` is used as is).
FAST = {"dim": 32, "batch_size": 64, "epochs": 30, "lr": 5e-3, "dropout": 0.1}


@pytest.fixture(scope="module")
def cluster_data() -> tuple[TrainingData, TrainingData]:
    sequences, n_items, attributes = clustered()
    train, _, before_test, _ = split(sequences, n_items, attributes)
    return train, before_test


@pytest.fixture(scope="module")
def fitted(cluster_data: tuple[TrainingData, TrainingData]) -> SASRec:
    return SASRec(seed=0, params=FAST).fit(cluster_data[0])


def test_order_decides_the_next_item_even_when_it_is_rare() -> None:
    # After some item, a→b is followed by c and b→a by d; c and d are rarer than every
    # filler item, and a model of the *set* of seen items could not tell the two
    # histories apart.
    rng = np.random.default_rng(0)
    a, b, c, d = 0, 1, 2, 3
    filler = np.arange(10, 30)
    sequences = [np.array([rng.choice(filler), a, b, c]) for _ in range(25)]
    sequences += [np.array([rng.choice(filler), b, a, d]) for _ in range(25)]
    sequences += [rng.choice(filler, size=5) for _ in range(300)]
    data = TrainingData(sequences, 30)
    counts = data.item_counts()
    assert counts[[c, d]].max() < counts[filler].min()
    model = SASRec(seed=0, params=FAST).fit(data)
    after_ab, _ = model.recommend(np.array([filler[0], a, b]), k=1)
    after_ba, _ = model.recommend(np.array([filler[1], b, a]), k=1)
    assert after_ab.tolist() == [c]
    assert after_ba.tolist() == [d]


def test_attributes_place_unseen_items_in_their_cluster(
    cluster_data: tuple[TrainingData, TrainingData],
) -> None:
    # The last item of every cluster never occurs in training; only its attribute (the
    # cluster) says where it belongs.
    train = cluster_data[0]
    cold = np.arange(9, train.n_items, 10)
    sequences = [s[~np.isin(s, cold)] for s in train.sequences]
    attributes = train.item_attributes
    assert attributes is not None

    def best_cold_per_cluster(use_attributes: bool) -> list[int]:
        data = TrainingData(sequences, train.n_items, item_attributes=attributes)
        model = SASRec(seed=0, params={**FAST, "attributes": use_attributes}).fit(data)
        histories = [np.array([10 * k + 4, 10 * k + 5]) for k in range(len(cold))]
        scores = model.score(histories)[:, cold]
        return [int(best) for best in scores.argmax(axis=1)]

    clusters = list(range(len(cold)))
    assert best_cold_per_cluster(True) == clusters
    assert best_cold_per_cluster(False) != clusters


def test_a_position_never_sees_later_items(fitted: SASRec) -> None:
    history = np.array([20, 21, 22, 23, 24, 25])
    changed = history.copy()
    changed[3:] = [40, 41, 42]
    before, after = fitted.prefix_vectors(history), fitted.prefix_vectors(changed)
    np.testing.assert_allclose(before[:3], after[:3], atol=1e-6)
    assert np.abs(before[3:] - after[3:]).max(axis=1).min() > 1e-3


def test_left_padding_changes_nothing(fitted: SASRec) -> None:
    history = np.array([31, 32, 33])
    dim = fitted.params["dim"]
    alone = fitted.query_vectors([history])[0]
    padded = fitted.query_vectors([history, np.arange(40, 48)])[0]  # padded to 8 items
    np.testing.assert_allclose(alone, padded, atol=1e-5)
    # What training computes after each prefix is what scoring computes for it.
    prefixes = fitted.query_vectors([history[:t + 1] for t in range(len(history))])
    np.testing.assert_allclose(fitted.prefix_vectors(history), prefixes[:, :dim], atol=1e-5)


def test_only_the_last_max_len_items_count(cluster_data: tuple[TrainingData, TrainingData]
                                           ) -> None:
    model = SASRec(seed=0, params={**FAST, "max_len": 3, "epochs": 2}).fit(cluster_data[0])
    np.testing.assert_allclose(model.score([np.array([1, 2, 3, 4])]),
                               model.score([np.array([9, 2, 3, 4])]))


def test_scores_are_a_dot_product_with_popularity_for_an_empty_history(
    fitted: SASRec, cluster_data: tuple[TrainingData, TrainingData],
) -> None:
    assert isinstance(fitted, EmbeddingModel)
    histories = [np.array([3, 4]), np.array([], dtype=np.int64)]
    dot = fitted.query_vectors(histories).astype(np.float64) @ fitted.item_vectors().T
    counts = cluster_data[0].item_counts()
    np.testing.assert_allclose(fitted.score(histories), dot + popularity_tiebreak(counts),
                               rtol=1e-6, atol=1e-6)
    empty_order = np.argsort(-fitted.score(histories[1:])[0], kind="stable")
    assert counts[empty_order[0]] == counts.max()
    assert np.all(np.diff(counts[empty_order]) <= 0)


def test_the_same_seed_gives_the_same_model_and_another_seed_another(
    cluster_data: tuple[TrainingData, TrainingData],
) -> None:
    params = {**FAST, "epochs": 3}
    histories = [np.array([5, 6, 7]), np.array([44])]
    first = SASRec(seed=3, params=params).fit(cluster_data[0]).score(histories)
    second = SASRec(seed=3, params=params).fit(cluster_data[0]).score(histories)
    other = SASRec(seed=4, params=params).fit(cluster_data[0]).score(histories)
    np.testing.assert_array_equal(first, second)
    assert np.abs(first - other).max() > 1e-3


def test_save_and_load_restore_weights_and_attributes(fitted: SASRec, tmp_path: Path) -> None:
    fitted.save(tmp_path)
    with np.load(tmp_path / "arrays.npz", allow_pickle=False) as stored:
        keys = stored.files
    assert "attribute_indices" in keys
    assert not [key for key in keys if "." in key]
    loaded = SASRec.load(tmp_path)
    histories = [np.array([1, 2, 3]), np.array([], dtype=np.int64), np.arange(50)]
    np.testing.assert_array_equal(loaded.score(histories), fitted.score(histories))
    np.testing.assert_array_equal(loaded.item_vectors(), fitted.item_vectors())


def test_refit_continues_from_the_fitted_weights(
    cluster_data: tuple[TrainingData, TrainingData],
) -> None:
    train, before_test = cluster_data
    model = SASRec(seed=0, params={**FAST, "epochs": 5, "refit_epochs": 1}).fit(train)
    chosen = dict(model.params)
    history = [np.array([12, 13])]
    fitted_scores = model.score(history)
    start = time.monotonic()
    model.refit(before_test)
    assert model.params == chosen
    assert np.abs(model.score(history) - fitted_scores).max() > 1e-4
    # A model that was never fitted trains from scratch with the chosen epochs, exactly
    # as ``fit`` without validation does.
    fresh = SASRec(seed=0, params=chosen).refit(before_test)
    again = SASRec(seed=0, params=chosen).fit(before_test)
    np.testing.assert_array_equal(fresh.score(history), again.score(history))
    assert time.monotonic() - start < 60


def test_attributes_must_match_the_catalogue() -> None:
    data = TrainingData([np.array([0, 1, 2])], 3,
                        item_attributes=sp.csr_matrix(np.ones((2, 1), dtype=np.float32)))
    with pytest.raises(ValueError, match="rows"):
        SASRec(params=FAST).fit(data)


def test_max_seconds_stops_training_and_keeps_the_best_weights() -> None:
    sequences, n_items, attributes = clustered()
    train, valid, _, _ = split(sequences, n_items, attributes)
    params = {**FAST, "batch_size": 8, "max_epochs": 100_000, "patience": 100_000,
              "max_seconds": 1.0}
    start = time.monotonic()
    model = SASRec(seed=0, params=params).fit(train, validation=valid)
    elapsed = time.monotonic() - start
    # Unlimited, this would run for hours; one step and one evaluation may overrun.
    assert elapsed < 15
    assert model.training_log, "the last weights were evaluated before stopping"
    assert model.training_log[-1]["seconds"] >= 1.0
    best = max(model.training_log, key=lambda row: row["val_NDCG@10"])
    assert model.params["epochs"] == pytest.approx(best["epoch"], abs=1e-3)

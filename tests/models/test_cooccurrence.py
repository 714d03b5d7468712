"""The item-to-item models: directed transitions and undirected co-occurrence."""

from __future__ import annotations

import numpy as np

from prefero.models.base import TrainingData, Validation
from prefero.models.cooccurrence import (
    CoOccurrence,
    Transitions,
    history_weights,
    item_to_item_matrix,
)


def _chain() -> tuple[TrainingData, Validation]:
    # Everyone goes a(0) -> b(1) -> c(2) -> d(3) -> e(4) after some visits to item 5, which
    # is the most popular item but never follows anything in particular.
    rng = np.random.default_rng(7)
    sequences = [np.array([5] * int(rng.integers(1, 4)) + [0, 1, 2, 3, 4]) for _ in range(40)]
    train = TrainingData([s[:-2] for s in sequences], 6)
    return train, Validation(histories=train.sequences,
                             targets=np.array([s[-2] for s in sequences]))


def test_after_a_then_b_comes_c() -> None:
    train, valid = _chain()
    model = Transitions().fit(train, validation=valid)
    assert int(np.argmax(model.score([np.array([0, 1])])[0])) == 2
    assert int(np.argmax(model.score([np.array([5, 0])])[0])) == 1


def test_direction_matters_for_transitions_and_not_for_co_occurrence() -> None:
    data = TrainingData([np.array([0, 1])] * 5 + [np.array([2, 3])], 4)
    forward = Transitions(params={"symmetric": 0.0}).fit(data)
    both = CoOccurrence().fit(data)
    assert forward.score([np.array([1])])[0][0] < 1e-6, "nothing follows b"
    assert int(np.argmax(both.score([np.array([1])])[0])) == 0, "a goes with b"


def test_matrix_weights_follow_distance_and_shrinkage() -> None:
    matrix = item_to_item_matrix([np.array([0, 1, 2])], 3, window=2, symmetric=0.0,
                                 shrinkage=0.0).toarray()
    # From a: b at distance 1 (weight 1), c at distance 2 (weight 1/2), rows sum to 1.
    np.testing.assert_allclose(matrix[0], [0.0, 2 / 3, 1 / 3])
    shrunk = item_to_item_matrix([np.array([0, 1, 2])], 3, window=2, symmetric=0.0,
                                 shrinkage=1.0).toarray()
    assert shrunk[0, 1] < matrix[0, 1] and shrunk[0, 1] / shrunk[0, 2] == 2.0


def test_recent_items_weigh_more() -> None:
    weights = history_weights([np.array([3, 1, 2])], 4, last_n=2, recency=0.5).toarray()
    np.testing.assert_allclose(weights[0], [0.0, 0.5, 1.0, 0.0])


def test_nothing_follows_the_last_step_so_popularity_decides() -> None:
    train, valid = _chain()
    model = Transitions().fit(train, validation=valid)
    scores = model.score([np.array([4])])[0]
    assert len(np.unique(scores)) == len(scores)
    assert int(np.argmax(scores)) == 5


def test_the_search_reads_only_the_validation_item() -> None:
    train, valid = _chain()
    a = Transitions(seed=2).fit(train, validation=valid)
    b = Transitions(seed=2).fit(train, validation=valid)
    assert a.params == b.params and a.search_log == b.search_log
    assert len(a.search_log) == len(Transitions.MATRIX_GRID) * len(Transitions.SCORING_GRID)


def test_neighbours_are_the_strongest_followers() -> None:
    data = TrainingData([np.array([0, 1])] * 3 + [np.array([0, 2])], 3)
    model = Transitions(params={"symmetric": 0.0}).fit(data)
    items, scores = model.neighbours(0, k=2)
    assert items.tolist() == [1, 2] and scores[0] > scores[1]

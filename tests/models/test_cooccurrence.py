"""The item-to-item models: directed transitions and undirected co-occurrence."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference_matrix(sequences: list[np.ndarray], n_items: int, *, window: int,
                      symmetric: float, shrinkage: float, damping: float) -> sp.csr_matrix:
    """The matrix as it was built before the pairs went into preallocated arrays: a list of
    int64 arrays per distance, concatenated."""
    nonempty = [s for s in sequences if len(s) > 1]
    if nonempty:
        flat = np.concatenate(nonempty).astype(np.int64)
        owner = np.repeat(np.arange(len(nonempty)), [len(s) for s in nonempty])
    else:
        flat = owner = np.zeros(0, dtype=np.int64)
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        if len(flat) <= d:
            break
        same = owner[:-d] == owner[d:]
        rows.append(flat[:-d][same])
        cols.append(flat[d:][same])
        vals.append(np.full(int(same.sum()), 1.0 / d))
    if rows:
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        v = np.zeros(0, dtype=np.float64)
    counts = sp.csr_matrix((v, (r, c)), shape=(n_items, n_items), dtype=np.float64)
    if symmetric > 0:
        counts = (counts + symmetric * counts.T).tocsr()
    if damping > 0:
        incoming = np.asarray(counts.sum(axis=0)).ravel()
        counts = (counts @ sp.diags(1.0 / np.power(np.maximum(incoming, 1.0), damping))).tocsr()
    out = np.asarray(counts.sum(axis=1)).ravel()
    active = out[out > 0]
    typical = float(active.mean()) if len(active) else 1.0
    denominator = out + shrinkage * typical
    scale = np.divide(1.0, denominator, out=np.zeros_like(denominator), where=denominator > 0)
    matrix = sp.csr_matrix(sp.diags(scale) @ counts)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


@pytest.mark.parametrize("setting", [
    {"window": 6, "symmetric": 0.25, "shrinkage": 16.0, "damping": 0.0},
    {"window": 3, "symmetric": 1.0, "shrinkage": 1.0, "damping": 0.5},
    {"window": 40, "symmetric": 0.0, "shrinkage": 4.0, "damping": 0.0},
])
def test_the_matrix_is_bit_for_bit_the_one_built_before(setting: dict[str, float]) -> None:
    rng = np.random.default_rng(3)
    # Long and short journeys, repeats, single items and empty ones; a popular head.
    sequences = [rng.zipf(1.6, size=int(rng.integers(0, 30))) % 300 for _ in range(400)]
    sequences += [np.zeros(0, dtype=np.int64), np.array([7])]
    got = item_to_item_matrix(sequences, 300, window=int(setting["window"]),
                              symmetric=setting["symmetric"], shrinkage=setting["shrinkage"],
                              damping=setting["damping"])
    want = _reference_matrix(sequences, 300, window=int(setting["window"]),
                             symmetric=setting["symmetric"], shrinkage=setting["shrinkage"],
                             damping=setting["damping"])
    assert got.nnz > 1000
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_no_pairs_give_an_empty_matrix() -> None:
    matrix = item_to_item_matrix([np.array([1]), np.zeros(0, dtype=np.int64)], 3, window=3,
                                 symmetric=0.5, shrinkage=1.0)
    assert matrix.shape == (3, 3) and matrix.nnz == 0


def _random_model(kind: type[Transitions] | type[CoOccurrence], seed: int
                  ) -> Transitions | CoOccurrence:
    rng = np.random.default_rng(seed)
    sequences = [rng.integers(0, 40, int(rng.integers(2, 12))) for _ in range(120)]
    return kind().fit(TrainingData(sequences, 40))


@pytest.mark.parametrize("kind", [Transitions, CoOccurrence])
@given(seed=st.integers(0, 3), history=st.lists(st.integers(0, 39), max_size=9))
@settings(max_examples=120, deadline=None)
def test_a_sparse_row_is_the_weighted_product_bit_for_bit(
        kind: type[Transitions] | type[CoOccurrence], seed: int, history: list[int]) -> None:
    # The request path combines the rows itself; the reference is the sparse product of the
    # history's weights and the matrix, whose items (order included) and sums it must give.
    model = _random_model(kind, seed)
    setting = model._setting()
    weights = history_weights([np.array(history, dtype=np.int64)], model.n_items,
                              last_n=int(setting["last_n"]), recency=float(setting["recency"]))
    expected = (weights @ model._matrix).tocsr()
    reached, values = model.sparse_row(np.array(history, dtype=np.int64))
    assert reached.tolist() == expected.indices.tolist()
    assert values.tobytes() == np.asarray(expected.data, dtype=np.float64).tobytes()

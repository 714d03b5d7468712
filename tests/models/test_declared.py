"""The preference-form model learnt from other customers: the implied form, the examples it
learns from, and known answers that the catalogue alone cannot give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from prefero.models.base import TrainingData, Validation
from prefero.models.content import AttributeProfile
from prefero.models.declared import GRID, DeclaredChoices, form_examples, top_attributes


def _matrix(rows: list[list[int]], n_attributes: int) -> sp.csr_matrix:
    dense = np.zeros((len(rows), n_attributes))
    for item, attributes in enumerate(rows):
        dense[item, attributes] = 1.0
    return sp.csr_matrix(dense)


# ---- the implied form ---------------------------------------------------------------------
def test_the_form_is_the_most_frequent_attributes() -> None:
    # item 0: a b, item 1: b c, item 2: c
    matrix = _matrix([[0, 1], [1, 2], [2]], 3)
    assert top_attributes(np.array([0, 1, 1]), matrix=matrix, k=2) == [1, 2]
    assert top_attributes(np.array([0, 1, 1]), matrix=matrix, k=5) == [1, 2, 0]
    assert top_attributes(np.array([], dtype=np.int64), matrix=matrix, k=3) == []


def test_form_ties_go_to_the_rarer_attribute_then_the_lower_column() -> None:
    # One item carrying all three: a on 1 catalogue item, b and c on 2 each.
    matrix = _matrix([[0, 1, 2], [1, 2]], 3)
    assert top_attributes(np.array([0]), matrix=matrix, k=3) == [0, 1, 2]
    carried = np.array([5.0, 1.0, 1.0])  # an explicit overall frequency wins
    assert top_attributes(np.array([0]), matrix=matrix, k=1, carried=carried) == [1]


def test_every_position_after_the_first_is_one_example() -> None:
    matrix = _matrix([[0], [1], [1], [2]], 3)
    examples = list(form_examples([np.array([0, 1, 2]), np.array([3]), np.array([3, 0])],
                                  matrix=matrix, k=2))
    # The form grows with the sequence; a one-item sequence gives nothing.
    assert examples == [([0], 1), ([0, 1], 2), ([2], 0)]
    # Each example's form is exactly the implied form of the items before it.
    assert examples[1][0] == top_attributes(np.array([0, 1]), matrix=matrix, k=2)


# ---- known answers ------------------------------------------------------------------------
def _complements(n_pairs: int = 6, users_per_pair: int = 20, seed: int = 0
                 ) -> tuple[TrainingData, sp.csr_matrix]:
    """Item ``2p`` (attribute ``p``) is always followed by item ``2p + 1`` (attribute ``n +
    p``, a different department), so the answer to a form naming ``p`` is an item that does
    NOT carry ``p``. Popularity is flat."""
    rng = np.random.default_rng(seed)
    n_items = 2 * n_pairs
    matrix = _matrix([[i // 2] if i % 2 == 0 else [n_pairs + i // 2] for i in range(n_items)],
                     2 * n_pairs)
    sequences = []
    for pair in rng.permutation(np.repeat(np.arange(n_pairs), users_per_pair)):
        sequences.append(np.array([2 * pair, 2 * pair + 1], dtype=np.int64))
    return TrainingData(sequences, n_items, item_attributes=matrix), matrix


def test_a_form_is_answered_by_what_such_customers_chose_next() -> None:
    data, _ = _complements()
    model = DeclaredChoices(params={"form_size": 1}).fit(data)
    forms = [[p] for p in range(6)]
    best = model.score_declared(forms).argmax(axis=1)
    assert best.tolist() == [2 * p + 1 for p in range(6)]
    # The catalogue alone answers with the item that carries the declared value.
    content = AttributeProfile().fit(data)
    assert content.score_declared(forms).argmax(axis=1).tolist() == [2 * p for p in range(6)]
    # As a recommender, a history is read as the form it implies.
    assert model.score([np.array([2 * p]) for p in range(6)]).argmax(axis=1).tolist() == \
        best.tolist()


def test_an_item_nobody_chose_yet_still_matches_what_it_carries() -> None:
    data, _ = _complements()
    # Attribute 6 is carried by item 1 (odd items carry 6..11); nobody ever had it on a form.
    model = DeclaredChoices(params={"form_size": 1, "beta": 1.0}).fit(data)
    scores = model.score_declared([[6]])[0]
    assert scores.argmax() == 1 and scores[1] - scores[3] > 1.0
    # Without the catalogue's say (beta 0) item 1 is no better than item 3, bar the
    # tie-break.
    blind = DeclaredChoices(params={"form_size": 1, "beta": 0.0}).fit(data)
    scores = blind.score_declared([[6]])[0]
    assert abs(scores[1] - scores[3]) < 1e-6


def test_an_empty_form_ranks_by_how_often_items_were_chosen_next() -> None:
    matrix = _matrix([[0], [1], [2]], 3)
    data = TrainingData([np.array([0, 2]), np.array([1, 2]), np.array([0, 1])], 3,
                        item_attributes=matrix)
    model = DeclaredChoices().fit(data)
    scores = model.score_declared([[], [0, 0]])  # a value named twice counts once
    assert np.argsort(-scores[0]).tolist() == [2, 1, 0]
    assert len(set(scores[0].tolist())) == 3  # no ties
    np.testing.assert_allclose(scores[1], model.score_declared([[0]])[0])


def test_bad_forms_and_settings_are_refused() -> None:
    data, _ = _complements()
    model = DeclaredChoices().fit(data)
    with pytest.raises(ValueError, match="out of range"):
        model.score_declared([[99]])
    with pytest.raises(ValueError, match="one row per customer"):
        model.tune_declared([[0]], np.array([1, 2]))
    with pytest.raises(ValueError, match="form_size"):
        DeclaredChoices(params={"form_size": 0}).fit(data)


def test_without_attributes_it_falls_back_to_what_comes_next() -> None:
    data = TrainingData([np.array([0, 2]), np.array([1, 2])], 3)
    model = DeclaredChoices().fit(data)
    assert model.n_attributes == 0
    assert model.score([np.array([0])])[0].argmax() == 2


# ---- choosing how far to trust the forms -----------------------------------------------
def test_search_and_tuning_stay_on_the_grid_and_keep_the_counts(tmp_path: Path) -> None:
    data, _ = _complements()
    histories = [s[:1] for s in data.sequences]
    targets = np.array([s[1] for s in data.sequences])
    model = DeclaredChoices(params={"form_size": 1}).fit(
        data, validation=Validation(histories=histories, targets=targets))
    for key, values in GRID:
        assert model.params[key] in values
    assert len(model.search_log) == sum(len(values) for _, values in GRID)
    before = model.score_declared([[0], [3]])
    model.save(tmp_path / "m")
    model.tune_declared([[int(s[0]) // 2] for s in data.sequences], targets)
    for key, values in GRID:
        assert model.params[key] in values
    # The forms point exactly at the next item: the tuned model still finds it.
    assert model.score_declared([[0], [3]]).argmax(axis=1).tolist() == [1, 7]
    loaded = DeclaredChoices.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.score_declared([[0], [3]]), before)

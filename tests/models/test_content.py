"""The attribute-profile model: known rankings from declared values and from histories.

The catalogue below has eight items. Attribute ``all`` is on every item (so it says
nothing), ``a`` on items 0-2, ``b`` on items 3-4, ``c`` on items 5-7. Training counts make
the popularity order 5, 6, 7, 3, 4, 1, 2, 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from prefero.evaluation.data import attribute_matrix
from prefero.models.base import TrainingData, Validation
from prefero.models.content import DECLARED_SMOOTHING, DECLARED_WEIGHT, GRID, AttributeProfile

COUNTS = [1, 3, 2, 5, 4, 8, 7, 6]
ITEM_ATTRIBUTES = [("all", "a")] * 3 + [("all", "b")] * 2 + [("all", "c")] * 3
POPULARITY_ORDER = [5, 6, 7, 3, 4, 1, 2, 0]
EMPTY = np.zeros(0, dtype=np.int64)


def _data(*, attributes: bool = True) -> tuple[TrainingData, dict[str, int]]:
    matrix, names = attribute_matrix(ITEM_ATTRIBUTES)
    sequences = [np.full(count, item, dtype=np.int64) for item, count in enumerate(COUNTS)]
    data = TrainingData(sequences, len(COUNTS),
                        item_attributes=matrix if attributes else None)
    return data, {name: column for column, name in enumerate(names)}


def _model(**params: object) -> tuple[AttributeProfile, dict[str, int]]:
    data, columns = _data()
    base = {"prior": "popularity", "within": 1.0, "smoothing": 0.0, "specificity": 0.0}
    return AttributeProfile(params={**base, **params}).fit(data), columns


def _order(scores: np.ndarray) -> list[int]:
    return np.argsort(-np.asarray(scores)[0], kind="stable").tolist()


def test_declared_attribute_ranks_its_items_first_in_popularity_order() -> None:
    model, col = _model()
    assert _order(model.score_declared([[col["a"]]])) == [1, 2, 0, 5, 6, 7, 3, 4]
    assert _order(model.score_declared([[col["b"]]]))[:2] == [3, 4]


def test_an_attribute_on_every_item_says_nothing() -> None:
    model, col = _model(specificity=1.0)
    assert _order(model.score_declared([[col["all"]]])) == POPULARITY_ORDER
    assert _order(model.score_declared([[]])) == POPULARITY_ORDER


def test_specificity_weighs_the_rarer_attribute_more() -> None:
    # Within b: 3 holds 5/9, 4 holds 4/9; within a: 1 holds 3/6, 2 holds 2/6, 0 holds 1/6.
    # Equal weights: 3 (.278) > 1 (.25) > 4 (.222) > 2 > 0. With idf (b is on 2 items, a
    # on 3): b weighs .576, a .424, so 4 (.256) overtakes 1 (.212).
    even, col = _model(specificity=0.0)
    assert _order(even.score_declared([[col["a"], col["b"]]]))[:5] == [3, 1, 4, 2, 0]
    specific, _ = _model(specificity=1.0)
    assert _order(specific.score_declared([[col["a"], col["b"]]]))[:5] == [3, 4, 1, 2, 0]


def test_history_profile_weighs_recent_items_more() -> None:
    history = np.array([0, 3])  # an a-item, then (newest) a b-item
    decayed, _ = _model(recency=0.5)  # b weighs 2/3: 4 (.296) > 1 (.167)
    assert decayed.recommend(history, k=3)[0].tolist() == [4, 1, 2]
    even, _ = _model(recency=1.0)  # a and b weigh 1/2: 1 (.25) > 4 (.222)
    assert even.recommend(history, k=3)[0].tolist() == [1, 4, 2]


def test_declared_and_history_mix_by_declared_weight() -> None:
    model, col = _model()
    declared, history = [[col["c"]]], [np.array([3])]
    only_declared = model.score_declared(declared)
    only_history = model.score(history)
    np.testing.assert_allclose(
        model.score_declared(declared, history, declared_weight=1.0), only_declared)
    np.testing.assert_allclose(
        model.score_declared(declared, history, declared_weight=0.0), only_history)
    # Nothing declared: the history gets the whole weight, whatever declared_weight says.
    np.testing.assert_allclose(
        model.score_declared([[]], history, declared_weight=0.9), only_history)
    half = _order(model.score_declared(declared, history, declared_weight=0.5))
    assert set(half[:5]) == {3, 4, 5, 6, 7}


def test_declared_smoothing_lets_popular_items_in() -> None:
    model, col = _model(declared_smoothing=0.0)
    assert _order(model.score_declared([[col["a"]]]))[0] == 1
    model.params["declared_smoothing"] = 0.95
    assert _order(model.score_declared([[col["a"]]]))[0] == 5
    # Histories keep their own smoothing.
    assert _order(model.score([np.array([0])]))[0] == 1


def test_scores_never_tie_and_rows_are_independent() -> None:
    model, col = _model()
    rows = model.score_declared([[col["a"]], [], [col["b"], col["c"]]])
    for row in rows:
        assert len(np.unique(row)) == len(row)
    np.testing.assert_allclose(rows[2], model.score_declared([[col["b"], col["c"]]])[0])


def test_bad_declarations_are_refused() -> None:
    model, _ = _model()
    with pytest.raises(ValueError, match="out of range"):
        model.score_declared([[99]])
    with pytest.raises(ValueError, match="one row per customer"):
        model.score_declared([[0]], [EMPTY, EMPTY])
    with pytest.raises(ValueError, match="declared_weight"):
        model.score_declared([[0]], declared_weight=1.5)


def test_without_attributes_it_is_popularity() -> None:
    data, _ = _data(attributes=False)
    model = AttributeProfile().fit(data)
    assert model.n_attributes == 0
    assert _order(model.score([np.array([0, 3])])) == POPULARITY_ORDER
    assert _order(model.score_declared([[]])) == POPULARITY_ORDER
    with pytest.raises(ValueError, match="out of range"):
        model.score_declared([[0]])


def test_tune_declared_chooses_how_far_to_trust_the_form() -> None:
    model, col = _model()
    declared = [[col["a"]]] * 4
    # Customers who declared a but went for the best seller: trust the prior.
    model.tune_declared(declared, np.array([5, 5, 5, 5]))
    assert model.params["declared_smoothing"] > 0
    assert _order(model.score_declared([[col["a"]]]))[0] == 5
    # Customers who bought the favourite a-item: every low smoothing is as good; the
    # first of the grid (none) is kept.
    model.tune_declared(declared, np.array([1, 1, 1, 1]))
    assert model.params["declared_smoothing"] == 0.0
    assert len(model.search_log) == 2 * len(DECLARED_SMOOTHING)
    # With histories the declared weight is chosen too.
    model.tune_declared(declared, np.array([1, 1, 1, 1]), [np.array([3])] * 4)
    assert model.params["declared_weight"] in DECLARED_WEIGHT
    assert len(model.search_log) == 3 * len(DECLARED_SMOOTHING) + len(DECLARED_WEIGHT)


def test_fit_chooses_the_trending_prior_when_recent_items_are_next() -> None:
    # Item 0 was the a-item everybody met long ago, item 3 the one met lately; the
    # validation customers (history: the a-item 1) go on to item 3.
    matrix, _ = attribute_matrix([("a",)] * 4)
    old = [np.array([0, 0, 0])] * 10
    recent = [np.array([3])] * 4 + [np.array([2])]
    times = [np.array([0.0, 1.0, 2.0])] * 10 + [np.array([100.0])] * 5
    data = TrainingData(old + recent, 4, item_attributes=matrix, timestamps=times)
    validation = Validation([np.array([1])] * 6, np.array([3] * 6))
    model = AttributeProfile().fit(data, validation=validation)
    assert model.params["prior"] == "trending"
    assert model.recommend(np.array([1]), k=1)[0].tolist() == [3]
    # The search is bounded: at most one setting per grid value.
    assert len(model.search_log) <= sum(len(grid) for _, grid in GRID)
    for key, grid in GRID:
        assert model.params[key] in grid


def test_declared_settings_survive_save_and_load(tmp_path: Path) -> None:
    model, col = _model(declared_smoothing=0.4, declared_weight=0.75)
    model.save(tmp_path)
    loaded = AttributeProfile.load(tmp_path)
    assert loaded.params == model.params
    declared, history = [[col["a"]], [col["b"]]], [np.array([5]), EMPTY]
    np.testing.assert_allclose(loaded.score_declared(declared, history),
                               model.score_declared(declared, history))
    assert sp.issparse(loaded._attributes) and loaded.n_attributes == model.n_attributes

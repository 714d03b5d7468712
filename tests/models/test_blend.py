"""The validation-weighted blend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from synthetic import clustered, split

from prefero.models.base import TrainingData, Validation
from prefero.models.blend import Blend
from prefero.models.cooccurrence import Transitions
from prefero.models.popularity import Popularity
from prefero.models.registry import load_model


def _data() -> tuple[TrainingData, Validation, TrainingData, Validation]:
    sequences, n_items, attributes = clustered(seed=3)
    return split(sequences, n_items, attributes)


def test_weights_favour_the_component_that_predicts_the_validation_item() -> None:
    train, valid, _, _ = _data()
    blend = Blend(params={"components": ["popularity", "transitions"]}).fit(
        train, validation=valid)
    weights = blend.params["weights"]
    assert weights["transitions"] == 1.0, "the best single component leads"
    assert weights["popularity"] <= 0.25
    assert set(blend.params["component_params"]) == {"popularity", "transitions"}


def test_weights_are_chosen_on_the_validation_item_only() -> None:
    # Validation says "popularity is right" (the validation targets are the most popular
    # item); a blend chosen there must lead with popularity even though transitions would
    # be right on the real next items.
    train, valid, _, _ = _data()
    top = int(np.argmax(train.item_counts()))
    rigged = Validation(histories=valid.histories,
                        targets=np.full(len(valid.targets), top, dtype=np.int64))
    blend = Blend(params={"components": ["transitions", "popularity"]}).fit(
        train, validation=rigged)
    assert blend.params["weights"]["popularity"] == 1.0


def test_blend_equals_its_weighted_standardised_parts() -> None:
    train, valid, _, _ = _data()
    parts = {"transitions": Transitions().fit(train, validation=valid),
             "popularity": Popularity().fit(train)}
    blend = Blend().fit_components(parts, data=train, validation=valid)
    histories = [np.array([1, 2]), np.array([40])]
    expected = np.zeros((2, train.n_items))
    for name, weight in blend.params["weights"].items():
        raw = parts[name].score(histories)
        expected += weight * (raw - raw.mean(axis=1, keepdims=True)) / raw.std(
            axis=1, keepdims=True)
    np.testing.assert_allclose(blend.score(histories), expected, atol=1e-4)


def test_refit_and_reload_keep_weights_and_component_settings(tmp_path: Path) -> None:
    train, valid, full, _ = _data()
    blend = Blend(params={"components": ["transitions", "cooccurrence"]}).fit(
        train, validation=valid)
    chosen = blend.params
    blend.refit(full)
    assert blend.params == chosen
    blend.save(tmp_path)
    assert (tmp_path / "components" / "transitions" / "model.json").exists()
    loaded = load_model(tmp_path)
    histories = [np.array([5, 6, 7])]
    np.testing.assert_allclose(loaded.score(histories), blend.score(histories), rtol=1e-6)
    # A fresh blend given the chosen params rebuilds the same model from data alone.
    again = Blend(params=chosen).fit(full)
    np.testing.assert_allclose(again.score(histories), blend.score(histories), rtol=1e-6)

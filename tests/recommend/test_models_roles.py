"""The model view's two parts: the history models, averaged with the weights training chose
(equal for versions trained before the quality report), and the form model, which answers
declared forms and never joins that average. The whole-row and candidate paths weigh the
models alike."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from prefero.config import Settings
from prefero.demo import load_demo
from prefero.models.declared import DeclaredChoices
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, FloatArray
from prefero.recommend.followers import lifted
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.training import TrainingConfig, train
from prefero.runtime import Runtime

HISTORY_MODELS = {"transitions", "cooccurrence", "als"}


@pytest.fixture(scope="module")
def every_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[CatalogIndex, Artefacts]:
    """A small demo trained with every default model served (too few customers to choose:
    all of them at equal weights), the form model among them."""
    folder: Path = tmp_path_factory.mktemp("roles")
    runtime = Runtime(Settings(data_dir=folder / "shop"))
    try:
        load_demo(runtime, products=120, customers=90)
        train(runtime, config=TrainingConfig(min_tuning_users=10**9))
        runtime.recommender.refresh()
        with runtime.session() as session:
            index, view = runtime.recommender.snapshot(session)
    finally:
        runtime.close()
    assert view.artefacts is not None
    return index, view.artefacts


def _journeys(index: CatalogIndex) -> list[list[int]]:
    rng = np.random.default_rng(8)
    return [[], *([int(p) for p in rng.choice(index.size, size=rng.integers(1, 7))]
                  for _ in range(30))]


def _weighted_mean(view: ModelView, journey: list[int], weights: dict[str, float]
                   ) -> FloatArray:
    """The weighted mean of the named models' lifted rows, worked out here by hand (the
    artefact's item order is the catalogue's: trained on it)."""
    total = np.zeros(view.cat_to_art.size)
    for name, weight in weights.items():
        row = view.models[name].score([np.asarray(journey, dtype=np.int64)])
        total += weight * lifted(np.asarray(row, dtype=np.float64))[0]
    result: FloatArray = total / sum(weights.values())
    return result


def test_the_form_model_answers_forms_and_never_enters_the_history_scores(
        every_model: tuple[CatalogIndex, Artefacts]) -> None:
    index, artefacts = every_model
    assert set(artefacts.models) == HISTORY_MODELS | {"declared"}
    view = build_model_view(index, artefacts)
    assert set(view.models) == HISTORY_MODELS
    assert isinstance(view.form_model, DeclaredChoices)
    assert view.weights == (1.0, 1.0, 1.0)
    equal = dict.fromkeys(view.models, 1.0)
    for journey in _journeys(index):
        np.testing.assert_allclose(view.model_scores([journey])[0],
                                   _weighted_mean(view, journey, equal), atol=1e-12)
    # The form model still answers a form naming a value the catalogue carries.
    key = max(artefacts.attribute_keys, key=lambda k: index.postings[k].size)
    assert view.form_scores([key]).max() == pytest.approx(1.0)
    # ... and without it the history scores are the same: it never took part.
    alone = replace(build_model_view(index, artefacts), form_model=None)
    journey = _journeys(index)[3]
    np.testing.assert_array_equal(alone.model_scores([journey]), view.model_scores([journey]))
    assert not alone.form_scores([key]).any()


def test_weights_move_the_whole_rows_and_the_candidate_path_alike(
        every_model: tuple[CatalogIndex, Artefacts]) -> None:
    index, artefacts = every_model
    names = list(build_model_view(index, artefacts).models)
    weights = (2.0, 0.25, 1.0)
    whole = replace(build_model_view(index, artefacts), weights=weights)
    candidates = replace(build_model_view(index, artefacts), weights=weights,
                         candidate_k=10_000)  # every item a candidate: the paths agree
    equal = build_model_view(index, artefacts)
    moved = 0
    for journey in _journeys(index):
        dense = whole.model_scores([journey])[0]
        np.testing.assert_allclose(dense, _weighted_mean(
            whole, journey, dict(zip(names, weights, strict=True))), atol=1e-12)
        np.testing.assert_allclose(candidates.expected_after(journey), dense, atol=1e-9)
        moved += not np.allclose(dense, equal.model_scores([journey])[0])
    assert moved > 20  # the weights did change the scores
    # The followers the two paths work out carry the same weights.
    for position in range(0, index.size, 11):
        (want, want_scores), = whole.followers([position], k=50)
        (got, got_scores), = candidates.followers([position], k=50)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(got_scores, want_scores, atol=1e-9)


def test_the_report_s_weights_are_served_and_a_version_without_one_weighs_equally(
        every_model: tuple[CatalogIndex, Artefacts]) -> None:
    index, artefacts = every_model
    assert artefacts.quality is not None
    report = artefacts.quality.model_dump(mode="json", exclude={"version"})
    # A report that weighs transitions twice and leaves cooccurrence out.
    report["candidates"]["transitions"]["weight"] = 2.0
    report["candidates"]["cooccurrence"]["weight"] = 0.0
    chosen = build_model_view(index, replace(
        artefacts, manifest={**artefacts.manifest, "quality": report}))
    assert dict(zip(chosen.models, chosen.weights, strict=True)) == {
        "transitions": 2.0, "als": 1.0}
    assert isinstance(chosen.form_model, DeclaredChoices)
    journey = _journeys(index)[5]
    np.testing.assert_allclose(chosen.model_scores([journey])[0], _weighted_mean(
        chosen, journey, {"transitions": 2.0, "als": 1.0}), atol=1e-12)
    # A version trained before reports: every model but the form model, equally.
    old = {key: value for key, value in artefacts.manifest.items() if key != "quality"}
    before = build_model_view(index, replace(artefacts, manifest=old))
    assert replace(artefacts, manifest=old).quality is None
    assert set(before.models) == HISTORY_MODELS and before.weights == (1.0, 1.0, 1.0)
    assert isinstance(before.form_model, DeclaredChoices)
    # A newer trainer's report (a field this build does not know) still serves its weights,
    # though the report itself no longer validates for the console.
    newer = {**report, "something_new": {"figure": 1}}
    served = build_model_view(index, replace(
        artefacts, manifest={**artefacts.manifest, "quality": newer}))
    assert dict(zip(served.models, served.weights, strict=True)) == {
        "transitions": 2.0, "als": 1.0}
    # Cooccurrence, left out of the ranking, still counts observed choices as evidence.
    assert [type(m).__name__ for m in served.evidence] == ["CoOccurrence"]


def test_a_form_s_scores_are_worked_out_once_per_view_and_shared_read_only(
        every_model: tuple[CatalogIndex, Artefacts], monkeypatch: pytest.MonkeyPatch) -> None:
    index, artefacts = every_model
    view = build_model_view(index, artefacts)
    keys = sorted(artefacts.attribute_keys, key=lambda k: -index.postings[k].size)[:2]
    assert view.form_model is not None
    calls: list[object] = []
    score = view.form_model.score_declared
    monkeypatch.setattr(view.form_model, "score_declared",
                        lambda forms: calls.append(forms) or score(forms))
    first = view.form_scores(keys)
    again = view.form_scores(list(reversed(keys)))  # the same form, named in another order
    assert again is first and len(calls) == 1
    assert not first.flags.writeable  # a request cannot change another's scores
    fresh = build_model_view(index, artefacts)  # another view works it out again, alike
    np.testing.assert_array_equal(fresh.form_scores(keys), first)
    # A view made from this one without the form model does not answer from its cache.
    assert not replace(view, form_model=None).form_scores(keys).any()

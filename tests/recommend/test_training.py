"""Offline training: what goes into the artefacts, and what must stay out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from factories import activity, add_products, consent, customer, events, product
from prefero.config import Settings
from prefero.models.declared import DeclaredChoices
from prefero.recommend.artefacts import KEEP_VERSIONS, load_current, load_version, write_version
from prefero.recommend.training import TrainingConfig, train
from prefero.runtime import Runtime


def _neighbours(runtime: Runtime, item: str) -> list[str]:
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    row = artefacts.co_purchase_idx[artefacts.item_ids.index(item)]
    return [artefacts.item_ids[i] for i in row if i >= 0]


def test_popularity_and_trending_come_from_the_anonymous_counters(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("old-hit", "rising", "none")])
        activity(s, {"old-hit": 100}, kind="view", days_ago=60)
        activity(s, {"rising": 30}, kind="view", days_ago=1)
    train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    pop = dict(zip(artefacts.item_ids, artefacts.popularity.tolist(), strict=True))
    trend = dict(zip(artefacts.item_ids, artefacts.trending.tolist(), strict=True))
    assert pop["old-hit"] > pop["rising"] > pop["none"] == 0
    assert trend["rising"] > trend["old-hit"] == 0  # 60 days ago is outside the window


def test_co_purchase_uses_only_customers_who_still_consent(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c")])
        for who, pair in (("keeps", ("a", "b")), ("leaves", ("a", "c"))):
            customer(s, who)
            consent(s, who, "tracking", True)
            events(s, who, [("purchase", pair[0]), ("purchase", pair[1])], session_id=who)
    train(runtime)
    assert set(_neighbours(runtime, "a")) == {"b", "c"}
    with runtime.session() as s:
        consent(s, "leaves", "tracking", False)
    train(runtime)
    assert _neighbours(runtime, "a") == ["b"]


def test_each_training_publishes_a_version_and_keeps_only_the_last_few(
    runtime: Runtime,
) -> None:
    with runtime.session() as s:
        add_products(s, [product("a", category="Shop")])
    versions = [train(runtime) for _ in range(KEEP_VERSIONS + 2)]
    assert len(set(versions)) == len(versions)
    current = load_current(runtime.settings.artefact_dir)
    assert current is not None and current.version == versions[-1]
    kept = sorted(p.name for p in runtime.settings.artefact_dir.iterdir() if p.is_dir()
                  and not p.name.startswith("."))
    assert kept == versions[-KEEP_VERSIONS:]


def _next_after(runtime: Runtime, item: str, model: str = "transitions") -> list[str]:
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    fitted = artefacts.models[model]
    scores = fitted.score([np.array([artefacts.item_ids.index(item)])])[0]
    followers = [artefacts.item_ids[i] for i in np.argsort(-scores)
                 if scores[i] > 1e-6 and artefacts.item_ids[i] != item]
    return followers


def test_models_are_fitted_saved_and_loaded_with_the_version(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c")])
        for i in range(3):
            customer(s, f"u{i}")
            events(s, f"u{i}", [("view", "a"), ("view", "b")], session_id=f"u{i}")
    version = train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None and artefacts.version == version
    assert set(artefacts.models) == set(runtime.settings.models)
    assert set(artefacts.manifest["models"]) == set(runtime.settings.models)
    assert artefacts.manifest["stats"]["models_tuned_on"] == 0, "too few customers to tune"
    assert _next_after(runtime, "a")[0] == "b"


def test_models_forget_customers_who_withdrew_tracking(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c")])
        for who, then in (("keeps", "b"), ("leaves", "c")):
            customer(s, who)
            events(s, who, [("view", "a"), ("view", then)], session_id=who)
    train(runtime)
    assert set(_next_after(runtime, "a")) == {"b", "c"}
    with runtime.session() as s:
        consent(s, "leaves", "tracking", False)
    train(runtime)
    assert _next_after(runtime, "a") == ["b"]


def test_with_enough_customers_settings_are_tuned_on_their_last_items(runtime: Runtime
                                                                       ) -> None:
    names = [f"p{i}" for i in range(12)]
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in names])
        for i in range(TrainingConfig().min_tuning_users):
            customer(s, f"u{i}")
            start = i % 9
            events(s, f"u{i}", [("view", names[start + k]) for k in range(3)],
                   session_id=f"u{i}")
    train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    transitions = artefacts.models["transitions"]
    assert artefacts.manifest["stats"]["models_tuned_on"] == TrainingConfig().min_tuning_users
    assert transitions.params["window"] in (3, 6), "a setting from the search grid"
    assert _next_after(runtime, "p4")[0] == "p5"


def test_the_models_are_given_the_catalogue_s_facet_values(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"models": ["content", "declared"]}))
    try:
        with runtime.session() as s:
            add_products(s, [
                product("tent", category="Outdoor > Tents", brand="Acme"),
                product("lamp", category="Outdoor > Lamps", brand="Lumo",
                        facets={"color": ["red"]}),
            ])
            customer(s, "u0")
            events(s, "u0", [("view", "tent"), ("view", "lamp")])
        train(runtime)
        artefacts = load_current(runtime.settings.artefact_dir)
        assert artefacts is not None
        keys = artefacts.attribute_keys
        # The same (facet, value) keys the request path posts, category ancestors included.
        assert keys == sorted(keys)
        assert {("brand", "acme"), ("brand", "lumo"), ("category", "Outdoor"),
                ("category", "Outdoor > Tents"), ("color", "red")} <= set(keys)
        lamp = artefacts.item_ids.index("lamp")
        for name in ("content", "declared"):
            model = artefacts.models[name]
            assert model.n_attributes == len(keys), name  # type: ignore[attr-defined]
        # A form naming the lamp's brand is answered with the lamp.
        declared = artefacts.models["declared"]
        assert isinstance(declared, DeclaredChoices)
        scores = declared.score_declared([[keys.index(("brand", "lumo"))]])
        assert int(scores[0].argmax()) == lamp
    finally:
        runtime.close()


def test_the_version_carries_the_choice_of_models_and_its_figures(runtime: Runtime,
                                                                   tmp_path: Path) -> None:
    names = [f"p{i}" for i in range(12)]
    customers = TrainingConfig().min_tuning_users
    with runtime.session() as s:
        add_products(s, [product(p, category=f"Shop > {i % 3}") for i, p in enumerate(names)])
        for i in range(customers):
            customer(s, f"u{i}")
            start = i % 9
            events(s, f"u{i}", [("view", names[start + k]) for k in range(3)],
                   session_id=f"u{i}")
    version = train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None and artefacts.version == version
    quality = artefacts.quality
    assert quality is not None and quality.version == version
    assert list(quality.candidates) == runtime.settings.models
    assert (quality.products, quality.customers, quality.events) == (12, customers,
                                                                    3 * customers)
    assert quality.validation_customers == customers  # each held out their third item
    assert quality.candidates["declared"].role == "form"
    # The form model went through the calibration on real forms: there are none here.
    assert quality.forms is not None and quality.forms.real_forms == 0
    assert not quality.forms.calibrated
    assert quality.served.budget_ms == runtime.settings.model_score_budget_ms
    assert quality.served.val_ndcg10 is not None
    assert quality.training_seconds >= quality.selection_seconds > 0
    # Only what is served is in the version: the weighted history models and the form model.
    assert quality.weights and set(artefacts.models) == set(quality.weights) | {"declared"}
    for name, report in quality.candidates.items():
        assert (name in artefacts.models) == (report.weight > 0), name
        assert report.val_ndcg10 is not None, name
    # The report survives a manifest's round trip unchanged.
    again = write_version(tmp_path / "copy", item_ids=artefacts.item_ids, arrays={
        name: np.asarray(getattr(artefacts, name)) for name in (
            "popularity", "trending", "co_purchase_idx", "co_purchase_score", "co_view_idx",
            "co_view_score")}, stats={}, quality=quality)
    copied = load_version(tmp_path / "copy", again).quality
    assert copied == quality.model_copy(update={"version": again})

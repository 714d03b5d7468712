"""The form model calibrated on real forms: which declarations and choices make one, that
new parameters are chosen on the earlier forms and kept only when the later ones do not
suffer, and that neither is scored on counts that hold the forms' own choices (on SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from factories import NOW, add_products, consent, product
from prefero.customers.household_schemas import ProfileIn
from prefero.customers.households import create_profile, subject_for
from prefero.customers.models import Customer, Preference
from prefero.events.models import Event
from prefero.models import TrainingData
from prefero.models.declared import DeclaredChoices
from prefero.recommend.artefacts import load_current
from prefero.recommend.catalog_index import CatalogIndex, build_catalog_index
from prefero.recommend.form_calibration import (
    FORMS_MINIMUM,
    TUNE_SHARE,
    calibrate_forms,
    real_forms,
)
from prefero.recommend.training import item_attributes, train
from prefero.recommend.training_input import read_behaviour
from prefero.runtime import Runtime

ACME = [f"a{i}" for i in range(10)]
ZETA = [f"z{i}" for i in range(10)]
T = NOW - timedelta(days=30)


def _catalogue(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop > Tools", brand="Acme") for p in ACME]
                     + [product(p, category="Shop > Toys", brand="Zeta") for p in ZETA])


def _person(s: Session, who: str, *, likes: list[tuple[str, str, float, datetime]],
            choices: list[tuple[str, str, datetime]], tracking: bool | None = True) -> None:
    """A customer (made unless there) with liked values declared at given times and
    events; ``tracking``: the consent recorded before them (None: none recorded)."""
    if s.get(Customer, who) is None:
        s.add(Customer(id=who))
        s.flush()
    if tracking is not None:
        consent(s, who, "tracking", tracking)
    for facet, value, weight, at in likes:
        s.add(Preference(customer_id=who, kind="like", facet=facet, value=value,
                         weight=weight, created_at=at, updated_at=at, confirmed_at=at))
    for kind, pid, at in choices:
        s.add(Event(customer_id=who, type=kind, product_id=pid, occurred_at=at))
    s.flush()


def _index(runtime: Runtime) -> tuple[CatalogIndex, list[tuple[str, str]]]:
    with runtime.session() as s:
        index = build_catalog_index(s, runtime.facet_schema)
    return index, item_attributes(index)[1]


def _model(index: CatalogIndex, *, loyal: bool) -> tuple[DeclaredChoices, TrainingData]:
    """A form model fitted on journeys that keep to one brand (``loyal``) or that mix the
    two, so that only the items' own values (``beta``) tie a brand to its items; and what it
    was fitted on (journeys of customers who filled in no form: see ``_strangers``)."""
    matrix, _keys = item_attributes(index)
    a = [index.position[p] for p in ACME]
    z = [index.position[p] for p in ZETA]
    if loyal:
        journeys = [np.array([b[i], b[(i + 3) % 10], b[(i + 5) % 10]])
                    for b in (a, z) for i in range(10)]
    else:
        journeys = [np.array([a[i], z[(i + 3) % 10], a[(i + 5) % 10], z[i]])
                    for i in range(10)]
    data = TrainingData(journeys, index.size, item_attributes=matrix)
    return DeclaredChoices().fit(data), data


def _strangers(data: TrainingData) -> list[str]:
    return [f"stranger{u}" for u in range(data.n_users)]


def test_a_real_form_is_what_was_declared_before_the_first_choice_after_it(
        runtime: Runtime) -> None:
    _catalogue(runtime)
    hour = timedelta(hours=1)
    with runtime.session() as s:
        # Chose before declaring (not counted), then put a2 in the cart: that is the choice.
        _person(s, "ann", likes=[("brand", "acme", 1.0, T)],
                choices=[("purchase", "z3", T - hour), ("view", "a7", T + hour / 2),
                         ("add_to_cart", "a2", T + hour), ("purchase", "a5", T + 2 * hour)])
        # A value the catalogue does not post is left out of the form.
        _person(s, "bob", likes=[("brand", "acme", 0.5, T), ("brand", "nobody", 1.0, T)],
                choices=[("purchase", "gone", T + 2 * hour), ("purchase", "a1", T + 3 * hour)])
        # Zeta was declared after the choice: not on the form.
        _person(s, "fay", likes=[("brand", "acme", 1.0, T), ("brand", "zeta", 1.0, T + 9 * hour)],
                choices=[("purchase", "a4", T + 4 * hour)])
        # No form at all: only unknown values, only a dislike, no choice after it.
        _person(s, "cy", likes=[("brand", "nobody", 1.0, T)],
                choices=[("purchase", "a1", T + hour)])
        _person(s, "gus", likes=[("brand", "acme", -0.5, T)],
                choices=[("purchase", "a1", T + hour)])
        _person(s, "hal", likes=[("brand", "acme", 1.0, T)],
                choices=[("purchase", "a1", T - hour)])
        # Behaviour that is not to be read: no tracking consent ever, or withdrawn since.
        _person(s, "dee", likes=[("brand", "acme", 1.0, T)],
                choices=[("purchase", "a3", T + hour)], tracking=None)
        _person(s, "eve", likes=[("brand", "acme", 1.0, T)],
                choices=[("purchase", "a3", T + hour)])
        consent(s, "eve", "tracking", False)
        # A household profile is a customer of its own: its likes and choices, not ann's.
        create_profile(s, owner_id="ann", profile=ProfileIn(profile_id="kids", name="Kids"))
        kids = subject_for(s, owner_id="ann", profile_id="kids")
        _person(s, kids, likes=[("brand", "zeta", 1.0, T)],
                choices=[("purchase", "z6", T + 5 * hour)])
    index, keys = _index(runtime)
    column = {key: i for i, key in enumerate(keys)}
    with runtime.session() as s:
        found = real_forms(s, index=index, attribute_keys=keys, settings=runtime.settings,
                           fetch_rows=2)
    acme, zeta = [column[("brand", "acme")]], [column[("brand", "zeta")]]
    assert found.count == 4
    assert found.forms == [acme, acme, acme, zeta]  # ann, bob, fay, kids: by choice time
    assert found.targets.tolist() == [index.position[p] for p in ("a2", "a1", "a4", "z6")]


def _planted(runtime: Runtime, forms: int) -> None:
    """``forms`` customers who declare one brand and then buy one of its items, their
    choices an hour apart."""
    with runtime.session() as s:
        for n in range(forms):
            brand, items = ("acme", ACME) if n % 2 else ("zeta", ZETA)
            _person(s, f"c{n:03d}", likes=[("brand", brand, 1.0, T)],
                    choices=[("purchase", items[n % 10], T + timedelta(hours=n + 1))])


def test_calibration_keeps_parameters_that_do_better_on_the_later_forms(
        runtime: Runtime) -> None:
    _catalogue(runtime)
    _planted(runtime, 80)
    index, keys = _index(runtime)
    model, data = _model(index, loyal=False)
    with runtime.session() as s:
        found = real_forms(s, index=index, attribute_keys=keys, settings=runtime.settings)
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
                                 data=data, customers=_strangers(data),
                                 settings=runtime.settings)
    cut = int(80 * TUNE_SHARE)
    # No journey is a form customer's: the served counts are the judged ones.
    later = model.forms_ndcg(found.forms[cut:], found.targets[cut:])
    assert (report.real_forms, report.minimum, report.calibrated) == (80, FORMS_MINIMUM, True)
    assert report.params_after == model.params
    assert report.ndcg10_after == pytest.approx(later)
    assert report.ndcg10_before is not None and report.ndcg10_after >= report.ndcg10_before
    # Journeys mixed the brands; the real forms tie each brand to its items, and the
    # calibrated smoothing follows them (0.24 before, 0.43 after).
    assert report.params_after != report.params_before
    assert report.ndcg10_after > report.ndcg10_before + 0.1


def test_parameters_that_do_worse_on_the_later_forms_are_put_back(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    _catalogue(runtime)
    _planted(runtime, 60)
    index, keys = _index(runtime)
    model, data = _model(index, loyal=True)
    before = dict(model.params)
    judged: list[int] = []

    def tuned(self: DeclaredChoices, declared: Any, targets: Any, **_: Any
              ) -> DeclaredChoices:
        self.params = {**self.params, "alpha": 3.0}
        return self

    def ndcg(self: DeclaredChoices, forms: Any, targets: Any) -> float:
        judged.append(len(forms))
        return 0.2 if self.params["alpha"] == 3.0 else 0.3  # the new ones do worse

    monkeypatch.setattr(DeclaredChoices, "tune_declared", tuned)
    monkeypatch.setattr(DeclaredChoices, "forms_ndcg", ndcg)
    with runtime.session() as s:
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
                                 data=data, customers=_strangers(data),
                                 settings=runtime.settings)
    assert judged == [60 - int(60 * TUNE_SHARE)] * 2  # both judged on the later forms only
    assert report.calibrated
    assert model.params == before == report.params_after == report.params_before
    assert report.ndcg10_before == report.ndcg10_after == 0.3


def test_too_few_real_forms_change_nothing(runtime: Runtime,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _catalogue(runtime)
    _planted(runtime, FORMS_MINIMUM - 1)
    index, keys = _index(runtime)
    model, data = _model(index, loyal=True)
    before = dict(model.params)

    def refused(*_: Any, **__: Any) -> None:
        raise AssertionError("tuned on too few forms")

    monkeypatch.setattr(DeclaredChoices, "tune_declared", refused)
    with runtime.session() as s:
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
                                 data=data, customers=_strangers(data),
                                 settings=runtime.settings)
    assert (report.real_forms, report.calibrated) == (FORMS_MINIMUM - 1, False)
    assert report.params_after == report.params_before == before == model.params
    assert report.ndcg10_before is None and report.ndcg10_after is None


FORMERS = 60


def _leaky_shop(runtime: Runtime) -> None:
    """Customers who looked at an item of a brand of their own, declared that brand, then
    bought a gift nobody else buys; and customers who keep to Acme or Zeta and fill in no
    form. The gift's only trace is its buyer's own journey."""
    _catalogue(runtime)
    with runtime.session() as s:
        add_products(s, [product(f"lead{n:02d}", category="Shop > Leads", brand=f"Lead{n:02d}")
                         for n in range(FORMERS)]
                     + [product(f"gift{n:02d}", category="Shop > Gifts", brand="Gifty")
                        for n in range(FORMERS)])
        minute = timedelta(minutes=1)
        for n in range(FORMERS):
            at = T + timedelta(hours=n)
            _person(s, f"c{n:02d}", likes=[("brand", f"lead{n:02d}", 1.0, at + 10 * minute)],
                    choices=[("view", f"lead{n:02d}", at),
                             ("purchase", f"gift{n:02d}", at + 20 * minute)])
        for k in range(40):
            items = ACME if k % 2 else ZETA
            # "b" and "d" sort around the form customers' "c": the journeys interleave.
            _person(s, f"{'bd'[k % 2]}{k:02d}", likes=[],
                    choices=[("view", items[k % 10], T), ("purchase", items[(k + 3) % 10],
                                                           T + minute),
                             ("view", items[(k + 5) % 10], T + 2 * minute)])


def test_forms_are_judged_by_a_model_that_has_not_counted_their_choices(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    _leaky_shop(runtime)
    index, keys = _index(runtime)
    matrix, _keys = item_attributes(index)
    with runtime.session() as s:
        behaviour = read_behaviour(s, index.position, runtime.settings)
        found = real_forms(s, index=index, attribute_keys=keys, settings=runtime.settings)
    journey_of = dict(zip(behaviour.customers, behaviour.journeys, strict=True))
    assert len(journey_of) == FORMERS + 40
    assert journey_of["c07"].tolist() == [index.position["lead07"], index.position["gift07"]]
    data = TrainingData(behaviour.journeys, index.size, item_attributes=matrix)
    served = DeclaredChoices().fit(data)
    before = dict(served.params)
    # What the forms' choices give the model that has counted them, and what a model that
    # has not gives: nobody else went from a lead to its gift.
    unseen = DeclaredChoices(params=before).fit(TrainingData(
        [j for who, j in journey_of.items() if not who.startswith("c")], index.size,
        item_attributes=matrix))
    cut = int(FORMERS * TUNE_SHARE)
    earlier, later = (found.forms[:cut], found.targets[:cut]), (found.forms[cut:],
                                                                found.targets[cut:])
    assert served.forms_ndcg(*later) > unseen.forms_ndcg(*later) + 0.5
    assert served.forms_ndcg(*earlier) > unseen.forms_ndcg(*earlier) + 0.5
    tuned_on: list[float] = []
    tune = DeclaredChoices.tune_declared

    def spy(self: DeclaredChoices, declared: Any, targets: Any, **options: Any
            ) -> DeclaredChoices:
        tuned_on.append(self.forms_ndcg(declared, targets))
        return tune(self, declared, targets, **options)

    monkeypatch.setattr(DeclaredChoices, "tune_declared", spy)
    with runtime.session() as s:
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=served, data=data,
                                 customers=behaviour.customers, settings=runtime.settings)
    # Chosen and judged without the forms' own choices in the counts.
    assert tuned_on == [unseen.forms_ndcg(*earlier)]
    assert report.ndcg10_before == unseen.forms_ndcg(*later) < 0.2
    tune(unseen, *earlier)
    assert report.ndcg10_after == max(unseen.forms_ndcg(*later), report.ndcg10_before)
    # The served model keeps the counts of every journey, and new parameters only on a
    # gain: here every setting scores the later forms alike, and a tie changes nothing.
    assert report.params_after == served.params
    assert report.ndcg10_after == report.ndcg10_before and served.params == before
    assert np.array_equal(served.score_declared(found.forms),
                          DeclaredChoices(params=served.params).fit(data)
                          .score_declared(found.forms))


def test_the_customers_must_match_the_journeys(runtime: Runtime) -> None:
    _catalogue(runtime)
    index, keys = _index(runtime)
    model, data = _model(index, loyal=True)
    with runtime.session() as s, pytest.raises(ValueError, match="every training sequence"):
        calibrate_forms(s, index=index, attribute_keys=keys, model=model, data=data,
                        customers=_strangers(data)[1:], settings=runtime.settings)


def test_the_training_report_shows_the_parameters_served(runtime: Runtime) -> None:
    _catalogue(runtime)
    _planted(runtime, 80)
    with runtime.session() as s:
        # Journeys that mix the brands (as ``_model(loyal=False)``), by customers with no form.
        for i in range(10):
            steps = [ACME[i], ZETA[(i + 3) % 10], ACME[(i + 5) % 10], ZETA[i]]
            _person(s, f"mix{i}", likes=[], choices=[
                ("view", pid, T + timedelta(minutes=k)) for k, pid in enumerate(steps)])
    version = train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None and artefacts.version == version
    quality = artefacts.quality
    assert quality is not None and quality.forms is not None and quality.forms.calibrated
    assert quality.forms.params_after != quality.forms.params_before
    assert (quality.candidates["declared"].params == quality.forms.params_after
            == artefacts.models["declared"].params)

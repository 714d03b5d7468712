"""The form model calibrated on real forms: which declarations and choices make one, and
that new parameters are chosen on the earlier forms and kept only when the later ones do not
suffer (on SQLite and PostgreSQL)."""

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
from prefero.recommend import form_calibration
from prefero.recommend.catalog_index import CatalogIndex, build_catalog_index
from prefero.recommend.form_calibration import (
    FORMS_MINIMUM,
    TUNE_SHARE,
    calibrate_forms,
    form_ndcg,
    real_forms,
)
from prefero.recommend.training import item_attributes
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


def _model(index: CatalogIndex, *, loyal: bool) -> DeclaredChoices:
    """A form model fitted on journeys that keep to one brand (``loyal``) or that mix the
    two, so that only the items' own values (``beta``) tie a brand to its items."""
    matrix, _keys = item_attributes(index)
    a = [index.position[p] for p in ACME]
    z = [index.position[p] for p in ZETA]
    if loyal:
        journeys = [np.array([b[i], b[(i + 3) % 10], b[(i + 5) % 10]])
                    for b in (a, z) for i in range(10)]
    else:
        journeys = [np.array([a[i], z[(i + 3) % 10], a[(i + 5) % 10], z[i]])
                    for i in range(10)]
    return DeclaredChoices().fit(TrainingData(journeys, index.size, item_attributes=matrix))


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


def test_calibration_keeps_parameters_that_do_not_do_worse_on_the_later_forms(
        runtime: Runtime) -> None:
    _catalogue(runtime)
    _planted(runtime, 80)
    index, keys = _index(runtime)
    model = _model(index, loyal=False)
    with runtime.session() as s:
        found = real_forms(s, index=index, attribute_keys=keys, settings=runtime.settings)
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
                                 settings=runtime.settings)
    cut = int(80 * TUNE_SHARE)
    later = form_ndcg(model, found.forms[cut:], found.targets[cut:])
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
    model = _model(index, loyal=True)
    before = dict(model.params)
    judged: list[int] = []

    def tuned(self: DeclaredChoices, declared: Any, targets: Any, **_: Any
              ) -> DeclaredChoices:
        self.params = {**self.params, "alpha": 3.0}
        return self

    def ndcg(model: DeclaredChoices, forms: Any, targets: Any) -> float:
        judged.append(len(forms))
        return 0.2 if model.params["alpha"] == 3.0 else 0.3  # the new ones do worse

    monkeypatch.setattr(DeclaredChoices, "tune_declared", tuned)
    monkeypatch.setattr(form_calibration, "form_ndcg", ndcg)
    with runtime.session() as s:
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
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
    model = _model(index, loyal=True)
    before = dict(model.params)

    def refused(*_: Any, **__: Any) -> None:
        raise AssertionError("tuned on too few forms")

    monkeypatch.setattr(DeclaredChoices, "tune_declared", refused)
    with runtime.session() as s:
        report = calibrate_forms(s, index=index, attribute_keys=keys, model=model,
                                 settings=runtime.settings)
    assert (report.real_forms, report.calibrated) == (FORMS_MINIMUM - 1, False)
    assert report.params_after == report.params_before == before == model.params
    assert report.ndcg10_before is None and report.ndcg10_after is None

"""The form model (``declared``) calibrated on forms customers really filled in.

Training fits ``DeclaredChoices`` on forms it infers from journeys (the values a customer's
items carried most often). Some customers say what they like instead: they declare liked
values (``Preference`` rows of kind ``like`` with a positive weight) and then choose
something. Those are the forms the model answers in the shop, so they are the better
ground to choose its smoothing on.

A real form is one customer's liked values that the catalogue posts (the columns of
``attribute_keys``), declared before their first choice afterwards: the first purchase or
add-to-cart event of a product the artefact knows, after the earliest of those values was
declared. Only the values declared before that choice are on the form. Events count under
the rule training reads behaviour by (``training_input.read_behaviour``): linked events of
customers whose tracking consent is in force now. A household profile's row is a customer
like any other: its own likes and events make its own form.

The check is honest in time: the forms are ordered by the moment of their choice, the
parameters are chosen on the earlier ``TUNE_SHARE`` and judged on the later rest, and they
are kept only when they do better there than the parameters chosen on histories.

It is honest about what the model has seen, too. The served model was fitted on every
journey, and a form customer's journey holds their choice, after whatever they looked at
first: its counts already say "customers with this form chose that". Scored with them, a
form whose target nobody else chose still ranks it high, so the figures flatter the model
and the search favours the smoothing that trusts those counts most. Both the choice and the
judgement therefore use a copy of the model, with the same parameters, fitted on the
journeys of everyone but the customers of ALL real forms; only the parameters it chose are
copied onto the served model, whose counts stay those of every journey. Leaving out only
the later customers (as ``prefero.evaluation.cold_start`` holds out users) would let the
earlier forms' targets into the counts the parameters are chosen on, and a second copy for
the earlier part would double the fitting for nothing: the copy without every form customer
is the one model neither part has been counted in. It costs one more fit of the form model,
on fewer journeys than the served one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.customers.models import Preference
from prefero.events.models import Event
from prefero.models.base import TrainingData
from prefero.models.declared import DeclaredChoices
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.quality import FormCalibration
from prefero.recommend.training_input import FETCH_ROWS

__all__ = ["CHOICE_TYPES", "FORMS_MINIMUM", "TUNE_SHARE", "RealForms", "calibrate_forms",
           "real_forms"]

#: Below this many real forms nothing changes. The later part then holds fewer than 15
#: forms, where one form more or less in the top 10 moves NDCG@10 by several points: the
#: "does better" check could not tell a better smoothing from luck, and a search
#: over the grid on 35 forms would fit those forms rather than the shop.
FORMS_MINIMUM = 50
#: The earlier share of the forms (by the time of their choice) the parameters are chosen
#: on; the later rest judges them.
TUNE_SHARE = 0.7
#: The events that count as choosing a product.
CHOICE_TYPES = ("purchase", "add_to_cart")


@dataclass(frozen=True)
class RealForms:
    """Real forms in the order of their choice: ``customers[r]`` filled in ``forms[r]``
    (ascending attribute columns) and went on to choose item ``targets[r]``.

    >>> RealForms(forms=[[0, 3]], targets=np.array([7]), customers=["c1"]).count
    1
    """

    forms: list[list[int]]
    targets: npt.NDArray[np.int64]
    customers: list[str]

    @property
    def count(self) -> int:
        return len(self.forms)


def real_forms(session: Session, *, index: CatalogIndex,
               attribute_keys: Sequence[tuple[str, str]], settings: Settings,
               fetch_rows: int = FETCH_ROWS) -> RealForms:
    """Every real form of the shop (see the module), streamed from the database: memory
    grows with the customers who declared liked values, never with the events.

    >>> # real_forms(session, index=index, attribute_keys=keys, settings=settings).count
    """
    column = {key: i for i, key in enumerate(attribute_keys)}
    declared = _declared(session, column, fetch_rows)
    consents = purpose_consents(session, list(declared), purpose="tracking",
                                settings=settings)
    declared = {who: values for who, values in declared.items() if consents[who]}
    first = {who: min(at for at, _ in values) for who, values in declared.items()}
    chosen = _first_choices(session, first, index.position, fetch_rows)
    # By the choice's time; the event id breaks ties, as the event stream orders them.
    ordered = sorted(chosen.items(), key=lambda entry: entry[1][:2])
    forms = [sorted({c for at, c in declared[who] if at < when})
             for who, (when, _id, _item) in ordered]
    return RealForms(forms=forms,
                     targets=np.fromiter((item for _who, (_w, _i, item) in ordered),
                                         dtype=np.int64, count=len(ordered)),
                     customers=[who for who, _choice in ordered])


def _declared(session: Session, column: dict[tuple[str, str], int], fetch_rows: int
              ) -> dict[str, list[tuple[datetime, int]]]:
    """Each customer's liked values the catalogue posts: (declared at, column)."""
    rows = session.execute(
        select(Preference.customer_id, Preference.facet, Preference.value,
               Preference.created_at)
        .where(Preference.kind == "like", Preference.weight > 0)
        .execution_options(yield_per=fetch_rows))
    found: dict[str, list[tuple[datetime, int]]] = {}
    for part in rows.partitions():
        for who, facet, value, at in part:
            known = column.get((facet, value))
            if known is not None:
                found.setdefault(who, []).append((at, known))
    return found


def _first_choices(session: Session, first: dict[str, datetime],
                   position: dict[str, int], fetch_rows: int
                   ) -> dict[str, tuple[datetime, int, int]]:
    """Each customer's first choice of a known product after ``first[customer]``: (time,
    event id, item). Only events of customers who liked something are read."""
    likers = select(Preference.customer_id).where(Preference.kind == "like",
                                                  Preference.weight > 0)
    rows = session.execute(
        select(Event.customer_id, Event.occurred_at, Event.id, Event.product_id)
        .where(Event.type.in_(CHOICE_TYPES), Event.product_id.is_not(None),
               Event.customer_id.in_(likers))
        .execution_options(yield_per=fetch_rows))
    chosen: dict[str, tuple[datetime, int, int]] = {}
    for part in rows.partitions():
        for who, when, event_id, product_id in part:
            since = first.get(who)
            item = position.get(product_id or "")
            if since is None or item is None or when <= since:
                continue
            found = chosen.get(who)
            if found is None or (when, event_id) < found[:2]:
                chosen[who] = (when, event_id, item)
    return chosen


def calibrate_forms(session: Session, *, index: CatalogIndex,
                    attribute_keys: Sequence[tuple[str, str]], model: DeclaredChoices,
                    data: TrainingData, customers: Sequence[str],
                    settings: Settings) -> FormCalibration:
    """Choose ``model``'s parameters again on the shop's real forms (in place) and say what
    it did. ``data`` is what ``model`` was fitted on and ``customers[u]`` the customer of
    ``data.sequences[u]``: the forms are scored by a copy fitted on ``data`` without the
    journeys of the forms' customers (see the module). Below ``FORMS_MINIMUM`` forms the
    model is left as it is (``calibrated`` false); otherwise the parameters chosen on the
    earlier forms are kept only when their NDCG@10 on the later ones is higher than that of
    the parameters the model came with.

    >>> # calibrate_forms(session, index=index, attribute_keys=keys, model=declared,
    >>> #                 data=data, customers=behaviour.customers,
    >>> #                 settings=settings).calibrated
    """
    if len(customers) != data.n_users:
        raise ValueError("customers must name the customer of every training sequence")
    found = real_forms(session, index=index, attribute_keys=attribute_keys,
                       settings=settings)
    before: dict[str, Any] = dict(model.params)
    if found.count < FORMS_MINIMUM:
        return FormCalibration(real_forms=found.count, minimum=FORMS_MINIMUM,
                               calibrated=False, params_before=before, params_after=before)
    judge = _without(model, data=data, customers=customers, left_out=set(found.customers))
    cut = int(found.count * TUNE_SHARE)
    later_forms, later_targets = found.forms[cut:], found.targets[cut:]
    ndcg_before = judge.forms_ndcg(later_forms, later_targets)
    judge.tune_declared(found.forms[:cut], found.targets[:cut])
    ndcg_after = judge.forms_ndcg(later_forms, later_targets)
    if ndcg_after <= ndcg_before:
        # No gain on forms neither was chosen on: the parameters chosen on histories stay
        # (a tie would otherwise move them on nothing but the search's order).
        ndcg_after = ndcg_before
    else:
        # Only the smoothing moves; the counts it smooths stay the served model's own.
        model.params = dict(judge.params)
        model.search_log = [*model.search_log, *judge.search_log]
    return FormCalibration(real_forms=found.count, minimum=FORMS_MINIMUM, calibrated=True,
                           params_before=before, params_after=dict(model.params),
                           ndcg10_before=ndcg_before, ndcg10_after=ndcg_after)


def _without(model: DeclaredChoices, *, data: TrainingData, customers: Sequence[str],
             left_out: set[str]) -> DeclaredChoices:
    """A copy of ``model`` (its parameters, not its counts) fitted on ``data`` without the
    sequences of the ``left_out`` customers."""
    kept = [sequence for sequence, who in zip(data.sequences, customers, strict=True)
            if who not in left_out]
    return type(model)(seed=model.seed, params=model.params).fit(
        TrainingData(kept, data.n_items, item_attributes=data.item_attributes))

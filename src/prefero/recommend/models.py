"""Trained artefacts seen through the current catalog: arrays re-indexed to catalog
positions, so the pipeline never translates ids on the hot path.

The trained models play two parts. The *history models* score what a customer did and are
averaged with the weights training chose for them (``prefero.recommend.selection``, read
from the version's quality report; equal weights for versions trained before it). The *form
model* (``declared``) answers a declared preference form and never joins that average: on
histories it is the weakest of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from prefero.models import ItemRecommender
from prefero.models.declared import DeclaredChoices
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.candidate_scores import ModelRows, lifted_at
from prefero.recommend.catalog_index import CatalogIndex, FloatArray, IntArray
from prefero.recommend.followers import FollowersTable, lifted, mean_lifted, observed_after
from prefero.recommend.followers_shared import SharedFollowers

__all__ = ["CANDIDATE_SCORING_FROM", "MODEL_CANDIDATES", "ModelView", "build_model_view",
           "served_models"]

EMPTY_INT: IntArray = np.zeros(0, dtype=np.int64)
EMPTY_FLOAT: FloatArray = np.zeros(0, dtype=np.float64)
# Items whose followers one view keeps (each at most a few hundred numbers).
_MAX_FOLLOWERS = 200_000
# Memory the forms' scores one view keeps (each a row over the catalogue).
_FORMS_BYTES = 64 * 2**20
#: Catalogues of at least this many items read the models at a candidate set
#: (``prefero.recommend.candidate_scores``): below it a pass over the catalogue costs less
#: than a millisecond per model and every item keeps its exact score. Training builds the
#: factorisations' vector index (HNSW) from the same size.
CANDIDATE_SCORING_FROM = 50_000
#: The best items a factorisation proposes on that path. Measured at 100,000 products (ALS,
#: 256 factors, HNSW): 100 hold 99.5 % of the exact top 10 in 0.8 ms; 500 took 4.5 ms.
MODEL_CANDIDATES = 100


@dataclass(frozen=True)
class ModelView:
    version: str | None
    popularity: FloatArray
    trending: FloatArray
    artefacts: Artefacts | None
    cat_to_art: IntArray
    art_to_cat: IntArray
    # Plain ndarray views of the memory-mapped neighbour tables: same pages, without the
    # per-access overhead of the np.memmap subclass on the hot path.
    neighbour_tables: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: The served history models (those that score a customer's journey), in the
    #: artefact's item order; ``weights`` holds their weights in the same order.
    models: dict[str, ItemRecommender] = field(default_factory=dict)
    #: (facet, value) → the models' attribute column (``Artefacts.attribute_keys``).
    attribute_columns: dict[tuple[str, str], int] = field(default_factory=dict)
    #: ``followers`` already worked out, by (position, k): a pure function of the item and
    #: this view, so kept for the view's life (a new catalogue or artefact makes a new view).
    _followers: dict[tuple[int, int], tuple[IntArray, FloatArray]] = field(
        default_factory=dict, repr=False, compare=False)
    #: Where other processes' ``followers`` of this very view are found (Redis), if shared,
    #: and the key prefix of this view there.
    shared: SharedFollowers | None = field(default=None, repr=False, compare=False)
    shared_scope: str = ""
    #: The best items per model read on the candidate path; ``None``: scores over the whole
    #: catalogue (``CANDIDATE_SCORING_FROM``).
    candidate_k: int | None = None
    #: Each history model's weight in their average, in ``models``' order (empty: equal).
    weights: tuple[float, ...] = ()
    #: The model that answers declared preference forms (``form_scores``), if trained.
    form_model: DeclaredChoices | None = None
    #: ``form_scores`` already worked out, by the form's attribute columns: a pure function
    #: of the form and this view, and a customer's form is the same request after request
    #: (0.44 ms a form on the demo shop, a dense row over the catalogue).
    _forms: dict[tuple[int, ...], FloatArray] = field(default_factory=dict, init=False,
                                                      repr=False, compare=False)
    #: Item-to-item models kept only to count observed choices (``observed_after``) when
    #: no served history model counts them (``prefero.recommend.selection``).
    evidence: tuple[ItemRecommender, ...] = ()

    @cached_property
    def editorial(self) -> tuple[FloatArray, FloatArray]:
        """The popularity (log-scaled) and trending signals, each scaled to a maximum of 1:
        the same for every request of this view, so worked out once (read-only)."""
        popularity, trending = np.log1p(self.popularity), self.trending.copy()
        for values in (popularity, trending):
            top = float(values.max()) if values.size else 0.0
            if top > 0:
                values /= top
            values.flags.writeable = False
        return popularity, trending

    @cached_property
    def editorial_order(self) -> tuple[IntArray, IntArray, IntArray]:
        """Catalog positions by popularity, by trending and by both together (the
        exploration slot's appeal), each best first and ties in position order: what a
        stable sort of a request would give, sorted once per view."""
        popularity, trending = self.editorial
        by_popularity, by_trending, by_appeal = (
            np.argsort(-values, kind="stable")
            for values in (popularity, trending, popularity + trending))
        return by_popularity, by_trending, by_appeal

    #: What the candidate path precomputes per model (``ModelRows``), handed on from the
    #: previous view of the same artefacts: a catalogue change does not change it.
    rows: ModelRows | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _rows(self) -> ModelRows:
        if self.rows is not None:
            return self.rows
        indexes = self.artefacts.vector_indexes if self.artefacts is not None else {}
        return ModelRows(self.models, indexes, weights=self._shares)

    @cached_property
    def _shares(self) -> tuple[float, ...]:
        return self.weights or tuple(1.0 for _ in self.models)

    def expected_after(self, history: Sequence[int]) -> FloatArray:
        """``model_scores`` of one history; with ``candidate_k``, worked out at the models'
        candidates only (every other item 0), without a pass over the catalogue."""
        return self.expected_after_at(history)[0]

    def expected_after_at(self, history: Sequence[int]) -> tuple[FloatArray, IntArray | None]:
        """``expected_after`` and its support: the ascending positions outside which it is
        zero, or ``None`` where every item was scored (a catalogue below
        ``CANDIDATE_SCORING_FROM``)."""
        if self.candidate_k is None or not self.models:
            dense: FloatArray = self.model_scores([history])[0]
            return dense, (None if self.models else EMPTY_INT)
        items, values = self._candidate_scores(history)
        out = np.zeros(self.cat_to_art.size)
        positions = self.art_to_cat[items]
        known = positions >= 0
        out[positions[known]] = values[known]
        return out, np.sort(positions[known])

    def _candidate_scores(self, history: Sequence[int], *, extra: IntArray | None = None
                          ) -> tuple[IntArray, FloatArray]:
        """The history models' lifted scores, averaged with their weights, at their
        candidates and ``extra`` (artefact positions, ascending)."""
        assert self.candidate_k is not None
        art = self.cat_to_art[np.asarray(history, dtype=np.int64)] if len(history) else (
            EMPTY_INT)
        rows = self._rows
        return lifted_at(rows.rows(art[art >= 0], k=self.candidate_k), extra=extra,
                         weights=rows.weights)

    def model_scores(self, histories: Sequence[Sequence[int]]) -> FloatArray:
        """What the history models expect next after each history (catalog positions, in
        time order), as ``len(histories) × catalog`` scores in ``[0, 1]``: each model's
        row is standardised, cut at zero (below-average items get nothing) and scaled to a
        maximum of 1, and the models are averaged with their ``weights``. The form model
        takes no part. Items the models never saw get 0.

        >>> # view.model_scores([[12, 40]])  # the customer looked at 12, then 40
        """
        n = self.cat_to_art.size
        if not self.models or not len(histories):
            return np.zeros((len(histories), n))
        art_histories = []
        for history in histories:
            art = self.cat_to_art[np.asarray(history, dtype=np.int64)] if len(history) else (
                EMPTY_INT)
            art_histories.append(art[art >= 0].astype(np.int64))
        scores = mean_lifted(list(self.models.values()), art_histories,
                             n_items=self.art_to_cat.size, weights=self._shares)
        if self._aligned:
            return scores
        out = np.zeros((len(histories), n))
        known = self.art_to_cat >= 0
        out[:, self.art_to_cat[known]] = scores[:, known]
        return out

    @cached_property
    def _aligned(self) -> bool:
        """The artefacts' item order is the catalogue's (trained on this catalogue, the
        usual case): scores need no re-indexing, a pass over the catalogue per model less."""
        return bool(self.art_to_cat.size == self.cat_to_art.size
                    and np.array_equal(self.art_to_cat, np.arange(self.art_to_cat.size)))

    def followers(self, positions: Sequence[int], *, k: int
                  ) -> list[tuple[IntArray, FloatArray]]:
        """For each item: the items shoppers went on to choose after it
        (``observed_after``), and what the models expect of those items after a history of
        that one item alone (``model_scores``, read at those items only).

        Every product page and every known customer's journey asks this of a few items; it
        depends on nothing but the item and the view, so each item is scored once (scoring
        one history is a model fold-in plus a catalogue-wide pass, the request path's
        largest cost before). Artefacts trained with their followers table
        (``prefero.recommend.followers``) answer from it and nothing is scored here.

        >>> # view.followers([12], k=50)  # [(positions chosen after 12, their scores)]
        """
        table = self.artefacts.followers if self.artefacts is not None else None
        if table is not None and table.k == k:
            return [self._stored_followers(table, p) for p in positions]
        kept = {p: self._followers.get((p, k)) for p in positions}
        new: dict[int, tuple[IntArray, FloatArray]] = {}
        missing = [p for p, known in kept.items() if known is None]
        if missing and self.shared is not None:
            found = self.shared.get(self.shared_scope, [(p, k) for p in missing])
            new.update({p: lists for (p, _k), lists in found.items()})
            missing = [p for p in missing if p not in new]
        if missing:
            worked_out = self._work_out_followers(missing, k=k)
            new.update(worked_out)
            if self.shared is not None:
                self.shared.put(self.shared_scope,
                                {(p, k): lists for p, lists in worked_out.items()})
        if new:
            if len(self._followers) + len(new) > _MAX_FOLLOWERS:
                self._followers.clear()  # a bound on memory for very large catalogues
            self._followers.update({(p, k): found for p, found in new.items()})
        return [kept[p] or new[p] for p in positions]

    def _work_out_followers(self, positions: list[int], *, k: int
                            ) -> dict[int, tuple[IntArray, FloatArray]]:
        if self.candidate_k is None:
            scores = self.model_scores([[p] for p in positions])
            return {position: (observed, scores[row][observed]) for row, (position, observed)
                    in enumerate((p, self.observed_after(p, k=k)) for p in positions)}
        worked_out = {}
        for position in positions:
            observed = self.observed_after(position, k=k)
            wanted = self.cat_to_art[observed]
            items, values = self._candidate_scores([position], extra=wanted)
            worked_out[position] = (observed, values[np.searchsorted(items, wanted)])
        return worked_out

    def form_scores(self, values: Sequence[tuple[str, str]]) -> FloatArray:
        """What customers whose journeys implied these preferences went on to choose (the
        form model, when trained), in ``[0, 1]`` per catalog position like
        ``model_scores``; zeros without the model or when it knows none of the values.

        >>> # view.form_scores([("brand", "coleman"), ("category", "Sports > Camping")])
        """
        model = self.form_model
        columns = tuple(sorted({self.attribute_columns[v] for v in values
                                if v in self.attribute_columns}))
        if model is None or not columns:
            return np.zeros(self.cat_to_art.size)
        kept = self._forms.get(columns)
        if kept is not None:
            return kept
        out = np.zeros(self.cat_to_art.size)
        known = self.art_to_cat >= 0
        scores = lifted(np.asarray(model.score_declared([list(columns)]), dtype=np.float64))
        out[self.art_to_cat[known]] = scores[0, known]
        out.flags.writeable = False  # shared by every request that declares this form
        if len(self._forms) >= max(1, _FORMS_BYTES // max(out.nbytes, 1)):
            self._forms.clear()  # a bound on memory; the forms asked again come back
        self._forms[columns] = out
        return out

    def _stored_followers(self, table: FollowersTable, position: int
                          ) -> tuple[IntArray, FloatArray]:
        """``followers`` of one item read from the artefact's table, in catalog positions
        (ascending, as ``observed_after`` gives them)."""
        art = int(self.cat_to_art[position])
        if art < 0:
            return EMPTY_INT, EMPTY_FLOAT
        items, scores = table.of(art)
        positions = self.art_to_cat[items]
        if self._aligned:
            return positions, np.asarray(scores)
        kept = np.flatnonzero(positions >= 0)
        order = kept[np.argsort(positions[kept])]
        return positions[order], np.asarray(scores[order])

    def observed_after(self, position: int, *, k: int) -> IntArray:
        """Catalog positions that shoppers went on to choose after (or together with) the
        item at ``position`` (``prefero.recommend.followers.observed_after``)."""
        art = int(self.cat_to_art[position])
        if art < 0:
            return EMPTY_INT
        positions = self.art_to_cat[observed_after([*self.models.values(), *self.evidence],
                                                   art, k=k)]
        result: IntArray = np.sort(positions[positions >= 0])
        return result

    def neighbours(self, position: int, kind: Literal["purchase", "view"] | str
                   ) -> tuple[IntArray, FloatArray]:
        """Co-occurring items of the item at catalog ``position``, as catalog positions."""
        table = self.neighbour_tables.get(kind)
        if table is None:
            return EMPTY_INT, EMPTY_FLOAT
        art = int(self.cat_to_art[position])
        if art < 0:
            return EMPTY_INT, EMPTY_FLOAT
        idx, score = table[0][art], table[1][art]
        valid = idx >= 0
        targets = self.art_to_cat[idx[valid]]
        kept = targets >= 0
        return targets[kept], np.asarray(score[valid][kept], dtype=np.float64)

    def neighbours_of(self, pairs: Sequence[tuple[int, str]]
                      ) -> tuple[IntArray, FloatArray, IntArray]:
        """``neighbours(position, kind)`` of each pair, concatenated in the pairs' order,
        and the pair each entry comes from: the rows of every pair read at once."""
        width = max((table[0].shape[1] for table in self.neighbour_tables.values()),
                    default=0)
        found = np.full((len(pairs), width), -1, dtype=np.int64)
        scores = np.zeros((len(pairs), width), dtype=np.float64)
        for kind, (idx, score) in self.neighbour_tables.items():
            rows = np.fromiter((i for i, (_, of) in enumerate(pairs) if of == kind),
                               dtype=np.int64)
            if not rows.size:
                continue
            art = self.cat_to_art[np.fromiter((pairs[i][0] for i in rows), dtype=np.int64,
                                              count=rows.size)]
            known = rows[art >= 0]
            found[known, :idx.shape[1]] = idx[art[art >= 0]]
            scores[known, :idx.shape[1]] = score[art[art >= 0]]
        valid = found >= 0
        targets = np.full(found.shape, -1, dtype=np.int64)
        targets[valid] = self.art_to_cat[found[valid]]
        kept = targets >= 0
        pair, _column = np.nonzero(kept)
        return targets[kept], scores[kept], pair


def build_model_view(index: CatalogIndex, artefacts: Artefacts | None, *,
                     shared: SharedFollowers | None = None,
                     previous: ModelView | None = None) -> ModelView:
    """The artefacts seen through ``index``; with ``shared``, item candidate lists are
    exchanged with the other processes serving the same version and catalogue. A
    ``previous`` view of the same artefacts hands on what does not depend on the catalogue
    (the candidate path's moments and tie-break orders)."""
    n = index.size
    if artefacts is None:
        return ModelView(None, np.zeros(n), np.zeros(n), None,
                         np.full(n, -1, dtype=np.int64), EMPTY_INT)
    art_to_cat = np.array([index.position.get(pid, -1) for pid in artefacts.item_ids],
                          dtype=np.int64)
    cat_to_art = np.full(n, -1, dtype=np.int64)
    known = art_to_cat >= 0
    cat_to_art[art_to_cat[known]] = np.flatnonzero(known)
    popularity = np.zeros(n)
    trending = np.zeros(n)
    popularity[art_to_cat[known]] = np.asarray(artefacts.popularity)[known]
    trending[art_to_cat[known]] = np.asarray(artefacts.trending)[known]
    history, weights, form = served_models(artefacts)
    evidence = tuple(model for name, model in artefacts.models.items()
                     if name not in history and model is not form)
    tables = {
        "purchase": (np.asarray(artefacts.co_purchase_idx),
                     np.asarray(artefacts.co_purchase_score)),
        "view": (np.asarray(artefacts.co_view_idx), np.asarray(artefacts.co_view_score)),
    }
    view = ModelView(artefacts.version, popularity, trending, artefacts, cat_to_art, art_to_cat,
                     tables, history,
                     {key: column for column, key in enumerate(artefacts.attribute_keys)},
                     shared=shared,
                     rows=(previous._rows if previous is not None and previous.candidate_k
                           is not None and previous.artefacts is artefacts else None),
                     candidate_k=(
                         MODEL_CANDIDATES if len(artefacts.item_ids) >= CANDIDATE_SCORING_FROM
                         else None),
                     shared_scope=(
                         shared.scope(version=artefacts.version, revision=index.revision)
                         if shared is not None else ""),
                     weights=weights, form_model=form, evidence=evidence)
    # Sorted while the snapshot is swapped, not by the first shoppers.
    _ = view.editorial_order
    if view.candidate_k is not None:
        view._rows.prepare()
    return view


def served_models(artefacts: Artefacts
                  ) -> tuple[dict[str, ItemRecommender], tuple[float, ...], DeclaredChoices | None]:
    """The artefacts' history models with their weights (in the same order) and their form
    model. The weights are the version's quality report's; a version trained before reports
    existed averages every model that is not a form model equally.

    >>> # history, weights, form = served_models(artefacts)
    """
    chosen = (_report_weights(artefacts.manifest["quality"])
              if isinstance(artefacts.manifest.get("quality"), dict) else
              {name: 1.0 for name, model in artefacts.models.items()
               if not model.answers_forms})
    history = {name: artefacts.models[name] for name in chosen if name in artefacts.models}
    forms = [model for model in artefacts.models.values()
             if model.answers_forms and isinstance(model, DeclaredChoices)]
    return history, tuple(chosen[name] for name in history), forms[0] if forms else None


def _report_weights(report: dict[str, Any]) -> dict[str, float]:
    """The served history models' weights, read from a quality report's raw form: serving
    must not depend on the whole report's validation (a newer trainer's report, with a
    field this build does not know, still serves), only on these numbers.

    >>> _report_weights({"candidates": {"als": {"role": "history", "weight": 2},
    ...                                 "declared": {"role": "form", "weight": 1},
    ...                                 "ease": {"role": "history", "weight": 0}}})
    {'als': 2.0}
    """
    candidates = report.get("candidates")
    if not isinstance(candidates, dict):
        return {}
    return {str(name): float(entry["weight"]) for name, entry in candidates.items()
            if isinstance(entry, dict) and entry.get("role") == "history"
            and isinstance(entry.get("weight"), int | float) and entry["weight"] > 0}

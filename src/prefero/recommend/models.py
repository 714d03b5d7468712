"""Trained artefacts seen through the current catalog: arrays re-indexed to catalog
positions, so the pipeline never translates ids on the hot path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from prefero.models import ItemRecommender
from prefero.models.cooccurrence import CoOccurrence, Transitions
from prefero.models.declared import DeclaredChoices
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, FloatArray, IntArray
from prefero.recommend.followers_shared import SharedFollowers

__all__ = ["ModelView", "build_model_view"]

EMPTY_INT: IntArray = np.zeros(0, dtype=np.int64)
EMPTY_FLOAT: FloatArray = np.zeros(0, dtype=np.float64)
# Items whose followers one view keeps (each at most a few hundred numbers).
_MAX_FOLLOWERS = 200_000


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
    #: The trained recommender models (``Settings.models``), in the artefact's item order.
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

    def model_scores(self, histories: Sequence[Sequence[int]]) -> FloatArray:
        """What the trained models expect next after each history (catalog positions, in
        time order), as ``len(histories) × catalog`` scores in ``[0, 1]``: each model's
        row is standardised, cut at zero (below-average items get nothing) and scaled to a
        maximum of 1, and the models are averaged. Items the models never saw get 0.

        >>> # view.model_scores([[12, 40]])  # the customer looked at 12, then 40
        """
        n = self.cat_to_art.size
        out = np.zeros((len(histories), n))
        if not self.models or not len(histories):
            return out
        art_histories = []
        for history in histories:
            art = self.cat_to_art[np.asarray(history, dtype=np.int64)] if len(history) else (
                EMPTY_INT)
            art_histories.append(art[art >= 0].astype(np.int64))
        aligned = self._aligned
        known = self.art_to_cat >= 0
        for model in self.models.values():
            lifted = _lifted(np.asarray(model.score(art_histories), dtype=np.float64))
            if aligned:
                out += lifted
            else:
                out[:, self.art_to_cat[known]] += lifted[:, known]
        out /= len(self.models)
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
        largest cost before).

        >>> # view.followers([12], k=50)  # [(positions chosen after 12, their scores)]
        """
        kept = {p: self._followers.get((p, k)) for p in positions}
        new: dict[int, tuple[IntArray, FloatArray]] = {}
        missing = [p for p, known in kept.items() if known is None]
        if missing and self.shared is not None:
            found = self.shared.get(self.shared_scope, [(p, k) for p in missing])
            new.update({p: lists for (p, _k), lists in found.items()})
            missing = [p for p in missing if p not in new]
        if missing:
            scores = self.model_scores([[p] for p in missing])
            worked_out = {}
            for row, position in enumerate(missing):
                observed = self.observed_after(position, k=k)
                worked_out[position] = (observed, scores[row][observed])
            new.update(worked_out)
            if self.shared is not None:
                self.shared.put(self.shared_scope,
                                {(p, k): lists for p, lists in worked_out.items()})
        if new:
            if len(self._followers) + len(new) > _MAX_FOLLOWERS:
                self._followers.clear()  # a bound on memory for very large catalogues
            self._followers.update({(p, k): found for p, found in new.items()})
        return [kept[p] or new[p] for p in positions]

    def form_scores(self, values: Sequence[tuple[str, str]]) -> FloatArray:
        """What customers whose journeys implied these preferences went on to choose (the
        ``declared`` model, when trained), in ``[0, 1]`` per catalog position like
        ``model_scores``; zeros without the model or when it knows none of the values.

        >>> # view.form_scores([("brand", "coleman"), ("category", "Sports > Camping")])
        """
        out = np.zeros(self.cat_to_art.size)
        model = self.models.get("declared")
        columns = sorted({self.attribute_columns[v] for v in values
                          if v in self.attribute_columns})
        if not isinstance(model, DeclaredChoices) or not columns:
            return out
        known = self.art_to_cat >= 0
        lifted = _lifted(np.asarray(model.score_declared([columns]), dtype=np.float64))
        out[self.art_to_cat[known]] = lifted[0, known]
        return out

    def observed_after(self, position: int, *, k: int) -> IntArray:
        """Catalog positions that shoppers went on to choose after (or together with) the
        item at ``position``, up to ``k`` per item-to-item model, by their counts: the
        evidence an "also chose" claim rests on. The other models' scores reach every item
        (factorisation, popularity tie-breaks), so they rank but never prove a relation."""
        art = int(self.cat_to_art[position])
        if art < 0:
            return EMPTY_INT
        found: list[IntArray] = []
        for model in self.models.values():
            if isinstance(model, Transitions | CoOccurrence):
                targets, _ = model.neighbours(art, k=k)
                found.append(self.art_to_cat[targets])
        if not found:
            return EMPTY_INT
        positions = np.unique(np.concatenate(found))
        result: IntArray = positions[positions >= 0]
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


def _lifted(raw: FloatArray) -> FloatArray:
    """Each row standardised, cut at zero (below-average items get nothing) and scaled to a
    maximum of 1: models with incomparable scales on one scale, only their picks lifted.

    >>> _lifted(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[0.0, 0.0, 1.0]]
    """
    # In place on one array, the arithmetic of mean, std and clip unchanged (np.std also
    # squares the centred values and averages them): each pass over the catalogue counts
    # on a large one.
    lifted = raw - raw.mean(axis=1, keepdims=True)
    spread = np.sqrt(np.mean(np.square(lifted), axis=1, keepdims=True))
    lifted /= np.where(spread > 0, spread, 1.0)
    np.maximum(lifted, 0.0, out=lifted)
    top = lifted.max(axis=1, keepdims=True)
    lifted /= np.where(top > 0, top, 1.0)
    result: FloatArray = lifted
    return result


def build_model_view(index: CatalogIndex, artefacts: Artefacts | None, *,
                     shared: SharedFollowers | None = None) -> ModelView:
    """The artefacts seen through ``index``; with ``shared``, item candidate lists are
    exchanged with the other processes serving the same version and catalogue."""
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
    tables = {
        "purchase": (np.asarray(artefacts.co_purchase_idx),
                     np.asarray(artefacts.co_purchase_score)),
        "view": (np.asarray(artefacts.co_view_idx), np.asarray(artefacts.co_view_score)),
    }
    return ModelView(artefacts.version, popularity, trending, artefacts, cat_to_art, art_to_cat,
                     tables, dict(artefacts.models),
                     {key: column for column, key in enumerate(artefacts.attribute_keys)},
                     shared=shared, shared_scope=(
                         shared.scope(version=artefacts.version, revision=index.revision)
                         if shared is not None else ""))

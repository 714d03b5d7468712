"""Attribute-profile (content) model: what a customer's items, or their declared preferences,
say about the attributes they like, turned into item scores.

A *profile* is a weight per attribute. From a history it is the recency-weighted count of
the attributes of the history's items; from a preference form it is the declared attribute
values, each counted once. Each attribute's weight is multiplied by ``idf ** specificity``
(``idf = log((1 + n_items) / (1 + items carrying it))``), so an attribute that every item
carries ("Sports & Outdoors") says nothing and a specific one (a brand) says much, and the
profile is normalised to sum to one: a distribution over attributes.

An item's score is the chance of drawing it by first drawing an attribute from the profile,
then an item carrying that attribute in proportion to ``prior ** within``:

    score(i) = (1 - smoothing) * sum_a profile[a] * prior[i] ** within / Z[a]
               + smoothing * prior[i] ** within / sum_j prior[j] ** within

with ``Z[a]`` the sum of ``prior ** within`` over the items carrying ``a``. So the prior
(all-time popularity, or time-decayed popularity from ``Trending``) decides the order
*within* the liked attributes, and an item carrying several liked attributes collects from
each. Items matching nothing keep the smoothing share, or, with ``smoothing = 0``, only the
popularity tie-break (so they follow in popularity order). An empty profile, or a model fitted
without attributes, scores by the prior alone: the model falls back to popularity.

Hyper-parameters are chosen on the validation item by a bounded coordinate search (one
parameter at a time, in a fixed order, over a small grid each). ``score_declared`` scores
preference-form answers (optionally with a short history); how far to trust them
(``declared_smoothing``, and ``declared_weight`` against a history) cannot be learnt from
histories alone, so ``tune_declared`` chooses it from customers who declared values and whose
next item is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    attributes_from_state,
    attributes_state,
    binary_attributes,
    popularity_tiebreak,
)
from prefero.models.popularity import Popularity, Trending
from prefero.models.ranking import evaluate_ranking, ranking_metrics
from prefero.models.tuning import Search, sample_rows, sample_validation, validation_ndcg

__all__ = ["AttributeProfile"]

#: Parameters used when neither a search nor the caller chose them.
DEFAULTS: dict[str, Any] = {
    "prior": "popularity",   # or "trending" (time-decayed popularity)
    "half_life": 0.1,        # trending only: a fraction of the data's time span
    "within": 1.0,           # exponent of the prior inside an attribute
    "specificity": 1.0,      # exponent of the attribute's idf in the profile
    "recency": 0.8,          # weight of each older history item relative to the next
    "smoothing": 0.0,        # share of plain prior mixed into every row
    "declared_weight": 0.5,  # share of the declared profile when a history is given too
    "declared_smoothing": None,  # smoothing for declared profiles (None: ``smoothing``)
}

#: The coordinate search: parameters in the order they are tuned, each over its grid.
GRID: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("prior", ("popularity", "trending")),
    ("within", (0.5, 1.0, 1.5)),
    ("specificity", (0.0, 1.0, 2.0)),
    ("recency", (0.5, 0.8, 1.0)),
    ("smoothing", (0.0, 0.1, 0.3)),
)

#: What ``tune_declared`` tries: the prior's share for declared profiles, then (with
#: histories) the declared side's share of the profile.
DECLARED_SMOOTHING: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95)
DECLARED_WEIGHT: tuple[float, ...] = (0.25, 0.5, 0.75)


class AttributeProfile(ItemRecommender):
    """Scores items from the attribute profile of a history or of declared preferences.

    >>> # model = AttributeProfile().fit(data, validation=validation)
    >>> # model.score_declared([[attribute_column("Camping"), attribute_column("Coleman")]])
    """

    name = "content"
    cost = 10
    uses_attributes = True

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._attributes = sp.csr_matrix((0, 0), dtype=np.float64)
        self._prior: FloatArray = np.zeros(0, dtype=np.float64)
        self._counts: IntArray = np.zeros(0, dtype=np.int64)
        self._cache: tuple[tuple[Any, ...], sp.csr_matrix, FloatArray, FloatArray,
                           FloatArray] | None = None

    @property
    def n_attributes(self) -> int:
        return int(self._attributes.shape[1])

    # ---- learning --------------------------------------------------------------------
    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self._counts = data.item_counts()
        self._attributes = binary_attributes(data.item_attributes, data.n_items)
        self._cache = None
        params = {**DEFAULTS, **self.params}
        if validation is None:
            self.params = params
            self._prior, _ = self._fit_prior(data, kind=str(params["prior"]),
                                             half_life=float(params["half_life"]))
            return self
        sample = sample_validation(validation, seed=self.seed)
        priors: dict[str, FloatArray] = {}
        priors["popularity"], _ = self._fit_prior(data, kind="popularity")
        # Trending chooses its own half-life on the same validation sample.
        priors["trending"], params["half_life"] = self._fit_prior(
            data, kind="trending", validation=sample)
        search = Search()
        tried: set[tuple[Any, ...]] = set()
        for key, grid in GRID:
            for value in grid:
                candidate = {**params, key: value}
                signature = tuple(candidate[k] for k, _ in GRID)
                if signature in tried:
                    continue
                tried.add(signature)
                self.params, self._prior = candidate, priors[str(candidate["prior"])]
                search.offer(candidate, validation_ndcg(self.score, sample,
                                                        n_items=self.n_items))
            assert search.best_params is not None
            params = dict(search.best_params)
        self.params = params
        self.search_log = search.log
        self._prior = priors[str(params["prior"])]
        return self

    def _fit_prior(self, data: TrainingData, *, kind: str, half_life: float | None = None,
                   validation: Validation | None = None) -> tuple[FloatArray, float]:
        """The prior (max 1) plus a floor worth less than one interaction, so an item nobody
        has met yet still ranks above the items that do not match the profile; and the
        trending half-life used (``half_life`` unless ``validation`` chose one)."""
        if kind == "trending":
            trending = Trending(seed=self.seed, params=(
                {} if half_life is None else {"half_life": half_life}))
            trending.fit(data, validation=validation)
            scores = np.asarray(trending.item_scores, dtype=np.float64)
            half_life = float(trending.params.get("half_life", DEFAULTS["half_life"]))
        elif kind == "popularity":
            scores = np.asarray(Popularity().fit(data).item_scores, dtype=np.float64)
        else:
            raise ValueError(f"unknown prior {kind!r}; use 'popularity' or 'trending'")
        floor = 1.0 / (1.0 + float(self._counts.sum()))
        prior: FloatArray = np.maximum(scores, 0.0) + floor
        return prior, float(DEFAULTS["half_life"] if half_life is None else half_life)

    # ---- scoring ---------------------------------------------------------------------
    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        return self._score_profiles(self._history_profiles(histories))

    def score_declared(
        self, declared: Sequence[Sequence[int]],
        histories: Sequence[IntArray] | None = None, *, declared_weight: float | None = None,
    ) -> FloatArray:
        """Scores from declared attribute columns (a preference form), one row per customer,
        optionally with a short history each. The declared profile and the history profile
        are each normalised, then mixed with ``declared_weight`` (the model's parameter
        unless given); a side that is empty leaves the whole weight to the other.

        >>> # model.score_declared([[4, 9], [12]], [np.array([3]), np.array([], np.int64)])
        """
        weight = float(self.params.get("declared_weight", DEFAULTS["declared_weight"])
                       if declared_weight is None else declared_weight)
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"declared_weight must lie in [0, 1], got {weight}")
        rows = np.repeat(np.arange(len(declared)), [len(d) for d in declared])
        cols = (np.concatenate([np.asarray(d, dtype=np.int64) for d in declared])
                if len(rows) else np.zeros(0, dtype=np.int64))
        if len(cols) and (cols.min() < 0 or cols.max() >= self.n_attributes):
            raise ValueError(f"declared attribute column out of range 0..{self.n_attributes - 1}")
        marks = sp.csr_matrix((np.ones(len(cols)), (rows, cols)),
                              shape=(len(declared), self.n_attributes))
        marks.sum_duplicates()
        marks.data[:] = 1.0  # a value declared twice is still one declaration
        profile = self._normalised(marks.toarray())
        has_declared = profile.sum(axis=1) > 0
        if histories is not None:
            if len(histories) != len(declared):
                raise ValueError("declared and histories must have one row per customer")
            behaviour = self._history_profiles(histories)
            has_history = behaviour.sum(axis=1) > 0
            share = np.where(has_declared, np.where(has_history, weight, 1.0), 0.0)[:, None]
            profile = share * profile + (1.0 - share) * behaviour
        history_smoothing = float(self.params.get("smoothing", DEFAULTS["smoothing"]))
        declared_smoothing = self.params.get("declared_smoothing")
        if declared_smoothing is None:
            declared_smoothing = history_smoothing
        # A row with nothing declared is a history row and keeps the history's smoothing.
        smoothing = np.where(has_declared, float(declared_smoothing), history_smoothing)
        return self._score_profiles(profile, smoothing=smoothing)

    def tune_declared(
        self, declared: Sequence[Sequence[int]], targets: IntArray,
        histories: Sequence[IntArray] | None = None, *, max_users: int = 10_000,
    ) -> Self:
        """Choose how far to trust declared values, from customers who declared them and
        whose next item is known: ``declared_smoothing`` (the prior's share in their rows)
        over a small grid, then, when ``histories`` are given, ``declared_weight`` (the
        declared side's share against the history). Scored like the validation search
        (NDCG@10, full ranking, histories masked, ties against the model, a seeded sample
        of at most ``max_users``); nothing else about the fitted model changes.

        >>> # model.tune_declared(form_answers, next_items)  # customers who filled the form
        """
        if len(declared) != len(targets):
            raise ValueError("declared and targets must have one row per customer")
        rows = sample_rows(len(targets), max_users=max_users, seed=self.seed)
        sample_declared = [declared[r] for r in rows.tolist()]
        sample_histories = (None if histories is None
                            else [histories[r] for r in rows.tolist()])
        masked = sample_histories or [np.zeros(0, dtype=np.int64)] * len(rows)
        sample_targets = np.asarray(targets, dtype=np.int64)[rows]

        def score(users: IntArray, batch: Sequence[IntArray]) -> FloatArray:
            return self.score_declared(
                [sample_declared[u] for u in users.tolist()],
                None if sample_histories is None else list(batch))

        grids: list[tuple[str, tuple[float, ...]]] = [("declared_smoothing", DECLARED_SMOOTHING)]
        if histories is not None:
            grids.append(("declared_weight", DECLARED_WEIGHT))
        search = Search()
        params = dict(self.params)
        for key, grid in grids:
            for value in grid:
                self.params = {**params, key: value}
                result = evaluate_ranking(score, targets=sample_targets, histories=masked,
                                          n_items=self.n_items, coverage=False)
                search.offer({k: self.params[k] for k, _ in grids},
                             ranking_metrics(result.ranks, (10,))["NDCG@10"])
            assert search.best_params is not None
            params.update(search.best_params)
        self.params = params
        self.search_log = [*self.search_log, *search.log]
        return self

    def _history_profiles(self, histories: Sequence[IntArray]) -> FloatArray:
        """Normalised, idf-weighted attribute profiles of the histories (zero rows where a
        history is empty or its items carry no informative attribute)."""
        recency = float(self.params.get("recency", DEFAULTS["recency"]))
        lengths = np.fromiter((len(h) for h in histories), dtype=np.int64,
                              count=len(histories))
        if lengths.sum() == 0 or self.n_attributes == 0:
            return np.zeros((len(histories), self.n_attributes), dtype=np.float64)
        rows = np.repeat(np.arange(len(histories)), lengths)
        cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in histories])
        # The newest item weighs 1, each older one ``recency`` times the next.
        back = np.concatenate([np.arange(n - 1, -1, -1) for n in lengths])
        weights = np.power(recency, back.astype(np.float64))
        items = sp.csr_matrix((weights, (rows, cols)), shape=(len(histories), self.n_items))
        return self._normalised(np.asarray((items @ self._attributes).todense()))

    def _normalised(self, counts: FloatArray) -> FloatArray:
        _, _, idf_weight, _ = self._weights()
        weighted = counts * idf_weight[None, :]
        total = weighted.sum(axis=1, keepdims=True)
        profile: FloatArray = np.divide(weighted, total, out=np.zeros_like(weighted),
                                        where=total > 0)
        return profile

    def _score_profiles(self, profiles: FloatArray, *,
                        smoothing: FloatArray | None = None) -> FloatArray:
        """Scores of normalised profiles; ``smoothing`` per row (the model's by default)."""
        within_attribute, base, _, tiebreak = self._weights()
        if smoothing is None:
            smoothing = np.full(len(profiles), float(
                self.params.get("smoothing", DEFAULTS["smoothing"])))
        scores = np.broadcast_to(base, (len(profiles), self.n_items)).copy()
        active = profiles.sum(axis=1) > 0
        if active.any():
            matched = np.asarray(within_attribute @ profiles[active].T).T
            share = smoothing[active][:, None]
            scores[active] = (1.0 - share) * matched + share * base
        peak = scores.max(axis=1, keepdims=True)
        scores /= np.where(peak > 0, peak, 1.0)
        result: FloatArray = scores + tiebreak
        return result

    def _weights(self) -> tuple[sp.csr_matrix, FloatArray, FloatArray, FloatArray]:
        """(items × attributes matrix of ``prior ** within / Z[a]``, the plain prior share per
        item, the per-attribute ``idf ** specificity``, the popularity tie-break); cached per
        parameter setting, since a search scores many batches under each."""
        within = float(self.params.get("within", DEFAULTS["within"]))
        specificity = float(self.params.get("specificity", DEFAULTS["specificity"]))
        key = (within, specificity, id(self._prior))
        if self._cache is None or self._cache[0] != key:
            mass = np.power(self._prior, within)
            per_attribute = np.asarray(self._attributes.T @ mass).ravel()
            inverse = np.divide(1.0, per_attribute, out=np.zeros_like(per_attribute),
                                where=per_attribute > 0)
            within_attribute = sp.csr_matrix(
                sp.diags(mass) @ self._attributes @ sp.diags(inverse))
            base: FloatArray = mass / mass.sum()
            carried = np.asarray(self._attributes.sum(axis=0)).ravel()
            idf = np.log((1.0 + self.n_items) / (1.0 + carried))
            # An attribute on every item has idf 0 and so no weight, whatever specificity.
            idf_weight: FloatArray = (np.power(idf, specificity) if specificity
                                      else (idf > 0).astype(np.float64))
            self._cache = (key, within_attribute, base, idf_weight,
                           popularity_tiebreak(self._counts))
        return self._cache[1], self._cache[2], self._cache[3], self._cache[4]

    # ---- persistence -----------------------------------------------------------------
    def _state(self) -> dict[str, NDArray[Any]]:
        return {
            **attributes_state(self._attributes),
            "prior": self._prior,
            "counts": self._counts,
        }

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._attributes = attributes_from_state(arrays, self.n_items)
        self._prior = np.asarray(arrays["prior"], dtype=np.float64)
        self._counts = np.asarray(arrays["counts"], dtype=np.int64)
        self._cache = None

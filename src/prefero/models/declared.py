"""What customers who declare these values choose next: a preference-form model learnt from
other customers.

The content model (``content.py``) answers a preference form from the catalogue alone: items
carrying the declared attributes, in popularity order. This model learns the answer from
behaviour instead. Every position of every training sequence is one example: the form that
customer would have filled in at that moment (the ``form_size`` attributes their items so
far carry most often, see ``top_attributes``) paired with the item they chose next. A
customer who names "Camping" and "Coleman" is then served what such customers went on to
choose, which need not carry either value (a lantern's buyers go on to buy batteries).

The ranking is naive Bayes over those examples, with each item's own attributes as prior
knowledge (so an item that few have chosen yet still matches what it carries)::

    log score(i | D) = gamma * log(1 + n[i])
                       + sum over a in D of log((c[a, i] + alpha * q[a] + beta * has[i, a])
                                                / (n[i] + alpha + beta))

``n[i]`` is how often ``i`` was the next item, ``c[a, i]`` how often with ``a`` on the form,
``q[a]`` the share of forms naming ``a`` (the smoothing target when an item has little
evidence) and ``has[i, a]`` whether ``i`` carries ``a``. ``alpha``, ``beta`` and ``gamma`` are
chosen on the validation item by a bounded coordinate search; ``tune_declared`` chooses them
again from real forms (customers who declared values and whose next item is known).

As an ``ItemRecommender``, ``score(histories)`` reads each history as the form it implies,
so the model also serves customers whose only trace is a short history.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Mapping, Sequence
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
from prefero.models.ranking import evaluate_ranking, ranking_metrics
from prefero.models.tuning import Search, sample_rows, sample_validation, validation_ndcg

__all__ = ["DeclaredChoices", "form_examples", "top_attributes"]

DEFAULTS: dict[str, Any] = {"form_size": 3, "alpha": 10.0, "beta": 1.0, "gamma": 1.0}
#: Coordinate search, one parameter at a time in this order.
GRID: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("alpha", (1.0, 3.0, 10.0, 30.0, 100.0)),
    ("beta", (0.0, 0.3, 1.0, 3.0)),
    ("gamma", (0.5, 1.0, 1.5)),
)
#: Rows scored at once (each needs a dense row per distinct declared value).
BATCH = 512


def _ranked(counts: Mapping[int, int], carried: FloatArray, k: int) -> list[int]:
    return heapq.nsmallest(k, counts, key=lambda a: (-counts[a], carried[a], a))


def top_attributes(history: IntArray, *, matrix: sp.csr_matrix, k: int,
                   carried: FloatArray | None = None) -> list[int]:
    """The ``k`` attribute columns carried most often by ``history``'s items (a repeated item
    counts every time): the form this history implies. Ties go to the attribute carried by
    FEWER catalogue items (``carried``, the column sums of ``matrix`` unless given), then to
    the lower column. Fewer than ``k`` when the items carry fewer distinct attributes.

    Why the rarer one: every item of a shop carries its root category, so a tie between
    "Sports & Outdoors" and "Coleman" is a tie between saying nothing and naming a brand; a
    shopper filling in a preference form names the brand.

    >>> m = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    >>> top_attributes(np.array([0, 1]), matrix=m, k=2)
    [1, 0]
    """
    if carried is None:
        carried = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    counts: dict[int, int] = {}
    for item in np.asarray(history, dtype=np.int64).tolist():
        for a in matrix.indices[matrix.indptr[item]:matrix.indptr[item + 1]].tolist():
            counts[a] = counts.get(a, 0) + 1
    return _ranked(counts, carried, k)


def form_examples(sequences: Sequence[IntArray], *, matrix: sp.csr_matrix, k: int
                  ) -> Iterator[tuple[list[int], int]]:
    """``(form, next item)`` at every position of every sequence: the ``top_attributes`` of
    the items before the position, and the item at it (the first item of a sequence has no
    form before it and gives no example).

    >>> m = sp.csr_matrix(np.array([[1, 0], [0, 1], [0, 1]], dtype=float))
    >>> list(form_examples([np.array([0, 1, 2])], matrix=m, k=2))
    [([0], 1), ([0, 1], 2)]
    """
    carried = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    indptr, indices = matrix.indptr, matrix.indices
    for sequence in sequences:
        items = np.asarray(sequence, dtype=np.int64).tolist()
        counts: dict[int, int] = {}
        for before, after in itertools.pairwise(items):
            for a in indices[indptr[before]:indptr[before + 1]].tolist():
                counts[a] = counts.get(a, 0) + 1
            yield _ranked(counts, carried, k), after


class DeclaredChoices(ItemRecommender):
    """Scores items for a preference form by what customers with that form chose next.

    >>> # model = DeclaredChoices().fit(data, validation=validation)
    >>> # model.score_declared([[attribute_column("Camping"), attribute_column("Coleman")]])
    """

    name = "declared"
    cost = 5
    answers_forms = True
    uses_attributes = True

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._attributes = sp.csr_matrix((0, 0), dtype=np.float64)
        self._attributes_t = sp.csr_matrix((0, 0), dtype=np.float64)
        self._carried: FloatArray = np.zeros(0, dtype=np.float64)
        self._chosen = sp.csr_matrix((0, 0), dtype=np.float64)  # c: attributes × items
        self._next: FloatArray = np.zeros(0, dtype=np.float64)  # n
        self._share: FloatArray = np.zeros(0, dtype=np.float64)  # q
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)
        self._counts: IntArray = np.zeros(0, dtype=np.int64)

    @property
    def n_attributes(self) -> int:
        return int(self._attributes.shape[1])

    # ---- learning --------------------------------------------------------------------
    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        self.n_items = data.n_items
        self.params = {**DEFAULTS, **self.params}
        self._set_attributes(binary_attributes(data.item_attributes, data.n_items))
        self._counts = data.item_counts()
        self._tiebreak = popularity_tiebreak(self._counts)
        form_size = int(self.params["form_size"])
        if form_size < 1:
            raise ValueError(f"form_size must be at least 1, got {form_size}")
        rows: list[int] = []
        cols: list[int] = []
        targets: list[int] = []
        for form, chosen in form_examples(data.sequences, matrix=self._attributes,
                                          k=form_size):
            rows.extend(form)
            cols.extend([chosen] * len(form))
            targets.append(chosen)
        self._chosen = sp.csr_matrix(
            (np.ones(len(rows)), (np.asarray(rows, dtype=np.int64),
                                  np.asarray(cols, dtype=np.int64))),
            shape=(self.n_attributes, self.n_items))
        self._chosen.sum_duplicates()
        self._next = np.bincount(np.asarray(targets, dtype=np.int64),
                                 minlength=self.n_items).astype(np.float64)
        self._share = (np.bincount(np.asarray(rows, dtype=np.int64),
                                   minlength=self.n_attributes) / max(len(targets), 1))
        if validation is not None:
            sample = sample_validation(validation, seed=self.seed)
            self._search(lambda: validation_ndcg(self.score, sample, n_items=self.n_items))
        return self

    def tune_declared(
        self, declared: Sequence[Sequence[int]], targets: IntArray, *, max_users: int = 10_000,
    ) -> Self:
        """Choose ``alpha``, ``beta`` and ``gamma`` again from real forms: customers who
        declared ``declared[r]`` and went on to choose ``targets[r]`` (a seeded sample of at
        most ``max_users``; NDCG@10, full ranking, ties against the model). The counts stay.

        >>> # model.tune_declared(form_answers, next_items)
        """
        if len(declared) != len(targets):
            raise ValueError("declared and targets must have one row per customer")
        rows = sample_rows(len(targets), max_users=max_users, seed=self.seed)
        forms = [declared[r] for r in rows.tolist()]
        sample_targets = np.asarray(targets, dtype=np.int64)[rows]
        self._search(lambda: self.forms_ndcg(forms, sample_targets))
        return self

    def forms_ndcg(self, declared: Sequence[Sequence[int]], targets: IntArray) -> float:
        """NDCG@10 on preference forms: customers who declared ``declared[r]`` and went on to
        choose ``targets[r]``. Full ranking with ties counted against the target, and nothing
        masked: a form has no history. The one measure forms are judged by, in the search
        of ``tune_declared`` as in the shop's calibration on real forms.

        >>> carries = sp.csr_matrix(np.eye(3))  # item i carries attribute i only
        >>> model = DeclaredChoices().fit(
        ...     TrainingData([np.array([0, 1])] * 3, 3, item_attributes=carries))
        >>> model.forms_ndcg([[0]], np.array([1]))
        1.0
        """
        if len(declared) != len(targets):
            raise ValueError("declared and targets must have one row per customer")
        result = evaluate_ranking(
            lambda users, _: self.score_declared([declared[u] for u in users.tolist()]),
            targets=np.asarray(targets, dtype=np.int64),
            histories=[np.zeros(0, dtype=np.int64)] * len(declared), n_items=self.n_items,
            coverage=False)
        return ranking_metrics(result.ranks, (10,))["NDCG@10"]

    def _search(self, ndcg: Any) -> None:
        search = Search()
        params = dict(self.params)
        for key, values in GRID:
            for value in values:
                self.params = {**params, key: value}
                search.offer({k: self.params[k] for k, _ in GRID}, ndcg())
            assert search.best_params is not None
            params.update(search.best_params)
        self.params = params
        self.search_log = [*self.search_log, *search.log]

    # ---- scoring ---------------------------------------------------------------------
    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        form_size = int(self.params.get("form_size", DEFAULTS["form_size"]))
        return self.score_declared([
            top_attributes(h, matrix=self._attributes, k=form_size, carried=self._carried)
            for h in histories])

    def score_declared(self, declared: Sequence[Sequence[int]]) -> FloatArray:
        """Scores of preference forms, one row per customer (each form a list of attribute
        columns; a value named twice counts once). An empty form scores by how often items
        were chosen next (``gamma``), then by popularity.

        >>> # model.score_declared([[4, 9], []])
        """
        out = np.empty((len(declared), self.n_items), dtype=np.float64)
        for start in range(0, len(declared), BATCH):
            out[start:start + BATCH] = self._score_batch(declared[start:start + BATCH])
        return out

    def _score_batch(self, declared: Sequence[Sequence[int]]) -> FloatArray:
        alpha, beta, gamma = (float(self.params.get(key, DEFAULTS[key]))
                              for key in ("alpha", "beta", "gamma"))
        forms = [np.unique(np.asarray(d, dtype=np.int64)) for d in declared]
        named = np.concatenate(forms) if forms else np.zeros(0, dtype=np.int64)
        if len(named) and (named.min() < 0 or named.max() >= self.n_attributes):
            raise ValueError(
                f"declared attribute column out of range 0..{self.n_attributes - 1}")
        scores = np.tile(gamma * np.log1p(self._next), (len(forms), 1))
        if len(named):
            # One dense log-likelihood row per distinct declared value in the batch.
            values, position = np.unique(named, return_inverse=True)
            rows = self._chosen[values].toarray()
            rows += alpha * self._share[values][:, None]
            if beta:
                rows += beta * self._attributes_t[values].toarray()
            # A value no one chose an item with, with alpha = beta = 0, rules every item out
            # alike: a floor keeps the logarithm finite and the other values in charge.
            np.log(np.maximum(rows, 1e-300), out=rows)
            rows -= np.log(np.maximum(self._next + alpha + beta, 1e-300))[None, :]
            lengths = np.fromiter((len(f) for f in forms), dtype=np.int64, count=len(forms))
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            for j in range(int(lengths.max())):
                who = np.flatnonzero(lengths > j)
                scores[who] += rows[position[starts[who] + j]]
        scores += self._tiebreak
        return scores

    # ---- persistence -----------------------------------------------------------------
    def _set_attributes(self, matrix: sp.csr_matrix) -> None:
        self._attributes = matrix
        self._attributes_t = sp.csr_matrix(matrix.T)
        self._carried = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()

    def _state(self) -> dict[str, NDArray[Any]]:
        return {
            **attributes_state(self._attributes),
            "chosen_indptr": self._chosen.indptr.astype(np.int64),
            "chosen_indices": self._chosen.indices.astype(np.int64),
            "chosen_counts": self._chosen.data.astype(np.float64),
            "next": self._next,
            "share": self._share,
            "counts": self._counts,
        }

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._set_attributes(attributes_from_state(arrays, self.n_items))
        n_attributes = self.n_attributes
        self._chosen = sp.csr_matrix(
            (np.asarray(arrays["chosen_counts"], dtype=np.float64),
             np.asarray(arrays["chosen_indices"], dtype=np.int64),
             np.asarray(arrays["chosen_indptr"], dtype=np.int64)),
            shape=(n_attributes, self.n_items))
        self._next = np.asarray(arrays["next"], dtype=np.float64)
        self._share = np.asarray(arrays["share"], dtype=np.float64)
        self._counts = np.asarray(arrays["counts"], dtype=np.int64)
        self._tiebreak = popularity_tiebreak(self._counts)

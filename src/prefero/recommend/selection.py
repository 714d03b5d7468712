"""Which models `prefero train` serves, and with what weights: chosen on the shop's own
consented journeys by the validation protocol, within a time and a latency budget.

The candidates are ``Settings.models``. Customers with three or more items hold out their
last one; each candidate is fitted on everything before it (choosing its own
hyper-parameters on those held-out items, as ``ItemRecommender.fit`` does) and its rows are
ranked against the held-out item over the whole catalogue, earlier items masked and ties
counted against the target (``prefero.models.ranking``), on a seeded sample of at most
``VALIDATION_CUSTOMERS``. A row is what the request path reads: ``followers.lifted`` of the
model's scores, and the served rows are averaged with their weights
(``followers.mean_lifted``).

1. *Time.* Candidates are tried cheapest first (``ItemRecommender.cost``); once
   ``seconds`` are spent the rest are not tried (the first history model always is: a shop
   must be served by something).
2. *Weights.* A bounded coordinate search: the best single history model at weight 1, then
   each other one at each of ``WEIGHTS`` in turn, ``PASSES`` times, a change kept when it
   raises NDCG@10. A model left at 0 is not served.
3. *Latency.* Each model's cost of scoring one history over the catalogue is measured (the
   median of ``TIMED_HISTORIES``, in CPU time on one BLAS thread as the API runs; on
   catalogues the request path reads at a candidate set, that path). While the served
   models together exceed ``budget_ms``, the one whose removal costs the least NDCG@10 is
   dropped and the weights are searched again; the last one stays.

The chosen models are then refitted on everything. With too few customers to hold items out
(``min_customers``) nothing can be chosen: every configured model is fitted with its
defaults and the history models are served with equal weights.

A form model (``ItemRecommender.answers_forms``: ``declared``) is fitted and measured like
the others but never joins the weighted average: it answers declared preference forms. It is
not served before any customer has gone from one item to another (nothing to learn from).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from threadpoolctl import threadpool_limits

from prefero.models import ItemRecommender, MissingExtra, TrainingData, Validation, model_class
from prefero.models.base import IntArray
from prefero.models.cooccurrence import CoOccurrence, Transitions
from prefero.models.ease import EASE
from prefero.models.mf import ALS, BPR
from prefero.models.ranking import evaluate_ranking, ranking_metrics
from prefero.models.serving import IndexConfig, VectorIndex
from prefero.models.tuning import sample_rows
from prefero.recommend.candidate_scores import ModelRows, lifted_at
from prefero.recommend.followers import lifted
from prefero.recommend.models import CANDIDATE_SCORING_FROM, MODEL_CANDIDATES
from prefero.recommend.quality import CandidateQuality, ServedQuality

__all__ = [
    "EVIDENCE_ONLY",
    "NOT_BETTER",
    "NOT_INSTALLED",
    "NO_JOURNEYS",
    "OUT_OF_TIME",
    "OVER_BUDGET",
    "PASSES",
    "REASONS",
    "TOO_LARGE",
    "VALIDATION_CUSTOMERS",
    "WEIGHTS",
    "Selection",
    "select_models",
]

#: Why a candidate is not served: stable codes stored in the report (a later rewording of
#: a sentence must not orphan the reports of older versions). Keep the set small and fixed;
#: the console words each code (``prefero.web.dashboard.model_words``), the CLI prints
#: ``REASONS``.
NOT_BETTER = "not_better"
OVER_BUDGET = "over_budget"
OUT_OF_TIME = "out_of_time"
TOO_LARGE = "too_large"
NOT_INSTALLED = "not_installed"
NO_JOURNEYS = "no_journeys"
EVIDENCE_ONLY = "evidence_only"
#: Each reason's code → its English sentence, as the terminal and the docs give it.
REASONS: Mapping[str, str] = {
    NOT_BETTER: "It did not improve the validation figures of the models served.",
    OVER_BUDGET: "Too slow: with it, the served models would exceed the scoring time budget.",
    OUT_OF_TIME: "Not tried: the time allowed for choosing the models had run out.",
    TOO_LARGE: "The catalogue is too large for this model.",
    NOT_INSTALLED: "This model is not installed on the training machine.",
    NO_JOURNEYS: "No customer journeys to learn from yet.",
    EVIDENCE_ONLY: ("Kept only as evidence of what shoppers chose next (for \"often chosen "
                    "after\"); it does not rank."),
}

#: Customers whose held-out item the candidates are ranked against (a seeded sample).
VALIDATION_CUSTOMERS = 5_000
#: Relative weights tried for each history model after the best single one.
WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 2.0)
PASSES = 2
#: Histories timed per model; the median is its cost.
TIMED_HISTORIES = 30
#: Memory the validation rows may hold (float32, customers × products × history models):
#: above it the sample shrinks, so that a large catalogue does not run training out of
#: memory (1 GiB holds 5,000 customers × 13,000 products × 4 models).
ROWS_BYTES = 2**30
#: Times each timed history is scored (its best counts).
_TRIES = 3
#: Customers scored at once while the rows are built.
_BATCH = 512

Rows = NDArray[np.float32]
Weights = dict[str, float]
Figures = tuple[float, float]  # HR@10, NDCG@10
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Selection:
    """What ``select_models`` chose: the served models refitted on everything (the history
    models with a weight, then the form model), the history models' weights, and the
    quality report's parts."""

    models: dict[str, ItemRecommender]
    weights: Weights
    candidates: dict[str, CandidateQuality]
    served: ServedQuality
    validation_customers: int
    seconds: float
    #: An item-to-item model refitted though not served, when no served model is one: the
    #: request path's "often chosen after" claims need observed choices, which only such a
    #: model counts (``followers.observed_after``).
    evidence: str | None = None

    @property
    def history(self) -> dict[str, ItemRecommender]:
        """The served history models, in ``weights``' order."""
        return {name: self.models[name] for name in self.weights}

    @property
    def form(self) -> ItemRecommender | None:
        """The served form model, if any."""
        return next((m for m in self.models.values() if m.answers_forms), None)


@dataclass
class _Candidate:
    """One candidate while it is being judged (becomes a ``CandidateQuality``)."""

    model: ItemRecommender | None
    role: str
    fit_seconds: float = 0.0
    figures: Figures | None = None
    score_ms: float | None = None
    weight: float = 0.0
    dropped: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def report(self) -> CandidateQuality:
        hr, ndcg = self.figures if self.figures is not None else (None, None)
        return CandidateQuality(
            role="form" if self.role == "form" else "history", val_hr10=hr, val_ndcg10=ndcg,
            fit_seconds=round(self.fit_seconds, 3),
            score_ms=None if self.score_ms is None else round(self.score_ms, 4),
            weight=self.weight, dropped=self.dropped if self.weight == 0 else None,
            params=self.params)


def select_models(
    sequences: Sequence[IntArray], *, n_items: int, names: Sequence[str],
    seconds: float, budget_ms: float, attributes: sparse.csr_matrix | None = None,
    min_customers: int = 50, seed: int = 0, progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Selection:
    """Choose the served models among ``names`` on ``sequences`` (each customer's items in
    time order) and fit them on everything; see the module docstring. ``seconds`` bounds
    the validation, ``budget_ms`` the served history models' scoring time per history.

    >>> # chosen = select_models(journeys, n_items=3200, names=["transitions", "als"],
    >>> #                        seconds=120, budget_ms=4.0)
    >>> # chosen.weights
    >>> # {'transitions': 1.0, 'als': 0.25}
    """
    started = clock()
    say = progress or (lambda _msg: None)
    data = TrainingData(sequences, n_items, item_attributes=attributes)
    candidates = _candidates(names, n_items=n_items, seed=seed)
    if not any(len(s) >= 2 for s in sequences):
        # A form model learns what shoppers with a form chose next: without a single such
        # choice its answers would claim choices nobody made ("Chosen by shoppers who…").
        for candidate in candidates.values():
            if candidate.role == "form" and candidate.model is not None:
                candidate.model, candidate.dropped = None, NO_JOURNEYS
    held_out = [s for s in sequences if len(s) >= 3]
    if len(held_out) < max(min_customers, 1):
        say(f"model choice: {len(held_out)} customers with 3+ items, fewer than "
            f"{min_customers} needed to validate; every model served with its defaults")
        return _unvalidated(candidates, data, sequences, budget_ms=budget_ms, say=say,
                            seconds=clock() - started)
    validation = Validation(histories=[s[:-1] for s in held_out],
                            targets=np.array([s[-1] for s in held_out], dtype=np.int64))
    prefixes = TrainingData([s[:-1] if len(s) >= 3 else s for s in sequences], n_items,
                            item_attributes=attributes)
    history_count = sum(1 for c in candidates.values() if c.role == "history")
    affordable = ROWS_BYTES // max(4 * n_items * max(history_count, 1), 1)
    sample = sample_rows(len(held_out), seed=seed,
                         max_users=max(1, min(VALIDATION_CUSTOMERS, affordable)))
    histories = [validation.histories[i] for i in sample]
    targets = np.asarray(validation.targets)[sample]
    ranker = _Ranker(histories, targets, n_items=n_items)
    rows: dict[str, Rows] = {}
    for name, candidate in sorted(candidates.items(), key=lambda kv: _cost(kv[1])):
        model = candidate.model
        if model is None:
            continue
        if rows and clock() - started >= seconds:
            candidate.model, candidate.dropped = None, OUT_OF_TIME
            say(f"model {name}: not tried, the {seconds:.0f} s to choose models are spent")
            continue
        begun = clock()
        model.fit(prefixes, validation=validation)
        candidate.fit_seconds = clock() - begun
        candidate.params = dict(model.params)
        values = _lifted_rows(model, histories, n_items=n_items)
        candidate.figures = ranker.figures({name: 1.0}, {name: values})
        if candidate.role == "history":
            rows[name] = values
            candidate.score_ms = _score_ms(model, histories, n_items=n_items)
        del values
        say(f"model {name}: validated on {len(sample)} customers, NDCG@10 "
            f"{candidate.figures[1]:.4f}, HR@10 {candidate.figures[0]:.4f}, "
            f"{_ms(candidate.score_ms)} per history, params {model.params} "
            f"({clock() - begun:.1f} s)")
    weights, served = _within_budget(candidates, rows, ranker, budget_ms=budget_ms, say=say)
    del rows
    chosen_seconds = clock() - started
    for name, candidate in candidates.items():
        candidate.weight = weights.get(name, 0.0)
        if candidate.role == "form" and candidate.model is not None:
            candidate.weight = 1.0  # served, for forms only
        if candidate.weight == 0 and candidate.dropped is None and candidate.model is not None:
            candidate.dropped = NOT_BETTER
    evidence = _evidence(candidates, weights)
    models = _refit(candidates, weights, data, clock=clock, evidence=evidence)
    score_ms = _total_ms(candidates, weights)
    say(f"models served: {_described(weights)}; NDCG@10 {_ndcg(served):.4f} on "
        f"validation, {_ms(score_ms)} per history (budget {budget_ms:g} ms)")
    return Selection(
        models=models, weights=weights,
        candidates={name: c.report() for name, c in candidates.items()},
        served=ServedQuality(val_hr10=served[0] if served is not None else None,
                             val_ndcg10=served[1] if served is not None else None,
                             score_ms=score_ms, budget_ms=budget_ms),
        validation_customers=len(sample), seconds=chosen_seconds, evidence=evidence)


def _evidence(candidates: dict[str, _Candidate], weights: Weights) -> str | None:
    """The best validated item-to-item candidate, when none is served: kept (at weight 0)
    so that the observed choices behind "often chosen after" stay countable."""
    if any(candidates[name].role == "history" and _counts_choices(candidates[name].model)
           for name in weights):
        return None
    kept = [(_ndcg(c.figures), name) for name, c in candidates.items()
            if name not in weights and c.figures is not None and _counts_choices(c.model)]
    if not kept:
        return None
    name = max(kept)[1]
    candidates[name].dropped = EVIDENCE_ONLY
    return name


def _counts_choices(model: ItemRecommender | None) -> bool:
    return isinstance(model, Transitions | CoOccurrence)


def _candidates(names: Sequence[str], *, n_items: int, seed: int) -> dict[str, _Candidate]:
    """Each configured model, constructed, with its role; the ones that cannot be fitted
    here (not installed, too large a catalogue) with their reason and no model."""
    found: dict[str, _Candidate] = {}
    for name in dict.fromkeys(names):
        try:
            cls = model_class(name)
        except MissingExtra:
            found[name] = _Candidate(None, "history", dropped=NOT_INSTALLED)
            continue
        model = cls(seed=seed)
        role = "form" if cls.answers_forms else "history"
        # EASE solves a dense items × items system: past its bound it would model only the
        # most popular items and leave the rest unscored.
        if isinstance(model, EASE) and n_items > model.max_dense_items:
            found[name] = _Candidate(None, role, dropped=TOO_LARGE)
            continue
        found[name] = _Candidate(model, role)
    return found


def _cost(candidate: _Candidate) -> int:
    return type(candidate.model).cost if candidate.model is not None else 0


def _unvalidated(candidates: dict[str, _Candidate], data: TrainingData,
                 sequences: Sequence[IntArray], *, budget_ms: float, say: Progress,
                 seconds: float) -> Selection:
    """Too few customers to choose: every model fitted with its defaults, the history
    models at equal weights."""
    timed = [s for s in sequences if len(s)][:TIMED_HISTORIES] or [np.zeros(0, np.int64)]
    models: dict[str, ItemRecommender] = {}
    weights: Weights = {}
    for name, candidate in candidates.items():
        if candidate.model is None:
            continue
        begun = time.perf_counter()
        model = candidate.model.fit(data)
        candidate.fit_seconds = time.perf_counter() - begun
        candidate.params, candidate.weight = dict(model.params), 1.0
        models[name] = model
        if candidate.role == "history":
            weights[name] = 1.0
            candidate.score_ms = _score_ms(model, timed, n_items=data.n_items)
    say(f"models served with their defaults at equal weights: {', '.join(weights) or 'none'}")
    return Selection(
        models={**{n: models[n] for n in weights},
                **{n: m for n, m in models.items() if n not in weights}},
        weights=weights, candidates={name: c.report() for name, c in candidates.items()},
        served=ServedQuality(score_ms=_total_ms(candidates, weights), budget_ms=budget_ms),
        validation_customers=0, seconds=seconds)


class _Ranker:
    """NDCG@10 and HR@10 of a weighted mean of lifted rows on the held-out items, each
    combination ranked once."""

    def __init__(self, histories: list[IntArray], targets: IntArray, *, n_items: int) -> None:
        self.histories, self.targets, self.n_items = histories, targets, n_items
        self._known: dict[tuple[tuple[str, float], ...], Figures] = {}

    def figures(self, weights: Mapping[str, float], rows: Mapping[str, Rows]) -> Figures:
        used = tuple(sorted((name, w) for name, w in weights.items() if w > 0))
        if used not in self._known:
            self._known[used] = self._rank(used, rows)
        return self._known[used]

    def _rank(self, used: tuple[tuple[str, float], ...], rows: Mapping[str, Rows]) -> Figures:
        total = sum(w for _, w in used)

        def score(users: IntArray, _histories: Sequence[IntArray]) -> NDArray[np.float64]:
            # The request path's arithmetic (followers.mean_lifted): weighted sum, over the
            # weights' total.
            out = np.zeros((len(users), self.n_items))
            for name, weight in used:
                out += weight * rows[name][users].astype(np.float64)
            out /= total if total > 0 else 1.0
            return out

        result = evaluate_ranking(score, targets=self.targets, histories=self.histories,
                                  n_items=self.n_items, coverage=False)
        metrics = ranking_metrics(result.ranks, (10,))
        return metrics["HR@10"], metrics["NDCG@10"]


def _lifted_rows(model: ItemRecommender, histories: list[IntArray], *, n_items: int) -> Rows:
    out = np.zeros((len(histories), n_items), dtype=np.float32)
    for start in range(0, len(histories), _BATCH):
        batch = histories[start:start + _BATCH]
        out[start:start + len(batch)] = lifted(np.asarray(model.score(batch),
                                                          dtype=np.float64))
    return out


def _search_weights(rows: Mapping[str, Rows], ranker: _Ranker
                    ) -> tuple[Weights, Figures | None]:
    """The bounded coordinate search over ``rows``' models (see the module docstring): the
    weights (every model named, 0 for the ones left out) and their figures."""
    if not rows:
        return {}, None
    singles = {name: ranker.figures({name: 1.0}, rows) for name in rows}
    first = max(singles, key=lambda name: singles[name][1])  # ties: the cheapest
    current = {name: 1.0 if name == first else 0.0 for name in rows}
    best = singles[first]
    for _ in range(PASSES):
        for name in rows:
            if name == first:
                continue
            for weight in WEIGHTS:
                if weight == current[name]:
                    continue
                trial = {**current, name: weight}
                found = ranker.figures(trial, rows)
                if found[1] > best[1]:  # strictly: an equal figure keeps fewer models
                    best, current = found, trial
    return current, best


def _within_budget(candidates: dict[str, _Candidate], rows: dict[str, Rows], ranker: _Ranker,
                   *, budget_ms: float, say: Progress) -> tuple[Weights, Figures | None]:
    """The searched weights, then models dropped (``OVER_BUDGET``) while the served ones'
    scoring time exceeds ``budget_ms``: each time the one whose removal costs least."""
    weights, figures = _search_weights(rows, ranker)
    while (_total_ms(candidates, weights) or 0.0) > budget_ms:
        served = [name for name, weight in weights.items() if weight > 0]
        if len(served) < 2:
            break
        options = {name: _search_weights({n: rows[n] for n in served if n != name}, ranker)
                   for name in served}
        # The least NDCG@10 lost; on a tie, the slower model goes.
        drop = max(served, key=lambda name: (_ndcg(options[name][1]),
                                             candidates[name].score_ms or 0.0))
        candidates[drop].dropped = OVER_BUDGET
        say(f"model {drop}: dropped, {_ms(_total_ms(candidates, weights))} per history is "
            f"over the {budget_ms:g} ms budget")
        weights, figures = options[drop]
    # In the configured order, the order the request path adds the rows in.
    return {name: weights[name] for name in candidates if weights.get(name, 0.0) > 0}, figures


def _ndcg(figures: Figures | None) -> float:
    return figures[1] if figures is not None else 0.0


def _refit(candidates: dict[str, _Candidate], weights: Weights, data: TrainingData, *,
           clock: Callable[[], float], evidence: str | None = None
           ) -> dict[str, ItemRecommender]:
    """The served models refitted on everything with the settings they chose: the history
    models in ``weights``' order, then the form model, then the ``evidence`` model."""
    served = [*weights, *(n for n, c in candidates.items()
                          if c.role == "form" and c.model is not None),
              *([evidence] if evidence is not None else [])]
    models = {}
    for name in served:
        candidate = candidates[name]
        assert candidate.model is not None
        begun = clock()
        models[name] = candidate.model.refit(data)
        candidate.fit_seconds += clock() - begun
    for candidate in candidates.values():
        candidate.model = None  # what is not served is not kept
    return models


def _total_ms(candidates: Mapping[str, _Candidate], weights: Weights) -> float | None:
    costs = [candidates[name].score_ms for name, w in weights.items() if w > 0]
    if not costs or any(cost is None for cost in costs):
        return None
    return round(sum(cost for cost in costs if cost is not None), 4)


def _score_ms(model: ItemRecommender, histories: Sequence[IntArray], *, n_items: int
              ) -> float | None:
    """The median milliseconds of one history's row over the catalogue, as the request path
    reads it: ``lifted`` of the model's whole row, or on catalogues of at least
    ``CANDIDATE_SCORING_FROM`` items the candidate path (a factorisation through the
    vector index the version will carry)."""
    timed = list(histories[:TIMED_HISTORIES])
    if not n_items or not timed:
        return None
    once = _request_row(model, n_items=n_items)
    spent = []
    # One BLAS thread, as the API's workers run (prefero.api.app), and this thread's CPU
    # time rather than the wall clock: a busy machine (another process on the core) made
    # the same model measure 3.0 ms one run and 4.4 ms the next, and the choice of served
    # models must not follow the load. Each history's best of a few.
    with threadpool_limits(limits=1, user_api="blas"):
        once(timed[0])  # the first call pays for caches the request path keeps warm
        for history in timed:
            tries = []
            for _ in range(_TRIES):
                begun = time.thread_time()
                once(history)
                tries.append((time.thread_time() - begun) * 1000.0)
            spent.append(min(tries))
    return float(statistics.median(spent))


def _request_row(model: ItemRecommender, *, n_items: int) -> Callable[[IntArray], object]:
    """One history's row of ``model`` as the request path works it out."""
    if n_items < CANDIDATE_SCORING_FROM:
        return lambda history: lifted(np.asarray(model.score([history]), dtype=np.float64))
    indexes = ({model.name: VectorIndex.build(model.item_vectors(),
                                              IndexConfig(ann_threshold=0))}
               if isinstance(model, ALS | BPR) else {})
    rows = ModelRows({model.name: model}, indexes)
    rows.prepare()
    return lambda history: lifted_at(rows.rows(history, k=MODEL_CANDIDATES))


def _ms(value: float | None) -> str:
    return "unmeasured" if value is None else f"{value:.2f} ms"


def _described(weights: Weights) -> str:
    return ", ".join(f"{name} × {weight:g}" for name, weight in weights.items()) or "none"

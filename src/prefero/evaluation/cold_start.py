"""Cold start from declared preferences, measured.

A new customer fills a short preference form. We simulate the form from real customers:
the values they would declare are the ``k`` attributes most frequent in their training
prefix, and the question is how well a model ranks their next (test) item from those
values alone, or from the values plus the one or two items they have just met.

The honest set-up (the one used here): a seeded share of the users (``held_out``, 20% by
default) is removed from training entirely. Every model is fitted on the remaining users'
training prefixes, tuned on their validation item, then refitted on everything before their
test item; so nothing the cold customers did, not even their old history, reaches any
shared statistic. (Fitting on every user's training prefix would leak a cold customer's own
old history into the item counts and co-occurrences their cold answer is drawn from.) With
``rotate`` every share is held out in turn, so every user is evaluated once.

For each cold user:

* declared values: the ``k`` attribute columns their training-prefix items carry most often
  (an item met twice counts twice); ties go to the attribute carried by FEWER catalogue
  items (the more specific one: a brand rather than the shop's root category), then to
  the earlier column (``models.declared.top_attributes``). A user whose items carry fewer
  than ``k`` distinct attributes declares what there is (the output's ``notes`` count them);
* ``"k=1"``, ``"k=3"``, ``"k=5"``: declared values only. A new customer has no history, so
  nothing is masked: the test item is ranked among all items;
* ``"history=1+k=3"``, ``"history=2+k=3"``: the last one or two items before the test item
  plus three declared values; those items are masked as seen.

Rows of every scenario: ``PopRec`` (the reference: counts over all sequences, ties in the
target's favour; see ``baselines``), ``popularity`` (training counts), ``content`` (the
attribute-profile model scoring the declared values from the catalogue, with the short
history where there is one), ``declared`` (``models.declared``: what the training users
chose next when their own items implied the same form; it reads the form only) and each
behaviour-only model in ``models`` given the same short history: with no history at all, a
behaviour-only model can only give its empty-history answer, which is what the
declared-only rows report. History scenarios add ``content+<model>`` and
``declared+<model>``: rank-normalised mixes of that declared side and the model, the weight
chosen on the cold users' VALIDATION item (declared values plus the one or two items before
it), never on test. How far ``content`` and ``declared`` trust the declared values
(``tune_declared``) is chosen the same way, per scenario; ``declared`` learns from forms of
the scenario's size. All other settings come from the models' own searches on the training
users' validation items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from prefero.evaluation.baselines import item_counts
from prefero.evaluation.data import IntArray, LeaveOneOut, attribute_matrix
from prefero.models.base import ItemRecommender, TrainingData, Validation, popularity_tiebreak
from prefero.models.content import AttributeProfile
from prefero.models.declared import DeclaredChoices, top_attributes
from prefero.models.popularity import Popularity
from prefero.models.ranking import FloatArray, TieRule, rank_targets, ranking_metrics
from prefero.models.registry import model_class

__all__ = [
    "DECLARED",
    "HISTORY",
    "MIX_WEIGHTS",
    "SCENARIOS",
    "declared_values",
    "evaluate_cold_start",
    "held_out_users",
    "mixed_ranks",
    "rank_normalised",
]

#: Declared-only scenarios: how many values the form asks for.
DECLARED: tuple[int, ...] = (1, 3, 5)
#: History scenarios: how many recent items, always with this many declared values.
HISTORY: tuple[int, ...] = (1, 2)
HISTORY_DECLARED = 3
#: The scenarios, in report order.
SCENARIOS: tuple[str, ...] = (*(f"k={k}" for k in DECLARED),
                              *(f"history={h}+k={HISTORY_DECLARED}" for h in HISTORY))
#: Candidate weights of the declared (content) side in ``declared+<model>``.
MIX_WEIGHTS: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
BATCH = 512

ScoreFn = Callable[[Sequence[int]], FloatArray]
"""Scores for a batch of cold users, given their positions in the cold-user arrays."""


def held_out_users(n_users: int, *, share: float, seed: int) -> list[IntArray]:
    """Disjoint seeded groups of about ``share * n_users`` users each (sorted), covering
    every user; group 0 is the one held out when not rotating.

    >>> [g.tolist() for g in held_out_users(5, share=0.4, seed=0)]
    [[2, 4], [0, 3], [1]]
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"held_out must lie strictly between 0 and 1, got {share}")
    if n_users < 2:
        raise ValueError("cold-start evaluation needs at least two users")
    size = min(max(1, round(share * n_users)), n_users - 1)
    order = np.random.default_rng(seed).permutation(n_users)
    return [np.sort(order[start:start + size]).astype(np.int64)
            for start in range(0, n_users, size)]


def declared_values(history: IntArray, *, matrix: sp.csr_matrix, k: int,
                    carried: FloatArray | None = None) -> list[int]:
    """The simulated form: the ``k`` attribute columns most frequent over ``history``'s
    items, ties to the rarer attribute, then the earlier column (``top_attributes``, the
    rule the ``declared`` model learns other customers' forms by).

    >>> m = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    >>> declared_values(np.array([0, 1]), matrix=m, k=2)
    [1, 0]
    """
    return top_attributes(history, matrix=matrix, k=k, carried=carried)


def rank_normalised(scores: FloatArray) -> FloatArray:
    """Each row's scores replaced by ``1 - log(1 + rank) / log(n)`` (best 1, worst 0): puts
    two models with incomparable score scales on one scale. The logarithm keeps the head
    of each ranking apart and squeezes the tail, so a mix is decided by what either model
    ranks near the top, not by where deep in the other's tail an item lies.

    >>> rank_normalised(np.array([[0.2, 5.0, 1.0]])).round(3).tolist()
    [[0.0, 1.0, 0.369]]
    """
    n_rows, n_cols = scores.shape
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n_cols)[None, :].repeat(n_rows, axis=0), axis=1)
    normalised: FloatArray = 1.0 - np.log1p(ranks) / np.log(max(n_cols, 2))
    return normalised


def mixed_ranks(
    content: ScoreFn, behaviour: ScoreFn, *, targets: IntArray, histories: Sequence[IntArray],
    weights: Sequence[float], tiebreak: FloatArray,
) -> dict[float, IntArray]:
    """Rank of each target under ``weight * content + (1 - weight) * behaviour`` (both rank
    normalised, ``histories`` masked, ties against the target) for every weight.

    >>> # mixed_ranks(c, b, targets=valid, histories=h, weights=MIX_WEIGHTS, tiebreak=t)
    """
    out = {w: np.empty(len(targets), dtype=np.int64) for w in weights}
    for start in range(0, len(targets), BATCH):
        rows = list(range(start, min(start + BATCH, len(targets))))
        declared_side = rank_normalised(content(rows))
        behaviour_side = rank_normalised(behaviour(rows))
        for weight in weights:
            mixed = weight * declared_side + (1.0 - weight) * behaviour_side + tiebreak
            out[weight][rows] = rank_targets(mixed, targets[rows],
                                             [histories[r] for r in rows])[0]
    return out


def _ranks(score: ScoreFn, *, targets: IntArray, histories: Sequence[IntArray],
           ties: TieRule = "pessimistic") -> IntArray:
    ranks = np.empty(len(targets), dtype=np.int64)
    for start in range(0, len(targets), BATCH):
        rows = list(range(start, min(start + BATCH, len(targets))))
        scores = np.array(score(rows), dtype=np.float64)  # rank_targets writes into it
        ranks[rows] = rank_targets(scores, targets[rows], [histories[r] for r in rows],
                                   ties=ties)[0]
    return ranks


def _declared_scorer(model: AttributeProfile, declared: Sequence[Sequence[int]],
                     histories: Sequence[IntArray] | None) -> ScoreFn:
    def score(rows: Sequence[int]) -> FloatArray:
        return model.score_declared([declared[r] for r in rows],
                                    None if histories is None else [histories[r] for r in rows])
    return score


def _form_scorer(model: DeclaredChoices, declared: Sequence[Sequence[int]]) -> ScoreFn:
    def score(rows: Sequence[int]) -> FloatArray:
        return model.score_declared([declared[r] for r in rows])
    return score


def _model_scorer(model: ItemRecommender, histories: Sequence[IntArray]) -> ScoreFn:
    def score(rows: Sequence[int]) -> FloatArray:
        return np.asarray(model.score([histories[r] for r in rows]), dtype=np.float64)
    return score


def _declared_settings(model: AttributeProfile) -> dict[str, Any]:
    return {key: model.params.get(key) for key in ("declared_smoothing", "declared_weight")}


def _subset(values: Sequence[FloatArray] | None, rows: IntArray, cut: int
            ) -> list[FloatArray] | None:
    """``values`` (aligned with ``split.full``) of the given users, without the last ``cut``
    interactions."""
    if values is None:
        return None
    return [np.asarray(values[u], dtype=np.float64)[:len(values[u]) - cut] for u in rows]


def evaluate_cold_start(
    split: LeaveOneOut,
    attributes: list[tuple[str, ...]],
    *,
    models: Sequence[str] = (),
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    held_out: float = 0.2,
    rotate: bool = False,
) -> dict[str, Any]:
    """Cold-start table: per scenario, NDCG@10 and HR@10 of each row (see the module).

    ``attributes[i]`` are item ``i``'s attribute values; ``models`` are registered
    behaviour-only model names (``content`` and ``popularity`` are always reported); the
    split's timestamps and weights, when it has them, reach the models' training data.
    ``progress`` is called with the number of users just scored: over a run it sums to
    ``len(SCENARIOS)`` times the users evaluated (``split.n_users`` with ``rotate``, else
    ``len(held_out_users(split.n_users, share=held_out, seed=seed)[0])``).

    >>> # evaluate_cold_start(split, attributes, models=["transitions"])["cold_start"]["k=3"]
    >>> # {"PopRec": {"NDCG@10": ..., "HR@10": ...}, "content": {...}, ...}
    """
    if len(attributes) != split.n_items:
        raise ValueError(f"{len(attributes)} attribute rows for {split.n_items} items")
    behaviour_names = [m for m in dict.fromkeys(models)
                       if m not in ("content", "declared", "popularity", "poprec")]
    classes = {name: model_class(name) for name in behaviour_names}  # fail before fitting
    matrix, _ = attribute_matrix(attributes)
    carried = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    groups = held_out_users(split.n_users, share=held_out, seed=seed)
    folds = groups if rotate else groups[:1]
    n_items = split.n_items
    # Reference PopRec counts every sequence, held-out items included, by its definition.
    poprec = item_counts(split.full, n_items).astype(np.float64)

    ranks: dict[str, dict[str, list[IntArray]]] = {s: {} for s in SCENARIOS}
    weights: dict[str, dict[str, list[float]]] = {}
    short = dict.fromkeys(DECLARED, 0)
    content_params: list[dict[str, Any]] = []
    learned_params: list[dict[str, Any]] = []
    settings: dict[str, list[dict[str, Any]]] = {}
    training_users = 0

    for cold in folds:
        warm = np.setdiff1d(np.arange(split.n_users), cold)
        training_users += len(warm)
        train = TrainingData([split.train[u] for u in warm], n_items, item_attributes=matrix,
                             timestamps=_subset(split.timestamps, warm, 2),
                             weights=_subset(split.weights, warm, 2))
        validation = Validation([split.train[u] for u in warm], split.valid[warm])
        before_test = TrainingData([split.full[u][:-1] for u in warm], n_items,
                                   item_attributes=matrix,
                                   timestamps=_subset(split.timestamps, warm, 1),
                                   weights=_subset(split.weights, warm, 1))
        content = AttributeProfile(seed=seed).fit(train, validation=validation)
        content.refit(before_test)
        content_params.append(dict(content.params))
        behaviour: dict[str, ItemRecommender] = {}
        for name in behaviour_names:
            model = classes[name](seed=seed).fit(train, validation=validation)
            behaviour[name] = model.refit(before_test)
        popularity = Popularity().fit(before_test)
        tiebreak = popularity_tiebreak(before_test.item_counts())

        declared = {k: [declared_values(split.train[u], matrix=matrix, k=k, carried=carried)
                        for u in cold] for k in DECLARED}
        # What warm customers with each form chose next, trusted as far as the cold
        # customers' validation items say.
        learned = {k: DeclaredChoices(seed=seed, params={"form_size": k}).fit(before_test)
                   .tune_declared(declared[k], split.valid[cold]) for k in DECLARED}
        learned_params.append({f"k={k}": dict(m.params) for k, m in learned.items()})
        for k in DECLARED:
            short[k] += sum(len(d) < k for d in declared[k])
        test_targets = split.test[cold]
        empty = [np.zeros(0, dtype=np.int64)] * len(cold)

        def add(scenario: str, row: str, values: IntArray) -> None:
            ranks[scenario].setdefault(row, []).append(values)

        def static(vector: FloatArray) -> ScoreFn:
            return lambda rows: np.broadcast_to(vector, (len(rows), n_items))

        for k in DECLARED:
            scenario = f"k={k}"
            add(scenario, "PopRec", _ranks(static(poprec), targets=test_targets,
                                           histories=empty, ties="optimistic"))
            add(scenario, "popularity", _ranks(static(popularity.item_scores),
                                               targets=test_targets, histories=empty))
            # How far to trust the declared values: chosen on the validation item.
            content.tune_declared(declared[k], split.valid[cold])
            settings.setdefault(scenario, []).append(_declared_settings(content))
            add(scenario, "content", _ranks(_declared_scorer(content, declared[k], None),
                                            targets=test_targets, histories=empty))
            add(scenario, "declared", _ranks(_form_scorer(learned[k], declared[k]),
                                             targets=test_targets, histories=empty))
            for name, model in behaviour.items():
                # No history: every cold user gets the model's one empty-history answer.
                answer = np.asarray(model.score([np.zeros(0, dtype=np.int64)]))[0]
                add(scenario, name, _ranks(static(answer), targets=test_targets,
                                           histories=empty))
            if progress is not None:
                progress(len(cold))

        for h in HISTORY:
            scenario = f"history={h}+k={HISTORY_DECLARED}"
            test_hist = [split.full[u][:-1][-h:] for u in cold]
            valid_hist = [split.train[u][-h:] for u in cold]
            valid_targets = split.valid[cold]
            chosen = declared[HISTORY_DECLARED]
            content.tune_declared(chosen, valid_targets, valid_hist)
            settings.setdefault(scenario, []).append(_declared_settings(content))
            declared_test = _declared_scorer(content, chosen, test_hist)
            declared_valid = _declared_scorer(content, chosen, valid_hist)
            add(scenario, "PopRec", _ranks(static(poprec), targets=test_targets,
                                           histories=test_hist, ties="optimistic"))
            add(scenario, "popularity", _ranks(static(popularity.item_scores),
                                               targets=test_targets, histories=test_hist))
            add(scenario, "content", _ranks(declared_test, targets=test_targets,
                                            histories=test_hist))
            form = _form_scorer(learned[HISTORY_DECLARED], chosen)
            add(scenario, "declared", _ranks(form, targets=test_targets, histories=test_hist))
            for name, model in behaviour.items():
                model_test = _model_scorer(model, test_hist)
                add(scenario, name, _ranks(model_test, targets=test_targets,
                                           histories=test_hist))
                for label, side_valid, side_test in (("declared", form, form),
                                                     ("content", declared_valid, declared_test)):
                    on_validation = mixed_ranks(
                        side_valid, _model_scorer(model, valid_hist), targets=valid_targets,
                        histories=valid_hist, weights=MIX_WEIGHTS, tiebreak=tiebreak)
                    # Among equally good weights, the one nearest an even mix.
                    best = max(MIX_WEIGHTS, key=lambda w: (
                        ranking_metrics(on_validation[w], (10,))["NDCG@10"], -abs(w - 0.5)))
                    weights.setdefault(scenario, {}).setdefault(f"{label}+{name}", []).append(best)
                    on_test = mixed_ranks(side_test, model_test, targets=test_targets,
                                          histories=test_hist, weights=(best,), tiebreak=tiebreak)
                    add(scenario, f"{label}+{name}", on_test[best])
            if progress is not None:
                progress(len(cold))

    table = {scenario: {row: _metrics(parts) for row, parts in rows.items()}
             for scenario, rows in ranks.items()}
    users = sum(len(c) for c in folds)
    reference = table["k=3"]["PopRec"]["NDCG@10"]
    notes = [
        "declared-only rows mask nothing (a new customer has no history); history rows "
        "mask the one or two items given",
        "behaviour-only models in declared-only rows give their empty-history answer",
        f"{len(folds)} held-out group(s) of about {held_out:.0%} of users, removed from "
        "training entirely; models fitted on the other users' training prefixes, tuned "
        "on their validation item, refitted on everything before their test item",
    ]
    notes += [f"{short[k]} of {users} users have fewer than {k} distinct attributes in "
              f"their training prefix and declare only those" for k in DECLARED if short[k]]
    return {
        "users": users,
        "training_users": training_users // len(folds),
        "held_out": held_out,
        "folds": len(folds),
        "cold_start": table,
        "k=3 content / PopRec": (table["k=3"]["content"]["NDCG@10"] / reference
                                 if reference > 0 else None),
        "k=3 declared / PopRec": (table["k=3"]["declared"]["NDCG@10"] / reference
                                  if reference > 0 else None),
        "mix_weights": weights,
        "declared_settings": settings,
        "content_params": content_params,
        "declared_params": learned_params,
        "notes": notes,
    }


def _metrics(parts: Sequence[IntArray]) -> dict[str, float]:
    metrics = ranking_metrics(np.concatenate(list(parts)), (10,))
    return {"NDCG@10": metrics["NDCG@10"], "HR@10": metrics["HR@10"]}


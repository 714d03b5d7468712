"""Run the protocol for a list of models and assemble the report.

Model selection ("best") looks at the validation item only, and never at a reference
model (``poprec`` counts the held-out items, so it cannot be chosen).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prefero.evaluation.baselines import PopRec, Popularity, Recommender
from prefero.evaluation.data import LeaveOneOut, leave_one_out, read_item_attributes, read_sequences
from prefero.evaluation.metrics import evaluate_ranking
from prefero.evaluation.transitions import Transitions

__all__ = ["MODELS", "evaluate_file", "evaluate_models"]

#: Factories take the run's seed; a model must draw all its randomness from it.
MODELS: dict[str, Callable[[int], Recommender]] = {
    "poprec": lambda seed: PopRec(),
    "popularity": lambda seed: Popularity(),
    "transitions": lambda seed: Transitions(seed),
}

#: Called with (stage description, total steps) to start a stage, then with advances.
Progress = Callable[[str, int], None]


def _noop(description: str, steps: int) -> None:
    return None


def evaluate_models(
    split: LeaveOneOut,
    names: Sequence[str],
    *,
    seed: int = 0,
    start_stage: Progress = _noop,
    advance: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit and evaluate each named model; returns ``{"models": ..., "best": ...}``."""
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
    rows: dict[str, dict[str, float]] = {}
    reference: set[str] = set()
    test_histories = split.test_histories()
    for name in names:
        model = MODELS[name](seed)
        if model.reference:
            reference.add(name)
        start_stage(f"{name}: fit", 1)
        started = time.perf_counter()
        model.fit(split)
        train_s = time.perf_counter() - started
        if advance:
            advance(1)
        start_stage(f"{name}: validation", split.n_users)
        valid = evaluate_ranking(
            model.score, targets=split.valid, histories=split.train, n_items=split.n_items,
            ties=model.ties, coverage=False, progress=advance,
        )
        start_stage(f"{name}: test", split.n_users)
        started = time.perf_counter()
        test = evaluate_ranking(
            model.score, targets=split.test, histories=test_histories, n_items=split.n_items,
            ties=model.ties, progress=advance,
        )
        infer_s = time.perf_counter() - started
        row = test.metrics()
        row["val_NDCG@10"] = valid.metrics()["NDCG@10"]
        row["train_s"] = train_s
        row["infer_ms_per_user"] = 1000.0 * infer_s / max(split.n_users, 1)
        rows[name] = row
    candidates = [n for n in rows if n not in reference] or list(rows)
    best = max(candidates, key=lambda n: rows[n]["val_NDCG@10"]) if candidates else None
    return {"models": rows, "best": best}


def evaluate_file(
    sequences: Path,
    names: Sequence[str],
    *,
    item_attributes: Path | None = None,
    seed: int = 0,
    start_stage: Progress = _noop,
    advance: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Read a sequences file, split it and evaluate; the full report as a JSON-ready dict."""
    data = read_sequences(sequences)
    split = leave_one_out(data)
    dataset: dict[str, Any] = {
        "users": split.n_users,
        "items": data.n_items,
        "interactions": data.n_interactions,
        "skipped_users": split.skipped_users,
    }
    if item_attributes is not None:
        attributes = read_item_attributes(item_attributes, data)
        dataset["attributes"] = len({a for attrs in attributes for a in attrs})
    report = evaluate_models(split, names, seed=seed, start_stage=start_stage, advance=advance)
    return {"dataset": dataset, **report}

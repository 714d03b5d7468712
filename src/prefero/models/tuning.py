"""Small, bounded hyper-parameter searches scored on the validation item only.

A model offers each setting it tries to a ``Search``; the score is NDCG@10 of the
validation targets under full ranking with the history masked and ties counted against the
model, on a seeded sample of at most ``Validation.max_users`` users. The test item is never
seen here: ``Validation`` carries only the histories before the validation item.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from prefero.models.base import FloatArray, IntArray, Validation
from prefero.models.ranking import evaluate_ranking, ranking_metrics

__all__ = ["Search", "grid", "sample_rows", "sample_validation", "validation_ndcg"]


def grid(**axes: Iterable[float]) -> tuple[dict[str, float], ...]:
    """Every combination of the axes' values, as settings.

    >>> grid(a=(1, 2), b=(0.5,))
    ({'a': 1, 'b': 0.5}, {'a': 2, 'b': 0.5})
    """
    keys = list(axes)
    return tuple(dict(zip(keys, values, strict=True))
                 for values in itertools.product(*axes.values()))


def sample_rows(n: int, *, max_users: int, seed: int) -> IntArray:
    """All of ``0..n-1`` when ``n <= max_users``, else ``max_users`` of them drawn with
    ``seed``; sorted either way.

    >>> sample_rows(3, max_users=5, seed=0).tolist()
    [0, 1, 2]
    >>> len(sample_rows(10, max_users=4, seed=0))
    4
    """
    if n <= max_users:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_users, replace=False)).astype(np.int64)


def sample_validation(validation: Validation, *, seed: int) -> Validation:
    """At most ``max_users`` users of ``validation``, drawn with ``seed`` (sorted order)."""
    n = len(validation.targets)
    if n <= validation.max_users:
        return validation
    keep = sample_rows(n, max_users=validation.max_users, seed=seed)
    return Validation(histories=[validation.histories[i] for i in keep],
                      targets=np.asarray(validation.targets)[keep],
                      max_users=validation.max_users)


def validation_ndcg(
    score: Callable[[Sequence[IntArray]], FloatArray], validation: Validation, *, n_items: int,
) -> float:
    """NDCG@10 of ``score`` on ``validation`` (already sampled; see ``sample_validation``)."""
    result = evaluate_ranking(
        lambda users, histories: score(histories),
        targets=np.asarray(validation.targets, dtype=np.int64),
        histories=validation.histories, n_items=n_items, coverage=False,
    )
    return ranking_metrics(result.ranks, (10,))["NDCG@10"]


@dataclass(slots=True)
class Search:
    """Keeps the best setting offered so far and a log of every one."""

    best_params: dict[str, Any] | None = None
    best_score: float = -1.0
    log: list[dict[str, Any]] = field(default_factory=list)

    def offer(self, params: Mapping[str, Any], ndcg: float) -> bool:
        """Record ``params`` scored ``ndcg``; ``True`` when it is the new best."""
        self.log.append({**params, "val_NDCG@10": ndcg})
        if ndcg > self.best_score:
            self.best_params, self.best_score = dict(params), ndcg
            return True
        return False

"""Declared interests: the values a customer said they like (brands, categories, styles...),
each as the catalog positions that carry it, so that a home row can take turns among them
instead of filling up with whatever matches the strongest like (issue 11, finding 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray, IntArray
from prefero.recommend.profile import CustomerProfile

__all__ = ["Interest", "carries", "declared_interests", "interest_candidates"]


@dataclass(frozen=True)
class Interest:
    """One liked (facet, value) and the items that count for it (ascending positions)."""

    facet: str
    value: str
    weight: float
    positions: IntArray


def declared_interests(index: CatalogIndex, profile: CustomerProfile, declared: FloatArray
                       ) -> tuple[Interest, ...]:
    """The customer's liked values that some item carries, strongest first.

    An item counts for a value only while its whole declared score stays positive: a liked
    style on a brand the customer dislikes more is not what they asked to see. ``declared``
    is zero everywhere when the customer's likes may not be used, and then nothing counts.

    >>> from types import SimpleNamespace
    >>> index = SimpleNamespace(postings={("brand", "oaty"): np.array([0, 2]),
    ...                                   ("style", "minimal"): np.array([1])})
    >>> profile = SimpleNamespace(likes=(("style", "minimal", 0.6), ("brand", "oaty", 0.9),
    ...                                  ("brand", "acme", 1.0), ("color", "red", -0.5)))
    >>> [(i.value, i.positions.tolist()) for i in declared_interests(
    ...     index, profile, np.array([0.9, 0.6, -0.1]))]
    [('oaty', [0]), ('minimal', [1])]
    """
    strongest: dict[tuple[str, str], float] = {}
    for facet, value, weight in profile.likes:
        if weight > 0 and weight > strongest.get((facet, value), 0.0):
            strongest[(facet, value)] = weight
    found: list[Interest] = []
    for (facet, value), weight in sorted(strongest.items(), key=lambda kv: -kv[1]):
        positions = index.postings.get((facet, value))
        if positions is None:
            continue
        counted = positions[declared[positions] > 0]
        if counted.size:
            found.append(Interest(facet, value, weight, counted))
    return tuple(found)


def interest_candidates(interests: Sequence[Interest], allowed: BoolArray, scores: FloatArray,
                        *, depth: int) -> IntArray:
    """The ``depth`` best-scoring allowed items of each interest: a candidate source that
    keeps a weakly liked value in the running when stronger likes fill the other sources.

    >>> interest = Interest("brand", "oaty", 1.0, np.array([0, 1, 3]))
    >>> interest_candidates([interest], np.array([True, True, True, False]),
    ...                     np.array([0.2, 0.9, 0.5, 1.0]), depth=1).tolist()
    [1]
    """
    chosen: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    if depth <= 0:
        return chosen[0]
    for interest in interests:
        open_ = interest.positions[allowed[interest.positions]]
        if open_.size > depth:
            open_ = open_[np.argpartition(-scores[open_], depth - 1)[:depth]]
        chosen.append(open_)
    result: IntArray = np.unique(np.concatenate(chosen))
    return result


def carries(interest: Interest, items: IntArray) -> BoolArray:
    """Which of ``items`` count for ``interest``.

    >>> carries(Interest("brand", "oaty", 1.0, np.array([2, 5])), np.array([5, 1, 2])).tolist()
    [True, False, True]
    """
    found = interest.positions
    if found.size == 0 or items.size == 0:
        return np.zeros(items.size, dtype=bool)
    at = np.minimum(np.searchsorted(found, items), found.size - 1)
    result: BoolArray = found[at] == items
    return result

"""Declared profiles as vectors for k-means: one column per declared value that enough
customers share, tf-idf weighted and L2-normalised.

Why this embedding: a declared profile is a *set* of values per facet (a customer likes
vegan and organic, never gluten), which one-hot indicators hold as they are. Weighting each
column by its inverse document frequency keeps values nearly everyone states from deciding
every distance; normalising each row to unit length makes squared Euclidean distance
``2 - 2·cos``, so k-means groups profiles by the cosine of their value sets, and a customer
who stated ten things is not far from everyone for that alone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from prefero.segments.discovery_profiles import DeclaredValue

__all__ = ["Embedding", "embed", "minimum_customers"]


@dataclass(frozen=True)
class Embedding:
    """``matrix`` row i is ``customers[i]``, column j is ``vocabulary[j]``; ``held`` is the
    same as 0/1 (who states what), for shares and rules."""

    customers: tuple[str, ...]
    vocabulary: tuple[DeclaredValue, ...]
    matrix: sp.csr_matrix
    held: sp.csr_matrix
    too_few: int

    @property
    def column(self) -> dict[DeclaredValue, int]:
        return {value: j for j, value in enumerate(self.vocabulary)}


def embed(profiles: Mapping[str, frozenset[DeclaredValue]], *, min_values: int,
          min_customers: int) -> Embedding:
    """The customers with at least ``min_values`` values that ``min_customers`` or more
    customers state (a brand one person likes says nothing about a group), as rows.

    Rows and columns are sorted (customer id, value), so the same data gives the same matrix
    and a seeded k-means the same clusters.

    >>> vegan, eco = DeclaredValue("like", "diet", "vegan"), DeclaredValue("like", "eco", "true")
    >>> e = embed({"a": frozenset({vegan, eco}), "b": frozenset({vegan}),
    ...            "c": frozenset({vegan, eco})}, min_values=2, min_customers=2)
    >>> e.customers, e.too_few, [v.key for v in e.vocabulary]
    (('a', 'c'), 1, ['like:diet=vegan', 'like:eco=true'])
    """
    counts = Counter(value for values in profiles.values() for value in values)
    vocabulary = tuple(sorted(v for v, n in counts.items() if n >= min_customers))
    column = {value: j for j, value in enumerate(vocabulary)}
    customers: list[str] = []
    rows: list[list[int]] = []
    for customer_id in sorted(profiles):
        kept = sorted(column[v] for v in profiles[customer_id] if v in column)
        if len(kept) >= min_values:
            customers.append(customer_id)
            rows.append(kept)
    indptr = np.cumsum([0] + [len(r) for r in rows], dtype=np.int64)
    indices = np.array([j for r in rows for j in r], dtype=np.int64)
    shape = (len(customers), len(vocabulary))
    held = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
    # Document frequency among the rows that take part, smoothed as scikit-learn's
    # TfidfTransformer does, so that a value held by every row still weighs 1, not 0.
    frequency = np.asarray(held.sum(axis=0)).ravel()
    idf = np.log((1.0 + len(customers)) / (1.0 + frequency)) + 1.0
    weighted = sp.csr_matrix(held.multiply(idf.reshape(1, -1)))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = sp.csr_matrix(sp.diags(1.0 / norms) @ weighted)
    return Embedding(customers=tuple(customers), vocabulary=vocabulary, matrix=matrix,
                     held=held, too_few=len(profiles) - len(customers))


def minimum_customers(participants: int) -> int:
    """How many customers must share a value for it to be a column: 1 % of those with
    declared values, at least 3.

    >>> minimum_customers(100), minimum_customers(2000)
    (3, 20)
    """
    return max(3, math.ceil(participants / 100))

"""Synthetic interaction data with a known answer, shared by the model tests.

Items fall into clusters of ``cluster_size``; each user stays in one cluster and walks its
items in order (item ``i`` is followed by the next item of the same cluster, cyclically),
starting anywhere. A cluster is also the items' one attribute. So the next item is
predictable from the last one (sequential models), from the set of seen items
(collaborative models) and from the attributes (content models), while the popularity of
items is nearly flat and tells nothing.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from prefero.models.base import IntArray, TrainingData, Validation

__all__ = ["clustered", "split"]


def clustered(*, n_users: int = 240, n_clusters: int = 6, cluster_size: int = 10,
              seed: int = 0) -> tuple[list[IntArray], int, sp.csr_matrix]:
    """Full sequences (length 6..9), the number of items and the attribute matrix."""
    rng = np.random.default_rng(seed)
    n_items = n_clusters * cluster_size
    sequences: list[IntArray] = []
    for _ in range(n_users):
        cluster = int(rng.integers(n_clusters))
        start = int(rng.integers(cluster_size))
        length = int(rng.integers(6, 10))
        offsets = (start + np.arange(length)) % cluster_size
        sequences.append((cluster * cluster_size + offsets).astype(np.int64))
    clusters = np.arange(n_items) // cluster_size
    attributes = sp.csr_matrix(
        (np.ones(n_items, dtype=np.float32), (np.arange(n_items), clusters)),
        shape=(n_items, n_clusters),
    )
    return sequences, n_items, attributes


def split(sequences: list[IntArray], n_items: int, attributes: sp.csr_matrix | None
          ) -> tuple[TrainingData, Validation, TrainingData, Validation]:
    """Leave-one-out: (train data, validation), then (train + validation item, test)."""
    train = [s[:-2] for s in sequences]
    before_test = [s[:-1] for s in sequences]
    valid = Validation(histories=train, targets=np.array([s[-2] for s in sequences]))
    test = Validation(histories=before_test, targets=np.array([s[-1] for s in sequences]))
    return (TrainingData(train, n_items, item_attributes=attributes), valid,
            TrainingData(before_test, n_items, item_attributes=attributes), test)

"""Per-user item sequences, read from S3-Rec style files, split leave-one-out by time.

The sequences file format is one line per user, ``user_id item item ...`` in time order.
Raw ids are kept as strings and remapped to dense integers (``0..n-1``) in order of first
appearance, so the evaluator works on any file of that format, not only on integer-id
datasets. Interaction tables (CSV, RecBole) are read by ``prefero.evaluation.interactions``
into the same ``SequenceData``, with timestamps and weights kept alongside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "FloatArray",
    "IntArray",
    "LeaveOneOut",
    "SequenceData",
    "attribute_matrix",
    "leave_one_out",
    "read_item_attributes",
    "read_sequences",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SequenceData:
    """Per-user item sequences over dense item indices, with the id mappings.

    ``timestamps[u]`` and ``weights[u]`` (optional, from interaction tables) are aligned
    with ``sequences[u]``: each interaction's time in seconds and its strength.
    """

    user_ids: list[str]
    item_ids: list[str]
    sequences: list[IntArray]
    timestamps: list[FloatArray] | None = None
    weights: list[FloatArray] | None = None

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_interactions(self) -> int:
        return sum(len(s) for s in self.sequences)

    def item_index(self) -> dict[str, int]:
        return {raw: i for i, raw in enumerate(self.item_ids)}


def read_sequences(path: Path) -> SequenceData:
    """Parse a sequences file; blank lines and users without items are ignored.

    >>> # "u1 10 11 10" becomes user "u1" with items [0, 1, 0]
    """
    user_ids: list[str] = []
    sequences: list[IntArray] = []
    index: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2:
                continue
            items = [index.setdefault(raw, len(index)) for raw in parts[1:]]
            user_ids.append(parts[0])
            sequences.append(np.asarray(items, dtype=np.int64))
    return SequenceData(user_ids=user_ids, item_ids=list(index), sequences=sequences)


def read_item_attributes(path: Path, data: SequenceData) -> list[tuple[str, ...]]:
    """Attributes per dense item index from ``{"item": [attr, ...]}``; items the file does
    not mention (or that never occur in a sequence) get an empty tuple."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of item -> [attribute, ...]")
    attributes: list[tuple[str, ...]] = [() for _ in range(data.n_items)]
    index = data.item_index()
    for item, values in raw.items():
        position = index.get(str(item))
        if position is not None and isinstance(values, list):
            attributes[position] = tuple(str(v) for v in values)
    return attributes


@dataclass(frozen=True, slots=True)
class LeaveOneOut:
    """Leave-one-out split: ``train[u]`` is all but the last two items of kept user ``u``,
    ``valid[u]`` the second to last, ``test[u]`` the last. ``full`` keeps whole sequences
    (only the reference PopRec may look at them); ``users`` maps back to input rows.
    ``timestamps`` and ``weights`` (when the data has them) are aligned with ``full``."""

    users: IntArray
    train: list[IntArray]
    valid: IntArray
    test: IntArray
    full: list[IntArray]
    n_items: int
    skipped_users: int
    timestamps: list[FloatArray] | None = None
    weights: list[FloatArray] | None = None

    @property
    def n_users(self) -> int:
        return len(self.train)

    def test_histories(self) -> list[IntArray]:
        """Everything before the test item (the training prefix plus the validation item)."""
        return [s[:-1] for s in self.full]

    def prefix_timestamps(self, *, drop: int) -> list[FloatArray] | None:
        """Timestamps of each user's sequence without its last ``drop`` interactions
        (``drop=2`` aligns with ``train``, ``drop=1`` with ``test_histories()``)."""
        return None if self.timestamps is None else [t[:-drop] for t in self.timestamps]

    def prefix_weights(self, *, drop: int) -> list[FloatArray] | None:
        """Weights, cut like ``prefix_timestamps``."""
        return None if self.weights is None else [w[:-drop] for w in self.weights]


def leave_one_out(data: SequenceData) -> LeaveOneOut:
    """Split by time; users with fewer than 3 items cannot give a train, validation and test
    item, so they are skipped and counted."""
    users: list[int] = []
    train: list[IntArray] = []
    valid: list[int] = []
    test: list[int] = []
    full: list[IntArray] = []
    skipped = 0
    for row, seq in enumerate(data.sequences):
        if len(seq) < 3:
            skipped += 1
            continue
        users.append(row)
        train.append(seq[:-2])
        valid.append(int(seq[-2]))
        test.append(int(seq[-1]))
        full.append(seq)
    timestamps = None if data.timestamps is None else [data.timestamps[r] for r in users]
    weights = None if data.weights is None else [data.weights[r] for r in users]
    return LeaveOneOut(
        users=np.asarray(users, dtype=np.int64),
        train=train,
        valid=np.asarray(valid, dtype=np.int64),
        test=np.asarray(test, dtype=np.int64),
        full=full,
        n_items=data.n_items,
        skipped_users=skipped,
        timestamps=timestamps,
        weights=weights,
    )


def attribute_matrix(attributes: list[tuple[str, ...]]) -> tuple[sp.csr_matrix, list[str]]:
    """The binary ``n_items × n_attributes`` matrix models read as side information, and
    the attribute names in column order (order of first appearance).

    >>> m, names = attribute_matrix([("a", "b"), (), ("b",)])
    >>> m.toarray().tolist(), names
    ([[1.0, 1.0], [0.0, 0.0], [0.0, 1.0]], ['a', 'b'])
    """
    names: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for item, values in enumerate(attributes):
        for value in dict.fromkeys(values):
            rows.append(item)
            cols.append(names.setdefault(value, len(names)))
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(attributes), len(names)),
    )
    return matrix, list(names)

"""The recommender model interface: one base class that offline evaluation, ``prefero
train`` and the live pipeline all drive.

Every model scores items from a *history* (a customer's consented, time-ordered item
indices), never from a stored per-user vector. Two things follow: a customer who withdraws
tracking consent is served without their history on the very next request (nothing learned
about them personally survives in the artefact), and a brand-new customer needs no retraining.

A model's state is a flat set of NumPy arrays plus JSON parameters, saved as ``arrays.npz``
(``allow_pickle=False``) and ``model.json``; ``load`` never unpickles anything.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "ARRAYS_FILE",
    "MODEL_FILE",
    "EmbeddingModel",
    "FloatArray",
    "IntArray",
    "ItemRecommender",
    "ModelFormatError",
    "TrainingData",
    "Validation",
    "attributes_from_state",
    "attributes_state",
    "binary_attributes",
    "item_counts",
    "newest_weights",
    "popularity_tiebreak",
    "read_manifest",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

ARRAYS_FILE = "arrays.npz"
MODEL_FILE = "model.json"

#: Tie-break scale: far below any real score difference a model produces, far above the
#: resolution of float64 for scores of order one.
TIEBREAK_EPSILON = 1e-9


class ModelFormatError(ValueError):
    """A saved model is missing, of another model, or of a format this build cannot read."""


def item_counts(sequences: Sequence[IntArray], n_items: int) -> IntArray:
    """Interaction count per item (repeats count every time).

    >>> item_counts([np.array([0, 2, 2])], 3).tolist()
    [1, 0, 2]
    """
    nonempty = [s for s in sequences if len(s)]
    if not nonempty:
        return np.zeros(n_items, dtype=np.int64)
    return np.bincount(np.concatenate(nonempty), minlength=n_items).astype(np.int64)


def newest_weights(history: IntArray, *, recency: float) -> tuple[IntArray, FloatArray]:
    """The history's distinct items (ascending) and ``recency ** age`` of each one's newest
    occurrence (age 0 for the last item): a repeat refreshes an item, it does not add up.

    >>> items, weights = newest_weights(np.array([4, 2, 4]), recency=0.5)
    >>> items.tolist(), weights.tolist()
    ([2, 4], [0.5, 1.0])
    """
    items, age = np.unique(np.asarray(history, dtype=np.int64)[::-1], return_index=True)
    return items.astype(np.int64), np.power(recency, age.astype(np.float64))


def binary_attributes(matrix: sp.spmatrix | None, n_items: int) -> sp.csr_matrix:
    """``matrix`` as a float64 CSR of ones (an attribute is carried or not); an
    ``n_items × 0`` matrix when there is none.

    >>> binary_attributes(sp.csr_matrix(np.array([[2.0, 0.0]])), 1).toarray().tolist()
    [[1.0, 0.0]]
    """
    if matrix is None:
        return sp.csr_matrix((n_items, 0), dtype=np.float64)
    binary = sp.csr_matrix(matrix, dtype=np.float64)
    binary.sum_duplicates()
    binary.data[:] = 1.0
    return binary


def attributes_state(matrix: sp.csr_matrix) -> dict[str, NDArray[Any]]:
    """The arrays that save a binary attribute matrix (see ``attributes_from_state``)."""
    return {
        "attr_indptr": matrix.indptr.astype(np.int64),
        "attr_indices": matrix.indices.astype(np.int64),
        "n_attributes": np.array([matrix.shape[1]], dtype=np.int64),
    }


def attributes_from_state(arrays: Mapping[str, NDArray[Any]], n_items: int) -> sp.csr_matrix:
    """The binary attribute matrix saved by ``attributes_state``.

    >>> m = binary_attributes(sp.csr_matrix(np.array([[0.0, 3.0]])), 1)
    >>> attributes_from_state(attributes_state(m), 1).toarray().tolist()
    [[0.0, 1.0]]
    """
    indices = np.asarray(arrays["attr_indices"], dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(indices)), indices, np.asarray(arrays["attr_indptr"], dtype=np.int64)),
        shape=(n_items, int(np.asarray(arrays["n_attributes"])[0])))


@dataclass(frozen=True, slots=True)
class TrainingData:
    """What a model learns from.

    ``sequences[u]`` is user ``u``'s items in time order (dense indices ``0..n_items-1``,
    repeats allowed). ``timestamps[u]`` (optional) gives each interaction's time in seconds,
    aligned with ``sequences[u]``. ``item_attributes`` (optional) is a binary
    ``n_items × n_attributes`` CSR matrix of side information (brand, category, genre...).
    ``weights[u]`` (optional) is each interaction's strength (a purchase counts more than a
    view); models that cannot use it ignore it.
    """

    sequences: Sequence[IntArray]
    n_items: int
    item_attributes: sp.csr_matrix | None = None
    timestamps: Sequence[FloatArray] | None = None
    weights: Sequence[FloatArray] | None = None

    @property
    def n_users(self) -> int:
        return len(self.sequences)

    def item_counts(self) -> IntArray:
        """Interactions per item (repeats count every time)."""
        return item_counts(self.sequences, self.n_items)

    def user_item_matrix(self, *, binary: bool = True) -> sp.csr_matrix:
        """``n_users × n_items`` CSR of the sequences (1 per seen item when ``binary``,
        else the number of times seen)."""
        lengths = np.fromiter((len(s) for s in self.sequences), dtype=np.int64,
                              count=len(self.sequences))
        rows = np.repeat(np.arange(len(self.sequences)), lengths)
        cols = (np.concatenate(list(self.sequences)) if lengths.sum()
                else np.zeros(0, dtype=np.int64))
        matrix = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                               shape=(len(self.sequences), self.n_items))
        matrix.sum_duplicates()
        if binary:
            matrix.data[:] = 1.0
        return matrix


@dataclass(frozen=True, slots=True)
class Validation:
    """Held-out next items for choosing hyper-parameters: ``targets[u]`` follows
    ``histories[u]``. Models may read it only to choose among their own settings."""

    histories: Sequence[IntArray]
    targets: IntArray
    #: Cap on the users a hyper-parameter search scores (a seeded sample when more).
    max_users: int = 10_000


def popularity_tiebreak(counts: NDArray[Any], *, scale: float = TIEBREAK_EPSILON) -> FloatArray:
    """A tiny, strictly decreasing-with-rank bonus per item: more popular first, then lower
    index. Added to a model's scores, it breaks every tie the pessimistic ranking rule would
    otherwise count against the model, without reordering any real difference.

    >>> popularity_tiebreak(np.array([1, 5, 5]), scale=1.0).round(3).tolist()
    [0.333, 1.0, 0.667]
    """
    n = len(counts)
    order = np.lexsort((np.arange(n), -np.asarray(counts, dtype=np.float64)))
    bonus = np.empty(n, dtype=np.float64)
    bonus[order] = scale * (n - np.arange(n, dtype=np.float64)) / max(n, 1)
    return bonus


def read_manifest(folder: Path) -> dict[str, Any]:
    """The ``model.json`` of a saved model."""
    path = folder / MODEL_FILE
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{folder}: no {MODEL_FILE}; not a saved model") from exc
    if not isinstance(manifest, dict) or "name" not in manifest:
        raise ModelFormatError(f"{path}: not a model manifest")
    return manifest


class ItemRecommender(ABC):
    """Base class of every recommender model.

    Subclasses set ``name`` and ``format_version``, implement ``fit``, ``score``,
    ``_state`` and ``_restore``, and keep all randomness behind ``self.seed``. ``params``
    holds the hyper-parameters that ``fit`` chose (JSON-serialisable); a model constructed
    with the same ``params`` and refitted on the same data gives the same scores.

    >>> # model = Transitions(seed=0).fit(data, validation=validation)
    >>> # model.recommend(np.array([3, 7]), k=10)
    """

    name: ClassVar[str]
    format_version: ClassVar[int] = 1
    #: Whether ``fit`` reads ``TrainingData.item_attributes`` when given.
    uses_attributes: ClassVar[bool] = False
    #: Rough relative cost of fit plus search: when models are fitted side by side, the
    #: costliest start first, so that the last one to finish does not start last.
    cost: ClassVar[int] = 1
    #: Whether the model answers declared preference forms rather than scoring histories:
    #: the request path reads it for forms only and never averages it with the others.
    answers_forms: ClassVar[bool] = False

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        self.seed = seed
        self.params: dict[str, Any] = dict(params or {})
        #: Validation NDCG@10 per setting tried by the last search (for reports).
        self.search_log: list[dict[str, Any]] = []
        self.n_items = 0

    # ---- learning --------------------------------------------------------------------
    @abstractmethod
    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        """Learn from ``data``. With ``validation``, choose hyper-parameters by a small,
        bounded search scored on it; without, keep ``self.params`` (or the defaults)."""

    def refit(self, data: TrainingData) -> Self:
        """Learn again on (usually more) data with the hyper-parameters already chosen."""
        return self.fit(data, validation=None)

    # ---- scoring ---------------------------------------------------------------------
    @abstractmethod
    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        """``(len(histories), n_items)`` scores, higher is better. Scores must not tie
        (add ``popularity_tiebreak``): the evaluator counts ties against the model. Seen
        items are NOT removed here; ``recommend`` does that."""

    def recommend(
        self, history: IntArray, *, k: int, exclude: IntArray | None = None,
        exclude_seen: bool = True,
    ) -> tuple[IntArray, FloatArray]:
        """The ``k`` best items for one history, best first, and their scores. Items in
        ``exclude`` (and in ``history`` when ``exclude_seen``) are never returned."""
        items, scores = self.recommend_batch([history], k=k, exclude=exclude,
                                             exclude_seen=exclude_seen)
        return items[0], scores[0]

    def recommend_batch(
        self, histories: Sequence[IntArray], *, k: int, exclude: IntArray | None = None,
        exclude_seen: bool = True,
    ) -> tuple[IntArray, FloatArray]:
        """Row ``i`` holds the best ``k`` items for ``histories[i]`` (``-1`` where fewer
        than ``k`` items remain) and their scores (``-inf`` there)."""
        scores = np.array(self.score(histories), dtype=np.float64)
        if exclude is not None and len(exclude):
            scores[:, np.asarray(exclude, dtype=np.int64)] = -np.inf
        if exclude_seen:
            for row, history in enumerate(histories):
                if len(history):
                    scores[row, np.asarray(history, dtype=np.int64)] = -np.inf
        k = max(0, min(k, scores.shape[1]))
        if k == 0:
            return (np.zeros((len(histories), 0), dtype=np.int64),
                    np.zeros((len(histories), 0), dtype=np.float64))
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        items = np.take_along_axis(part, order, axis=1).astype(np.int64)
        best = np.take_along_axis(part_scores, order, axis=1)
        items[~np.isfinite(best)] = -1
        return items, best

    # ---- persistence -----------------------------------------------------------------
    @abstractmethod
    def _state(self) -> dict[str, NDArray[Any]]:
        """The arrays that, with ``params``, fully describe the fitted model."""

    @abstractmethod
    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        """Inverse of ``_state`` (``params``, ``n_items`` and ``seed`` are already set)."""

    def save(self, folder: Path) -> None:
        """Write ``arrays.npz`` and ``model.json`` into ``folder`` (created if missing)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {key: np.asarray(value) for key, value in self._state().items()}
        for key, value in arrays.items():
            if value.dtype == object:
                raise TypeError(f"{self.name}: array {key!r} has dtype object; not saveable")
        with (folder / ARRAYS_FILE).open("wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
        manifest = {
            "name": self.name,
            "format": self.format_version,
            "n_items": self.n_items,
            "seed": self.seed,
            "params": self.params,
        }
        (folder / MODEL_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> Self:
        """Read a model saved by ``save``; checks the name and format first."""
        manifest = read_manifest(folder)
        if manifest["name"] != cls.name:
            raise ModelFormatError(f"{folder} holds a {manifest['name']!r} model, "
                                   f"not {cls.name!r}")
        if manifest.get("format") != cls.format_version:
            raise ModelFormatError(
                f"{folder}: {cls.name} format {manifest.get('format')}, this build reads "
                f"{cls.format_version}: run `prefero train` again")
        model = cls(seed=int(manifest.get("seed", 0)), params=manifest.get("params") or {})
        model.n_items = int(manifest["n_items"])
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as stored:
            model._restore({key: stored[key] for key in stored.files})
        return model


@runtime_checkable
class EmbeddingModel(Protocol):
    """A model whose score is a dot product: ``score(h) = query_vectors(h) @ item_vectors().T``
    (plus at most a per-item bias folded into an extra dimension). Such a model can be
    served from a nearest-neighbour index instead of scoring every item."""

    def item_vectors(self) -> NDArray[np.float32]:
        """``n_items × d`` item vectors."""

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        """``len(histories) × d`` query vectors."""

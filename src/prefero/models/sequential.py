"""A self-attentive sequential next-item model (SASRec) trained with a full softmax.

A causal transformer reads the last ``max_len`` items of a history and its output at each
position is scored against every item's embedding; the same embeddings are the input
(tied weights). Training is cross-entropy over the whole catalogue at every position of
every training sequence: recent work (the "SASRec with cross-entropy" and gSASRec papers)
shows that this beats the original sampled binary loss by a wide margin, and it needs no
negative sampling. When ``TrainingData.item_attributes`` is given, each item's embedding
gets the mean of its attributes' learned embeddings added, so rare and unseen items share
what their brand or category learned.

Positions count from the start of the (truncated) history and skip the left padding, so
the output after ``history[:t + 1]`` inside a training pass is exactly what ``score``
computes for that prefix: training optimises the function that is served.

An empty history has nothing to attend to; it is answered with the training popularity,
folded into one extra dimension of the item vectors so that the whole model stays a dot
product (``EmbeddingModel``) and can be served from a nearest-neighbour index.

PyTorch is an optional extra (``pip install 'prefero[sequential]'``); only this module
imports it, and the registry imports this module lazily.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

# Idle OpenMP threads of torch's runtime spin by default; on a machine whose cores are busy
# with other work (API workers, other jobs) the spinning made a training step ten times
# slower. The runtime reads this once, when torch is first imported; an explicit setting
# wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    TrainingData,
    Validation,
    popularity_tiebreak,
)
from prefero.models.tuning import Search, sample_validation, validation_ndcg

__all__ = ["DEFAULTS", "SASRec"]

#: Hyper-parameters and run-time settings; ``fit`` stores the effective values (plus the
#: chosen ``epochs``) in ``params``.
DEFAULTS: dict[str, Any] = {
    "max_len": 50,          # items of history read (Amazon-style histories are short)
    "dim": 64,
    "blocks": 2,
    "heads": 1,
    "dropout": 0.2,
    "lr": 2e-3,
    "weight_decay": 0.01,
    "batch_size": 128,      # training sequences per step
    "attributes": True,     # add attribute embeddings when the data has attributes
    "bf16_logits": True,    # training-only: the catalogue-wide matmul and softmax in bfloat16
    "max_epochs": 200,
    "patience": 2,          # evaluations without a better validation NDCG@10 before stopping
    "eval_steps": 20,       # evaluate at least this many steps apart (tiny data: many epochs)
    "refit_epochs": 1.0,    # refit: further epochs from the fitted weights on the new data
    # Stop training gracefully after this long (per fit / refit), keeping the best weights
    # so far: a budget, so that a whole evaluation fits its time on two CPU cores (early
    # stopping alone ran ten minutes on one core on Amazon Sports). None: no budget.
    "max_seconds": 300,
    "threads": None,        # torch CPU threads (None: 1 for a small catalogue, else torch's)
    "device": "auto",       # "auto" (CUDA when available), "cpu" or "cuda"
}

_log = logging.getLogger(__name__)

#: Without a validation set and without chosen ``epochs``, train about this many steps.
_DEFAULT_STEPS = 1500
#: Below this many items every tensor is tiny and OpenMP threads cost more than they save
#: (on a busy machine their spin-waits make a small fit ten times slower).
_SMALL_CATALOGUE = 5_000
#: Users scored per forward pass at inference.
_SCORE_BATCH = 1024
_STATE_PREFIX = "net__"


@dataclass(frozen=True, slots=True)
class _Architecture:
    n_items: int
    n_attributes: int
    max_len: int
    dim: int
    blocks: int
    heads: int
    dropout: float


class _Block(nn.Module):
    """Pre-norm transformer block: causal self-attention, then a position-wise MLP."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads = heads
        self.dropout = dropout
        self.norm_attention = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.project = nn.Linear(dim, dim)
        self.norm_mlp = nn.LayerNorm(dim)
        self.hidden = nn.Linear(dim, dim)
        self.output = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v = self.qkv(self.norm_attention(x)).split(dim, dim=2)
        shape = (batch, length, self.heads, dim // self.heads)
        attended = F.scaled_dot_product_attention(
            q.view(shape).transpose(1, 2), k.view(shape).transpose(1, 2),
            v.view(shape).transpose(1, 2), attn_mask=allowed,
            dropout_p=self.dropout if self.training else 0.0,
        ).transpose(1, 2).reshape(batch, length, dim)
        x = x + self.drop(self.project(attended))
        mlp = self.output(self.drop(F.gelu(self.hidden(self.norm_mlp(x)))))
        out: torch.Tensor = x + self.drop(mlp)
        return out


class _Network(nn.Module):
    """Item (+ attribute) and position embeddings, causal blocks, a final norm.

    Item index 0 is padding; item ``i`` of the catalogue is row ``i + 1``.
    """

    def __init__(self, arch: _Architecture, attributes: sp.csr_matrix | None) -> None:
        super().__init__()
        self.arch = arch
        self.items = nn.Embedding(arch.n_items + 1, arch.dim, padding_idx=0)
        self.positions = nn.Embedding(arch.max_len, arch.dim)
        nn.init.normal_(self.items.weight, std=arch.dim ** -0.5)
        nn.init.normal_(self.positions.weight, std=arch.dim ** -0.5)
        with torch.no_grad():
            self.items.weight[0].zero_()
        self.attributes: nn.EmbeddingBag | None = None
        if arch.n_attributes and attributes is not None:
            self.attributes = nn.EmbeddingBag(arch.n_attributes, arch.dim, mode="sum")
            nn.init.normal_(self.attributes.weight, std=arch.dim ** -0.5)
            counts = np.diff(attributes.indptr)
            weights = np.repeat(1.0 / np.maximum(counts, 1), counts)  # a mean per item
            self.register_buffer("bag_indices", torch.as_tensor(
                attributes.indices.astype(np.int64)), persistent=False)
            self.register_buffer("bag_offsets", torch.as_tensor(
                attributes.indptr[:-1].astype(np.int64)), persistent=False)
            self.register_buffer("bag_weights", torch.as_tensor(
                weights.astype(np.float32)), persistent=False)
        self.blocks = nn.ModuleList(
            _Block(arch.dim, arch.heads, arch.dropout) for _ in range(arch.blocks))
        self.norm = nn.LayerNorm(arch.dim)
        self.drop = nn.Dropout(arch.dropout)

    def item_table(self) -> torch.Tensor:
        """``(n_items + 1) × dim`` input/output embeddings (row 0, padding, is zero)."""
        table = self.items.weight
        if self.attributes is None:
            return table
        means = self.attributes(self.bag_indices, self.bag_offsets,
                                per_sample_weights=self.bag_weights)
        return table + F.pad(means, (0, 0, 1, 0))

    def forward(self, sequences: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """Hidden state after every position of left-padded ``sequences`` (B × L)."""
        real = sequences > 0
        # Positions count real items from the start, so left padding changes nothing.
        positions = (real.long().cumsum(dim=1) - 1).clamp(min=0)
        x = self.drop(table[sequences] + self.positions(positions))
        length = sequences.shape[1]
        causal = torch.ones(length, length, dtype=torch.bool,
                            device=sequences.device).tril()
        itself = torch.eye(length, dtype=torch.bool, device=sequences.device)
        # A padding query may see only itself (no row without keys, so no NaN); a real
        # query never sees padding.
        allowed = (causal & (real[:, None, :] | itself))[:, None, :, :]
        for block in self.blocks:
            x = block(x, allowed)
        hidden: torch.Tensor = self.norm(x)
        return hidden


def _windows(sequences: Sequence[IntArray], max_len: int) -> tuple[IntArray, IntArray]:
    """Left-padded training windows: ``inputs[w, j]`` is followed by ``targets[w, j]``
    (indices shifted by one, 0 is padding). A history longer than ``max_len + 1`` is cut
    into windows from its end, so every transition is a target exactly once."""
    inputs: list[IntArray] = []
    targets: list[IntArray] = []
    for sequence in sequences:
        shifted = np.asarray(sequence, dtype=np.int64) + 1
        end = len(shifted)
        while end >= 2:
            window = shifted[max(0, end - max_len - 1):end]
            row_in = np.zeros(max_len, dtype=np.int64)
            row_out = np.zeros(max_len, dtype=np.int64)
            row_in[max_len - len(window) + 1:] = window[:-1]
            row_out[max_len - len(window) + 1:] = window[1:]
            inputs.append(row_in)
            targets.append(row_out)
            end -= max_len
    if not inputs:
        empty = np.zeros((0, max_len), dtype=np.int64)
        return empty, empty.copy()
    return np.stack(inputs), np.stack(targets)


def _pad_histories(histories: Sequence[IntArray], max_len: int) -> IntArray:
    """The last ``max_len`` items of each history, left-padded, shifted by one."""
    width = max(1, min(max_len, max((len(h) for h in histories), default=1)))
    padded = np.zeros((len(histories), width), dtype=np.int64)
    for row, history in enumerate(histories):
        recent = np.asarray(history, dtype=np.int64)[-width:]
        if len(recent):
            padded[row, width - len(recent):] = recent + 1
    return padded


def _resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device(name)


@contextmanager
def _threads(threads: int | None, n_items: int) -> Iterator[None]:
    """Run with ``threads`` torch CPU threads (``None``: one for a small catalogue, else
    unchanged); the previous count is restored."""
    old = torch.get_num_threads()
    wanted = int(threads) if threads else (1 if n_items < _SMALL_CATALOGUE else old)
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@contextmanager
def _torch_session(*, seed: int, threads: int | None, n_items: int,
                   device: torch.device) -> Iterator[None]:
    """Seeded, deterministic torch state for one fit, restored afterwards: the global RNG
    (dropout draws from it), the thread count and the determinism switch."""
    old_deterministic = torch.are_deterministic_algorithms_enabled()
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), _threads(threads, n_items):
        torch.manual_seed(seed)
        try:
            # CUDA would need CUBLAS_WORKSPACE_CONFIG for this; CPU kernels are covered.
            if device.type == "cpu":
                torch.use_deterministic_algorithms(True)
            yield
        finally:
            torch.use_deterministic_algorithms(old_deterministic)


class SASRec(ItemRecommender):
    """Causal self-attention over the recent history, full-softmax trained; see the module
    docstring. ``fit`` with validation trains until the validation item's NDCG@10 stops
    improving and keeps the best weights; ``refit`` continues from them.

    >>> # model = SASRec(seed=0, params={"max_seconds": 300}).fit(train, validation=valid)
    >>> # model.recommend(np.array([3, 7]), k=10)
    """

    name = "sasrec"
    cost = 100
    uses_attributes = True

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self._network: _Network | None = None
        self._attributes: sp.csr_matrix | None = None
        self._counts: IntArray = np.zeros(0, dtype=np.int64)
        self._table: NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)
        #: Per-evaluation log of the last fit: epoch, validation NDCG@10, seconds.
        self.training_log: list[dict[str, float]] = []

    # ---- settings --------------------------------------------------------------------
    def _setting(self, key: str) -> Any:
        return self.params.get(key, DEFAULTS[key])

    def _device(self) -> torch.device:
        return _resolve_device(str(self._setting("device")))

    def _architecture(self, n_items: int, attributes: sp.csr_matrix | None) -> _Architecture:
        return _Architecture(
            n_items=n_items,
            n_attributes=0 if attributes is None else int(attributes.shape[1]),
            max_len=int(self._setting("max_len")), dim=int(self._setting("dim")),
            blocks=int(self._setting("blocks")), heads=int(self._setting("heads")),
            dropout=float(self._setting("dropout")),
        )

    def _used_attributes(self, data: TrainingData) -> sp.csr_matrix | None:
        if not self._setting("attributes") or data.item_attributes is None:
            return None
        matrix = sp.csr_matrix(data.item_attributes)
        if matrix.shape[0] != data.n_items:
            raise ValueError(f"item_attributes has {matrix.shape[0]} rows for "
                             f"{data.n_items} items")
        matrix.sum_duplicates()
        matrix.sort_indices()
        return matrix

    # ---- learning --------------------------------------------------------------------
    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        """Train from fresh weights. With ``validation``: until its NDCG@10 has not improved
        for ``patience`` evaluations (or ``max_epochs`` / ``max_seconds``), keeping the
        best weights and recording their epoch count as ``params["epochs"]``. Without:
        for ``params["epochs"]`` epochs."""
        params = {**DEFAULTS, **self.params}
        self.params = params
        self.training_log = []
        attributes = self._used_attributes(data)
        device = self._device()
        with _torch_session(seed=self.seed, threads=params["threads"], n_items=data.n_items,
                            device=device):
            network = _Network(self._architecture(data.n_items, attributes), attributes)
            self._network = network.to(device)
            self._attributes = attributes
            self._set_counts(data)
            epochs = None if validation is not None else params.get("epochs")
            best_epochs = self._train(data, validation=validation, epochs=epochs)
        if validation is not None:
            params["epochs"] = round(best_epochs, 3)
        self._cache_table()
        return self

    def refit(self, data: TrainingData) -> Self:
        """Keep the chosen hyper-parameters. A fitted model continues from its weights for
        ``refit_epochs`` epochs on ``data`` (cheap: the data usually grew by one item per
        user); an unfitted one trains from scratch for ``params["epochs"]`` epochs."""
        attributes = self._used_attributes(data)
        network = self._network
        if network is None or network.arch != self._architecture(data.n_items, attributes):
            return self.fit(data, validation=None)
        device = self._device()
        with _torch_session(seed=self.seed + 1, threads=self._setting("threads"),
                            n_items=data.n_items, device=device):
            self._network = network.to(device)
            self._attributes = attributes
            self._set_counts(data)
            self._train(data, validation=None, epochs=float(self._setting("refit_epochs")))
        self._cache_table()
        return self

    def _set_counts(self, data: TrainingData) -> None:
        self.n_items = data.n_items
        self._counts = data.item_counts()
        self._tiebreak = popularity_tiebreak(self._counts)

    def _train(self, data: TrainingData, *, validation: Validation | None,
               epochs: float | None) -> float:
        """Run the optimiser; returns the epoch count of the kept weights."""
        network = self._network
        assert network is not None
        device = next(network.parameters()).device
        started = time.monotonic()
        max_seconds = self._setting("max_seconds")
        deadline = None if max_seconds is None else started + float(max_seconds)
        inputs, targets = _windows(data.sequences, network.arch.max_len)
        batch_size = int(self._setting("batch_size"))
        steps_per_epoch = max(1, math.ceil(len(inputs) / batch_size))
        if epochs is None and validation is None:
            epochs = max(1.0, _DEFAULT_STEPS / steps_per_epoch)
        total_steps = (round(epochs * steps_per_epoch) if epochs is not None
                       else int(self._setting("max_epochs")) * steps_per_epoch)
        eval_every = steps_per_epoch * max(
            1, math.ceil(int(self._setting("eval_steps")) / steps_per_epoch))
        sample = sample_validation(validation, seed=self.seed) if validation else None

        optimiser = torch.optim.AdamW(network.parameters(), lr=float(self._setting("lr")),
                                      weight_decay=float(self._setting("weight_decay")))
        generator = torch.Generator().manual_seed(self.seed)
        inputs_t = torch.as_tensor(inputs)
        targets_t = torch.as_tensor(targets)
        bf16 = bool(self._setting("bf16_logits"))
        search = Search()
        best_state: dict[str, torch.Tensor] | None = None
        best_step, waited, step = 0, 0, 0
        network.train()
        while step < total_steps and len(inputs):
            order = torch.randperm(len(inputs), generator=generator)
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                batch_in, batch_out = inputs_t[rows], targets_t[rows]
                width = int((batch_in > 0).sum(dim=1).max())
                loss = self._loss(network, batch_in[:, -width:].to(device),
                                  batch_out[:, -width:].to(device), bf16=bf16)
                optimiser.zero_grad(set_to_none=True)
                torch.autograd.backward(loss)
                optimiser.step()
                step += 1
                out_of_time = deadline is not None and time.monotonic() >= deadline
                evaluate = sample is not None and (step % eval_every == 0 or out_of_time
                                                   or step == total_steps)
                if evaluate:
                    assert sample is not None
                    ndcg = self._evaluate(sample)
                    row = {"epoch": step / steps_per_epoch, "val_NDCG@10": ndcg,
                           "seconds": time.monotonic() - started}
                    self.training_log.append(row)
                    _log.info("sasrec epoch %(epoch).2f: validation NDCG@10 %(val_NDCG@10).4f "
                              "after %(seconds).0f s", row)
                    network.train()
                    if search.offer({"epochs": round(step / steps_per_epoch, 3)}, ndcg):
                        best_state = {k: v.detach().clone()
                                      for k, v in network.state_dict().items()}
                        best_step, waited = step, 0
                    else:
                        waited += 1
                if (out_of_time or step >= total_steps
                        or waited >= int(self._setting("patience"))):
                    total_steps = step
                    break
        network.eval()
        if best_state is not None:
            network.load_state_dict(best_state)
            self.search_log = search.log
            return best_step / steps_per_epoch
        return step / steps_per_epoch

    @staticmethod
    def _loss(network: _Network, inputs: torch.Tensor, targets: torch.Tensor, *,
              bf16: bool) -> torch.Tensor:
        """Cross-entropy over the whole catalogue at every non-padding position."""
        table = network.item_table()
        hidden = network(inputs, table)
        where = targets > 0
        queries = hidden[where]
        items = table[1:]
        if bf16:
            # The catalogue-wide product and softmax dominate the cost; bfloat16 halves it
            # on CPUs with bf16 instructions, and gradients need no more precision.
            logits = queries.to(torch.bfloat16) @ items.to(torch.bfloat16).T
        else:
            logits = queries @ items.T
        return F.cross_entropy(logits, targets[where] - 1)

    def _evaluate(self, sample: Validation) -> float:
        network = self._network
        assert network is not None
        network.eval()
        self._cache_table()
        return validation_ndcg(self.score, sample, n_items=self.n_items)

    # ---- scoring ---------------------------------------------------------------------
    def _cache_table(self) -> None:
        network = self._network
        assert network is not None
        with torch.no_grad():
            self._table = network.item_table()[1:].float().cpu().numpy()

    def query_vectors(self, histories: Sequence[IntArray]) -> NDArray[np.float32]:
        """One vector per history: the transformer's last hidden state, plus a last
        coordinate that is 1 for an empty history (which scores by popularity) and 0
        otherwise; see ``item_vectors``."""
        network = self._network
        if network is None:
            raise RuntimeError("SASRec: fit or load the model first")
        dim = network.arch.dim
        out = np.zeros((len(histories), dim + 1), dtype=np.float32)
        device = next(network.parameters()).device
        network.eval()
        with torch.inference_mode(), _threads(self._setting("threads"), self.n_items):
            table = torch.as_tensor(np.vstack([np.zeros((1, dim), np.float32), self._table]),
                                    device=device)
            for start in range(0, len(histories), _SCORE_BATCH):
                chunk = histories[start:start + _SCORE_BATCH]
                padded = torch.as_tensor(_pad_histories(chunk, network.arch.max_len),
                                         device=device)
                hidden = network(padded, table)[:, -1]
                out[start:start + len(chunk), :dim] = hidden.float().cpu().numpy()
        empty = np.fromiter((len(h) == 0 for h in histories), dtype=bool,
                            count=len(histories))
        out[empty] = 0.0
        out[empty, dim] = 1.0
        return out

    def item_vectors(self) -> NDArray[np.float32]:
        """``n_items × (dim + 1)``: the tied output embeddings, plus the training popularity
        (scaled to at most 1) that only an empty history's query reads."""
        peak = max(int(self._counts.max()) if len(self._counts) else 0, 1)
        popularity = (self._counts / peak).astype(np.float32)
        return np.hstack([self._table, popularity[:, None]])

    def prefix_vectors(self, history: IntArray) -> NDArray[np.float32]:
        """The query vector after every prefix ``history[:t + 1]`` (``len(history) × dim``)
        from one causal pass, as training sees them; row ``t`` equals
        ``query_vectors([history[:t + 1]])[0, :dim]`` while the history fits ``max_len``.

        >>> # model.prefix_vectors(np.array([4, 9, 2])).shape == (3, model.params["dim"])
        """
        network = self._network
        if network is None:
            raise RuntimeError("SASRec: fit or load the model first")
        recent = np.asarray(history, dtype=np.int64)[-network.arch.max_len:]
        device = next(network.parameters()).device
        network.eval()
        with torch.inference_mode(), _threads(self._setting("threads"), self.n_items):
            table = torch.as_tensor(np.vstack([np.zeros((1, network.arch.dim), np.float32),
                                               self._table]), device=device)
            hidden = network(torch.as_tensor(recent[None, :] + 1, device=device), table)[0]
            vectors: NDArray[np.float32] = hidden.float().cpu().numpy()
        return vectors

    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        queries = self.query_vectors(histories).astype(np.float64)
        # float64 product: float32 logits of nearby items can tie; the tie-break then
        # orders only exact ties (it is far below any float64 score difference).
        scores: FloatArray = queries @ self.item_vectors().astype(np.float64).T
        scores += self._tiebreak[None, :]
        return scores

    # ---- persistence -----------------------------------------------------------------
    def _state(self) -> dict[str, NDArray[Any]]:
        network = self._network
        if network is None:
            raise RuntimeError("SASRec: nothing to save before fit")
        arrays: dict[str, NDArray[Any]] = {
            _STATE_PREFIX + key.replace(".", "__"): value.detach().float().cpu().numpy()
            for key, value in network.state_dict().items()
        }
        arrays["counts"] = self._counts
        if self._attributes is not None:
            arrays["attribute_indptr"] = self._attributes.indptr.astype(np.int64)
            arrays["attribute_indices"] = self._attributes.indices.astype(np.int64)
            arrays["attribute_shape"] = np.asarray(self._attributes.shape, dtype=np.int64)
        return arrays

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        attributes = None
        if "attribute_indptr" in arrays:
            indptr = np.asarray(arrays["attribute_indptr"], dtype=np.int64)
            indices = np.asarray(arrays["attribute_indices"], dtype=np.int64)
            shape = tuple(int(v) for v in arrays["attribute_shape"])
            attributes = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices,
                                        indptr), shape=shape)
        network = _Network(self._architecture(self.n_items, attributes), attributes)
        state = {key[len(_STATE_PREFIX):].replace("__", "."): torch.as_tensor(value)
                 for key, value in arrays.items() if key.startswith(_STATE_PREFIX)}
        network.load_state_dict(state)
        self._network = network.to(self._device()).eval()
        self._attributes = attributes
        self._counts = np.asarray(arrays["counts"], dtype=np.int64)
        self._tiebreak = popularity_tiebreak(self._counts)
        self._cache_table()

"""Run the protocol for a list of models and assemble the report.

For each registered model (``prefero.models.registry``):

1. ``fit`` on the training prefixes (everything before the validation item), with the
   validation item offered for its own hyper-parameter search;
2. validation metrics: the validation item ranked from the training prefixes;
3. ``refit`` on everything before the test item, keeping the chosen hyper-parameters;
4. test metrics: the test item ranked from everything before it, plus coverage, diversity
   and novelty of the top-10 lists.

The test item is read in step 4 only. Model selection ("best") looks at the validation
item only, and never at the reference ``poprec`` (its counts include the held-out items).

With ``jobs`` above one, the models run side by side in that many worker processes (the
work of one model is mostly single-threaded, so two cores fit two models in the time of
one), each with an equal share of the cores for its own threads. The costliest models start
first. A blend's parts are saved by the workers after fitting and after refitting, and the
blend is weighed and tested on those saved models in the main process.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from prefero.evaluation.baselines import PopRec, item_counts
from prefero.evaluation.data import (
    IntArray,
    LeaveOneOut,
    SequenceData,
    attribute_matrix,
    read_item_attributes,
    read_sequences,
)
from prefero.evaluation.interactions import read_interactions, read_items
from prefero.models.base import ItemRecommender, TrainingData, Validation
from prefero.models.blend import Blend
from prefero.models.ranking import FloatArray, RankingResult, TieRule, evaluate_ranking
from prefero.models.registry import MissingExtra, load_model, model_class, model_names

__all__ = [
    "REFERENCE_MODELS",
    "EvaluationError",
    "Progress",
    "Resolve",
    "Silent",
    "available_cores",
    "dataset_stats",
    "default_models",
    "evaluate_models",
    "load_dataset",
    "resolve_models",
]

#: Evaluation-only models: checks of the evaluator, never candidates for "best".
REFERENCE_MODELS: dict[str, type[PopRec]] = {"poprec": PopRec}

#: How a model name becomes a class; the registry by default, tests pass their own.
Resolve = Callable[[str], type[ItemRecommender]]


class EvaluationError(ValueError):
    """The evaluation cannot run as asked (unknown or broken model, unusable data)."""


class Progress(Protocol):
    """Where the runner reports what it is doing (the CLI draws a progress bar)."""

    def stage(self, description: str, total: int | None) -> None:
        """A new stage of ``total`` steps starts (``None``: of unknown length)."""

    def advance(self, steps: int) -> None:
        """``steps`` more steps of the current stage are done."""


class Silent:
    """A ``Progress`` that reports nothing."""

    def stage(self, description: str, total: int | None) -> None:
        return None

    def advance(self, steps: int) -> None:
        return None


def default_models() -> list[str]:
    """The reference ``poprec`` and every registered model, in registry order."""
    return [*REFERENCE_MODELS, *model_names()]


def resolve_models(
    names: Sequence[str], *, resolve: Resolve = model_class,
) -> tuple[dict[str, type[ItemRecommender] | None], dict[str, str]]:
    """The class of each named model (``None`` for a reference model) and the models
    skipped because an optional extra is missing (name → reason). Unknown names and models
    that fail to import raise ``EvaluationError`` before any work starts.

    >>> resolve_models(["poprec", "popularity"])[0]["poprec"] is None
    True
    """
    classes: dict[str, type[ItemRecommender] | None] = {}
    skipped: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if name in REFERENCE_MODELS:
            classes[name] = None
            continue
        try:
            classes[name] = resolve(name)
        except MissingExtra as exc:
            skipped[name] = str(exc)
        except KeyError:
            known = ", ".join(default_models())
            raise EvaluationError(f"unknown model {name!r}; known: {known}") from None
        except ImportError as exc:
            raise EvaluationError(f"model {name!r} cannot be imported: {exc}") from exc
    if not classes and not skipped:
        raise EvaluationError("no model to evaluate")
    return classes, skipped


def load_dataset(
    *,
    sequences: Path | None = None,
    interactions: Path | None = None,
    item_attributes: Path | None = None,
    items: Path | None = None,
    item_columns: Sequence[str] | None = None,
) -> tuple[SequenceData, list[tuple[str, ...]] | None]:
    """Read exactly one of a sequences file or an interactions table, and optionally the
    item attributes (a JSON ``{"item": [attribute, ...]}`` or an items table).

    >>> # data, attributes = load_dataset(interactions=Path("ml-100k.inter"),
    >>> #                                 items=Path("ml-100k.item"))
    """
    if (sequences is None) == (interactions is None):
        raise EvaluationError("give exactly one of --sequences and --interactions")
    if item_attributes is not None and items is not None:
        raise EvaluationError("give at most one of --item-attributes and --items")
    if item_columns is not None and items is None:
        raise EvaluationError("--item-columns applies to --items only")
    if sequences is not None:
        data = read_sequences(sequences)
    else:
        assert interactions is not None
        data = read_interactions(interactions)
    attributes: list[tuple[str, ...]] | None = None
    if item_attributes is not None:
        attributes = read_item_attributes(item_attributes, data)
    elif items is not None:
        attributes = read_items(items, data, columns=item_columns)
    return data, attributes


def dataset_stats(data: SequenceData, split: LeaveOneOut,
                  attributes: list[tuple[str, ...]] | None) -> dict[str, Any]:
    """The ``"dataset"`` part of the report."""
    stats: dict[str, Any] = {
        "users": split.n_users,
        "items": data.n_items,
        "interactions": data.n_interactions,
        "skipped_users": split.skipped_users,
    }
    if attributes is not None:
        stats["attributes"] = len({a for attrs in attributes for a in attrs})
        stats["items_with_attributes"] = sum(1 for attrs in attributes if attrs)
    return stats


def evaluate_models(
    split: LeaveOneOut,
    names: Sequence[str],
    *,
    seed: int = 0,
    attributes: list[tuple[str, ...]] | None = None,
    resolve: Resolve = model_class,
    progress: Progress | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Fit and evaluate each named model; returns ``{"models": {name: row}, "best": name}``
    plus ``"skipped": {name: reason}`` when a model's optional extra is missing. ``jobs``
    above one runs the models in that many worker processes (``resolve`` must then be a
    module-level function, as the registry's is).

    >>> # report = evaluate_models(leave_one_out(data), ["poprec", "popularity"])
    >>> # report["best"]  -> "popularity" (poprec is a reference, never chosen)
    """
    classes, skipped = resolve_models(names, resolve=resolve)
    if split.n_users == 0:
        raise EvaluationError("no user has the 3 interactions leave-one-out needs")
    hooks: Progress = progress if progress is not None else Silent()
    matrix = attribute_matrix(attributes)[0] if attributes is not None else None
    context = _Context(split, matrix, item_counts(split.test_histories(), split.n_items), hooks)
    labels = {name: f"[{number}/{len(classes)}] {name}"
              for number, name in enumerate(classes, start=1)}
    rows: dict[str, dict[str, Any]] = {}
    # A blend is weighed over the other models of this run, fitted once: every model is
    # fitted and validated first, then the blend chooses its weights on those fits, and only
    # then is each model refitted for the test pass.
    blending = "blend" in classes and any(
        cls is not None and name != "blend" and name not in NON_PERSONAL
        for name, cls in classes.items())
    models = [name for name, cls in classes.items()
              if cls is not None and not (blending and name == "blend")]
    if jobs > 1 and len(models) > 1:
        rows.update(_evaluate_in_workers(
            models, classes, labels, context, split=split, attributes=matrix, seed=seed,
            resolve=resolve, jobs=jobs, blending=blending))
    else:
        fitted: dict[str, _Fitted] = {}
        for name, cls in classes.items():
            if cls is None:
                rows[name] = _evaluate_reference(name, labels[name], context)
            elif name in models:
                fitted[name] = _fit_and_validate(labels[name], cls(seed=seed), context)
        if blending:
            parts = {name: f.model for name, f in fitted.items() if name not in NON_PERSONAL}
            fitted["blend"] = _fit_blend(labels["blend"], parts, context, seed=seed,
                                         resolve=resolve, component_seconds=sum(
                                             fitted[name].train_s for name in parts))
        for name, entry in fitted.items():
            if name == "blend" and blending:
                continue
            rows[name] = _refit_and_test(labels[name], entry, context)
        if blending:
            rows["blend"] = _test_blend(
                labels["blend"], fitted["blend"], {n: f.model for n, f in fitted.items()},
                context, rows=rows, fit_s={n: f.train_s for n, f in fitted.items()})
    rows = {name: rows[name] for name in classes if name in rows}
    candidates = [n for n, cls in classes.items() if cls is not None]
    best = max(candidates, key=lambda n: rows[n]["val_NDCG@10"]) if candidates else None
    report: dict[str, Any] = {"models": rows, "best": best}
    if skipped:
        report["skipped"] = skipped
    return report


#: Models that score everyone alike; a blend gains nothing from them.
NON_PERSONAL = frozenset({"popularity", "trending"})


class _Fitted:
    """A model fitted on the training prefixes, its validation result and its cost so far."""

    def __init__(self, model: ItemRecommender, valid: RankingResult, train_s: float) -> None:
        self.model, self.valid, self.train_s = model, valid, train_s


class _Context:
    """What every model's evaluation shares: the split, the side information and the
    training popularity that novelty is measured against."""

    def __init__(self, split: LeaveOneOut, attributes: sp.csr_matrix | None,
                 counts: IntArray, progress: Progress) -> None:
        self.split, self.attributes, self.counts, self.progress = (
            split, attributes, counts, progress)
        self.test_histories = split.test_histories()

    def training_data(self, *, before: Literal["valid", "test"]) -> TrainingData:
        """Everything before the ``"valid"`` or the ``"test"`` item of each user."""
        split = self.split
        drop = 2 if before == "valid" else 1
        return TrainingData(
            split.train if drop == 2 else self.test_histories, split.n_items,
            item_attributes=self.attributes, timestamps=split.prefix_timestamps(drop=drop),
            weights=split.prefix_weights(drop=drop))

    def validation_pass(self, label: str, score: Callable[[Sequence[IntArray]], FloatArray],
                        ties: TieRule) -> RankingResult:
        split = self.split
        self.progress.stage(f"{label}: validation", split.n_users)
        return evaluate_ranking(
            lambda users, histories: score(histories), targets=split.valid,
            histories=split.train, n_items=split.n_items, ties=ties, coverage=False,
            progress=self.progress.advance)

    def test_pass(self, label: str, score: Callable[[Sequence[IntArray]], FloatArray],
                  ties: TieRule) -> tuple[RankingResult, float]:
        """The test metrics and the seconds spent inside ``score``."""
        split = self.split
        spent = [0.0]

        def timed(users: IntArray, histories: Sequence[IntArray]) -> FloatArray:
            started = time.perf_counter()
            scores = score(histories)
            spent[0] += time.perf_counter() - started
            return scores

        self.progress.stage(f"{label}: test", split.n_users)
        result = evaluate_ranking(
            timed, targets=split.test, histories=self.test_histories, n_items=split.n_items,
            ties=ties, item_attributes=self.attributes, item_counts=self.counts,
            progress=self.progress.advance)
        return result, spent[0]


def _row(test: RankingResult, valid: RankingResult, *, train_s: float, infer_s: float,
         n_users: int) -> dict[str, Any]:
    """Contract keys first (``HR@k``, ``NDCG@k``, ``coverage@10``, ``train_s``,
    ``infer_ms_per_user``), then the extras."""
    metrics = test.metrics()
    row: dict[str, Any] = {key: metrics.pop(key) for key in (
        "HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "coverage@10")}
    row["train_s"] = train_s
    row["infer_ms_per_user"] = 1000.0 * infer_s / max(n_users, 1)
    row.update(metrics)  # diversity@10, novelty@10
    valid_metrics = valid.metrics((10,))
    row["val_HR@10"] = valid_metrics["HR@10"]
    row["val_NDCG@10"] = valid_metrics["NDCG@10"]
    return row


def _fit_and_validate(label: str, model: ItemRecommender, ctx: _Context) -> _Fitted:
    split = ctx.split
    ctx.progress.stage(f"{label}: fit", None)
    started = time.perf_counter()
    model.fit(ctx.training_data(before="valid"),
              validation=Validation(histories=split.train, targets=split.valid))
    train_s = time.perf_counter() - started
    return _Fitted(model, ctx.validation_pass(label, model.score, "pessimistic"), train_s)


def _weigh_blend(label: str, parts: Mapping[str, ItemRecommender], ctx: _Context, *,
                 seed: int, resolve: Resolve) -> tuple[Blend, float]:
    """A blend over the already fitted parts, its weights chosen on the validation item,
    and the seconds that took."""
    split = ctx.split
    blend = resolve("blend")(seed=seed)
    if not isinstance(blend, Blend):
        raise EvaluationError("the model registered as 'blend' is not a Blend")
    ctx.progress.stage(f"{label}: weights", None)
    started = time.perf_counter()
    blend.fit_components(parts, data=ctx.training_data(before="valid"),
                         validation=Validation(histories=split.train, targets=split.valid))
    return blend, time.perf_counter() - started


def _fit_blend(label: str, parts: Mapping[str, ItemRecommender], ctx: _Context, *, seed: int,
               resolve: Resolve, component_seconds: float) -> _Fitted:
    """The weighed blend and its validation pass."""
    blend, seconds = _weigh_blend(label, parts, ctx, seed=seed, resolve=resolve)
    return _Fitted(blend, ctx.validation_pass(label, blend.score, "pessimistic"),
                   component_seconds + seconds)


def _test_blend(label: str, entry: _Fitted, refitted: Mapping[str, ItemRecommender],
                ctx: _Context, *, rows: Mapping[str, Mapping[str, Any]],
                fit_s: Mapping[str, float]) -> dict[str, Any]:
    """The blend's row, tested on its parts as refitted for their own rows; its training
    time gains those refits (a part's row time less its fitting time)."""
    blend = entry.model
    assert isinstance(blend, Blend)
    blend.adopt({name: refitted[name] for name in blend.components},
                ctx.training_data(before="test"))
    entry.train_s += sum(rows[name]["train_s"] - fit_s[name] for name in blend.components)
    return _refit_and_test(label, entry, ctx, refit=False)


def _refit_and_test(label: str, entry: _Fitted, ctx: _Context, *, refit: bool = True
                    ) -> dict[str, Any]:
    model, train_s = entry.model, entry.train_s
    if refit:
        ctx.progress.stage(f"{label}: refit", None)
        started = time.perf_counter()
        model.refit(ctx.training_data(before="test"))
        train_s += time.perf_counter() - started
    test, infer_s = ctx.test_pass(label, model.score, "pessimistic")
    row = _row(test, entry.valid, train_s=train_s, infer_s=infer_s,
               n_users=ctx.split.n_users)
    if model.search_log:
        row["params"] = _plain(model.params)
    return row


def _evaluate_reference(name: str, label: str, ctx: _Context) -> dict[str, Any]:
    ctx.progress.stage(f"{label}: fit", None)
    started = time.perf_counter()
    model = REFERENCE_MODELS[name]().fit(ctx.split)
    train_s = time.perf_counter() - started
    valid = ctx.validation_pass(label, model.score, model.ties)
    test, infer_s = ctx.test_pass(label, model.score, model.ties)
    row = _row(test, valid, train_s=train_s, infer_s=infer_s, n_users=ctx.split.n_users)
    row["reference"] = True
    return row


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


#: What every job of a run shares, set once per worker process by ``_start_worker``.
_WORKER: dict[str, Any] = {}


def _start_worker(threads: int, split: LeaveOneOut, attributes: sp.csr_matrix | None,
                  counts: IntArray, seed: int, resolve: Resolve) -> None:
    # Read by PyTorch's runtime when a model first imports it, which happens after this.
    os.environ["OMP_NUM_THREADS"] = str(threads)
    _WORKER["limits"] = threadpool_limits(threads)  # BLAS and OpenMP already loaded
    _WORKER["context"] = _Context(split, attributes, counts, Silent())
    _WORKER["seed"], _WORKER["resolve"] = seed, resolve


def _model_job(name: str, label: str, keep: str | None) -> tuple[dict[str, Any], float]:
    """One model's whole protocol in a worker: its report row and its fitting seconds.
    With ``keep``, the fitted and the refitted model are saved under it (for a blend)."""
    context: _Context = _WORKER["context"]
    entry = _fit_and_validate(label, _WORKER["resolve"](name)(seed=_WORKER["seed"]), context)
    if keep is not None:
        entry.model.save(Path(keep) / "valid")
    fit_s = entry.train_s
    row = _refit_and_test(label, entry, context)
    if keep is not None:
        entry.model.save(Path(keep) / "test")
    return row, fit_s


def _evaluate_in_workers(
    models: Sequence[str], classes: Mapping[str, type[ItemRecommender] | None],
    labels: Mapping[str, str], context: _Context, *, split: LeaveOneOut,
    attributes: sp.csr_matrix | None, seed: int, resolve: Resolve, jobs: int, blending: bool,
) -> dict[str, dict[str, Any]]:
    """Every model's row (the reference models' too, run here while the workers work)."""
    workers = min(jobs, len(models))
    threads = max(1, available_cores() // workers)
    order = sorted(models, key=lambda name: -_cost(classes[name]))  # stable: ties keep order
    rows: dict[str, dict[str, Any]] = {}
    fit_s: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="prefero-evaluate-") as folder:
        keep = {name: str(Path(folder) / name) for name in models
                if blending and name not in NON_PERSONAL}
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=_start_worker,
            initargs=(threads, split, attributes, context.counts, seed, resolve))
        with pool:
            running: dict[Future[tuple[dict[str, Any], float]], str] = {
                pool.submit(_model_job, name, labels[name], keep.get(name)): name
                for name in order}
            for name, cls in classes.items():
                if cls is None:
                    rows[name] = _evaluate_reference(name, labels[name], context)
            context.progress.stage(f"{len(models)} models in {workers} processes",
                                   len(models))
            pending = set(running)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        rows[running[future]], fit_s[running[future]] = future.result()
                    except BrokenProcessPool as exc:
                        raise EvaluationError(
                            f"a worker process died while fitting {running[future]} "
                            f"(out of memory?); run again with --jobs 1") from exc
                    context.progress.advance(1)
            if blending:
                rows["blend"] = _blend_in_workers(
                    pool, labels["blend"], context, folder=Path(folder), keep=keep,
                    rows=rows, fit_s=fit_s, seed=seed, resolve=resolve)
    return rows


def _blend_in_workers(
    pool: ProcessPoolExecutor, label: str, context: _Context, *, folder: Path,
    keep: Mapping[str, str], rows: Mapping[str, Mapping[str, Any]], fit_s: Mapping[str, float],
    seed: int, resolve: Resolve,
) -> dict[str, Any]:
    """The blend's row from the parts the workers saved: weighed here, then its validation
    and test passes run side by side in the workers, each on a saved copy of the blend."""
    parts = {name: load_model(Path(path) / "valid") for name, path in keep.items()}
    blend, seconds = _weigh_blend(label, parts, context, seed=seed, resolve=resolve)
    blend.save(folder / "blend" / "valid")
    blend.adopt({name: load_model(Path(keep[name]) / "test") for name in blend.components},
                context.training_data(before="test"))
    blend.save(folder / "blend" / "test")
    del parts  # the passes load their own copies
    context.progress.stage(f"{label}: validation and test", None)
    valid = pool.submit(_blend_pass_job, str(folder / "blend" / "valid"), "valid", label)
    test = pool.submit(_blend_pass_job, str(folder / "blend" / "test"), "test", label)
    valid_result, _ = valid.result()
    test_result, infer_s = test.result()
    train_s = (sum(fit_s[name] for name in keep) + seconds
               + sum(rows[name]["train_s"] - fit_s[name] for name in blend.components))
    row = _row(test_result, valid_result, train_s=train_s, infer_s=infer_s,
               n_users=context.split.n_users)
    row["params"] = _plain(blend.params)
    return row


def _blend_pass_job(path: str, which: Literal["valid", "test"], label: str
                    ) -> tuple[RankingResult, float]:
    """A saved blend's validation or test pass in a worker (and, for the test pass, the
    seconds spent scoring)."""
    context: _Context = _WORKER["context"]
    blend = Blend.load(Path(path))
    if which == "valid":
        return context.validation_pass(label, blend.score, "pessimistic"), 0.0
    return context.test_pass(label, blend.score, "pessimistic")


def _cost(cls: type[ItemRecommender] | None) -> int:
    return 0 if cls is None else cls.cost


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with NumPy scalars turned into Python numbers, for the JSON report."""
    return {key: (_plain(value) if isinstance(value, Mapping)
                  else value.item() if isinstance(value, np.generic) else value)
            for key, value in params.items()}

"""Training at scale, stage by stage (``prefero bench train``): seconds and peak memory of
reading the behaviour and of fitting each model, the figures behind "where one machine
stops" in docs/benchmarks.md.

Each stage's peak is the largest resident set seen while it ran (sampled every 50 ms from
``/proc/self/status``, since ``getrusage`` only knows the whole process's peak so far).
Nothing is published: the artefacts ``prefero train`` would write are not the point here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefero.recommend.catalog_index import build_catalog_index
from prefero.recommend.training import (
    TrainingConfig,
    basket_co_occurrence,
    fit_models,
    item_attributes,
    popularity_and_trending,
    tuning_users,
)
from prefero.recommend.training_input import read_behaviour
from prefero.runtime import Runtime

__all__ = ["PeakMemory", "bench_training", "resident_bytes"]

_STATUS = Path("/proc/self/status")


def resident_bytes() -> int:
    """This process's resident set now (0 where /proc is not there)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class PeakMemory:
    """The largest resident set seen while a stage runs, sampled by a thread.

    >>> with PeakMemory().watch() as peak:
    ...     data = bytearray(10_000_000)
    >>> peak.bytes >= 10_000_000
    True
    """

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.bytes = 0

    @contextmanager
    def watch(self) -> Iterator[PeakMemory]:
        self.bytes = resident_bytes()
        done = threading.Event()

        def sample() -> None:
            while not done.wait(self.every):
                self.bytes = max(self.bytes, resident_bytes())

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            done.set()
            thread.join()
            self.bytes = max(self.bytes, resident_bytes())


def bench_training(runtime: Runtime, *, models: Sequence[str], tune: bool = True,
                   now: datetime | None = None,
                   say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run training's stages on the runtime's database and time each one.

    ``tune``: choose each model's settings on the customers' last items first, as ``prefero
    train`` does (a fit per setting tried, then one on everything); without it, one fit
    with the default settings, the cost of a single training.

    >>> # bench_training(runtime, models=["transitions", "als"], tune=False)
    """
    report = say or (lambda _msg: None)
    config = TrainingConfig()
    stages: dict[str, dict[str, Any]] = {}

    @contextmanager
    def stage(name: str, **extra: Any) -> Iterator[dict[str, Any]]:
        figures: dict[str, Any] = dict(extra)
        started = time.perf_counter()
        with PeakMemory().watch() as peak:
            yield figures
        figures["seconds"] = round(time.perf_counter() - started, 1)
        figures["peak_rss_gib"] = round(peak.bytes / 2**30, 2)
        stages[name] = figures
        report(f"{name}: {figures}")

    with stage("input") as figures, runtime.session() as session:
        index = build_catalog_index(session, runtime.facet_schema)
        position = {pid: i for i, pid in enumerate(index.ids)}
        attributes, _ = item_attributes(index)
        popularity_and_trending(session, position, config, now or datetime.now(UTC))
        behaviour = read_behaviour(session, position, runtime.settings)
        figures.update(events=behaviour.events, customers=len(behaviour.journeys),
                       steps=int(sum(len(j) for j in behaviour.journeys)),
                       purchase_baskets=len(behaviour.purchase),
                       view_baskets=len(behaviour.view))
    sequences = behaviour.journeys
    n_items = len(position)
    with stage("co-occurrence"):
        for baskets in (behaviour.purchase, behaviour.view):
            basket_co_occurrence(baskets, n_items=n_items, k=config.neighbours,
                                 shrinkage=config.shrinkage)
    # Tuning as ``prefero train`` does it, or never (a threshold no shop reaches).
    fitting = config if tune else replace(config, min_tuning_users=2**62)
    tuned_on = tuning_users(sequences, fitting)
    for name in models:
        with stage(f"model {name}", tuned_on=tuned_on) as figures:
            model = fit_models(sequences, n_items=n_items, names=[name], config=fitting,
                               attributes=attributes)[name]
            figures["params"] = model.params
            figures["settings_tried"] = len(model.search_log) or 1
    return {"stages": stages, "models": list(models), "tuned": bool(tuned_on)}

"""A running experiment for the benchmarks that ask for one (``--experiment``): a two-arm
test of recommendation diversity over every placement, so that each measured request places
its customer, serves the arm's setting and logs an exposure, as a shop running a test would.
Stopped and deleted when the measurement ends, so the reused benchmark shop stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefero.experiments.exposures import flush_exposures
from prefero.experiments.schemas import ExperimentIn
from prefero.experiments.service import (
    create_experiment,
    delete_experiment,
    list_experiments,
    start_experiment,
    stop_experiment,
)
from prefero.runtime import Runtime

__all__ = ["KEY", "experiment_running"]

KEY = "bench-diversity"

_BODY = ExperimentIn.model_validate({
    "key": KEY, "name": "Benchmark: diversity", "kind": "recommendations",
    "arms": [{"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
             {"key": "diverse", "name": "More diverse", "share": 0.5,
              "config": {"diversity": 0.5}}]})


def _remove(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        for experiment in list_experiments(session):
            if experiment.key == KEY:
                if experiment.status == "running":
                    stop_experiment(session, KEY)
                delete_experiment(session, KEY)


@contextmanager
def experiment_running(runtime: Runtime, *, enabled: bool = True) -> Iterator[None]:
    """Run the benchmark's experiment for the block (nothing when not ``enabled``).

    >>> # with experiment_running(runtime): bench_http(runtime, ...)
    """
    if not enabled:
        yield
        return
    _remove(runtime)  # a run interrupted before its clean-up left it behind
    with runtime.session(write=True) as session:
        create_experiment(session, _BODY)
        start_experiment(session, KEY)
    try:
        yield
    finally:
        flush_exposures(runtime)
        _remove(runtime)

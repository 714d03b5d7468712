"""Throughput against the number of API processes: the deploy/ set-up (N ``prefero serve
--workers 1`` behind nginx, PostgreSQL, Redis) started with 1, 2, 4 processes in turn over
the same data, each driven by wrk with the request mix of ``bench http``.

It answers "does adding processes add throughput on this host", which ``bench http``
(uvicorn's workers on one shared socket, no proxy) does not; with one process it also
measures the same server directly, which prices the proxy hop. Every process, nginx and wrk
share the host's cores, so beyond one process per core the figures say what the host
allows, not what the code could do on more cores.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from prefero.bench.pipeline import recommendation_path, sample_queries
from prefero.bench.server import free_port, production_env
from prefero.bench.wrk import run_wrk
from prefero.deploy.launch import Plan, down, up
from prefero.deploy.ports import consecutive_free_ports
from prefero.runtime import Runtime

__all__ = ["bench_processes"]


def bench_processes(runtime: Runtime, *, run_dir: Path, redis_url: str,
                    counts: Sequence[int] = (1, 2, 4), clients: int = 16,
                    seconds: float = 15.0, warmup: float = 3.0, direct: bool = True,
                    say: Callable[[str], None] = print) -> dict[str, Any]:
    """For each process count: start the set-up, warm it for ``warmup`` seconds, load it
    with ``clients`` wrk connections for ``seconds``, stop it. The runtime's database must
    be PostgreSQL (what the deployment shares between processes) and hold a trained shop.

    Returns ``{"through_nginx": {"1": figures, ...}, "direct_1": figures, ...}`` with the
    figures of :func:`prefero.bench.wrk.run_wrk` (requests_per_s, median_ms, p99_ms, ...).
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    url = runtime.settings.database_url
    if not url or make_url(url).get_backend_name() != "postgresql":
        raise RuntimeError("the deployment runs on PostgreSQL: give the benchmark a "
                           "PostgreSQL database")
    paths = [recommendation_path(query) for query in sample_queries(runtime, count=500)]
    env = production_env(runtime.settings, PREFERO_REDIS_URL=redis_url)
    key = env["PREFERO_ADMIN_KEY"]
    result: dict[str, Any] = {"clients": clients, "seconds": seconds, "cpus": os.cpu_count(),
                              "through_nginx": {}}
    for index, count in enumerate(counts):
        plan = Plan(run_dir=run_dir / f"processes-{count}", processes=count,
                    listen_port=free_port(), first_api_port=consecutive_free_ports(count),
                    migrate=index == 0)  # the same database each time: migrated once
        deployment = up(plan, env, say=say)
        try:
            if warmup > 0:  # first requests pay for lazy imports and cold caches
                run_wrk(deployment.url, paths, key=key, concurrency=clients, seconds=warmup)
            figures = run_wrk(deployment.url, paths, key=key, concurrency=clients,
                              seconds=seconds)
            result["through_nginx"][str(count)] = figures
            say(f"{count} process(es) through nginx: {figures}")
            if direct and count == 1:
                only = f"http://127.0.0.1:{plan.first_api_port}"
                result["direct_1"] = run_wrk(only, paths, key=key, concurrency=clients,
                                             seconds=seconds)
                say(f"1 process, direct: {result['direct_1']}")
        finally:
            down(plan.run_dir, say=say)
    return result

"""HTTP latency and throughput: the real server (uvicorn, N worker processes) under a
closed-loop load from an asyncio client on the same machine, and what a shopper's search and
product pages wait meanwhile (``prefero.bench.pages``)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time

import httpx

from prefero.bench.pages import PageProbe, page_paths
from prefero.bench.pipeline import recommendation_path, sample_queries
from prefero.bench.server import ServerProcess, server_environment
from prefero.bench.stats import summarise
from prefero.bench.wrk import run_wrk
from prefero.runtime import Runtime

__all__ = ["bench_http"]


async def _closed_loop(base: str, paths: list[str], *, key: str, concurrency: int,
                       seconds: float) -> tuple[list[float], int, float]:
    """``concurrency`` clients, each sending its next request when the last one answered:
    measures the most the server can do."""
    timings: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, limits=limits,
                                 timeout=10.0) as client:
        deadline = time.perf_counter() + seconds
        counter = 0

        async def worker() -> None:
            nonlocal counter, errors
            while time.perf_counter() < deadline:
                path = paths[counter % len(paths)]
                counter += 1
                started = time.perf_counter()
                response = await client.get(path)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return timings, errors, elapsed


def bench_http(runtime: Runtime, *, workers: int = 2, concurrency: tuple[int, ...] = (4, 16),
               seconds: float = 15.0, pages: bool = True) -> dict[str, float]:
    """Start ``prefero serve`` on a free port against the runtime's data and load it with a
    fixed number of clients each (closed loop): throughput and latency per level. wrk drives
    the load when installed (``apt-get install wrk``), else an asyncio client that competes
    with the server for the same cores and so understates it. With ``pages``, a shopper's
    search and product pages are fetched one at a time beside the load at every level
    (``c16_search_p99_ms``, ``c16_product_p99_ms``…)."""
    server = ServerProcess(server_environment(runtime.settings), workers=workers)
    server.start(timeout=60.0)
    base = server.base
    try:
        paths = [recommendation_path(query) for query in sample_queries(runtime, count=500)]
        key = runtime.settings.admin_key
        shopper_pages = page_paths(runtime) if pages else []
        # Warm every worker, its pages too: a page's first render compiles its templates,
        # which holds the worker for most of a second and would be counted as load.
        asyncio.run(_closed_loop(base, paths[:50] + shopper_pages[:20], key=key,
                                 concurrency=4, seconds=2.0 + workers))
        result: dict[str, float] = {"workers": float(workers)}
        use_wrk = shutil.which("wrk") is not None
        result["load_generator_wrk"] = float(use_wrk)
        for clients in concurrency:
            with contextlib.ExitStack() as stack:
                probe = (stack.enter_context(PageProbe(base, shopper_pages)) if pages
                         else None)
                if use_wrk:
                    figures = run_wrk(base, paths, key=key, concurrency=clients,
                                      seconds=seconds)
                else:
                    timings, errors, elapsed = asyncio.run(_closed_loop(
                        base, paths, key=key, concurrency=clients, seconds=seconds))
                    figures = {k: v for k, v in summarise(timings).items()
                               if k in ("median_ms", "p90_ms", "p99_ms")}
                    figures["requests_per_s"] = round(len(timings) / elapsed, 1)
                    figures["errors"] = float(errors)
            if probe is not None:
                figures.update(probe.figures())
            result.update({f"c{clients}_{name}": value for name, value in figures.items()})
    finally:
        server.stop()
    return result

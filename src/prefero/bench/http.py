"""HTTP latency and throughput: the real server (uvicorn, N worker processes) under a
closed-loop load from an asyncio client on the same machine."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from prefero.bench.pipeline import recommendation_path, sample_queries
from prefero.bench.server import ServerProcess, server_environment
from prefero.bench.stats import summarise
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


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("PREFERO_WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk(base: str, paths: list[str], *, key: str, concurrency: int, seconds: float
         ) -> dict[str, float]:
    """Drive the server with wrk (a C load generator: it leaves the CPU to the server)."""
    with tempfile.TemporaryDirectory() as folder:
        path_file = Path(folder) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n", "utf-8")
        script = Path(folder) / "rotate.lua"
        script.write_text(WRK_SCRIPT, "utf-8")
        output = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(int(seconds), 1)}s", "--latency",
             "-H", f"X-API-Key: {key}", "-s", str(script), base],
            env={**os.environ, "PREFERO_WRK_PATHS": str(path_file)},
            capture_output=True, text=True, check=True,
        ).stdout
    figures: dict[str, float] = {}
    for percentile in ("50", "90", "99"):
        found = re.search(rf"^\s+{percentile}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", output,
                          re.MULTILINE)
        if found:
            name = "median_ms" if percentile == "50" else f"p{percentile}_ms"
            figures[name] = round(float(found.group(1)) * _UNITS[found.group(2)], 3)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures["requests_per_s"] = float(rate.group(1)) if rate else 0.0
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["errors"] = float(bad.group(1)) if bad else 0.0
    return figures


def bench_http(runtime: Runtime, *, workers: int = 2, concurrency: tuple[int, ...] = (4, 16),
               seconds: float = 15.0) -> dict[str, float]:
    """Start ``prefero serve`` on a free port against the runtime's data and load it with a
    fixed number of clients each (closed loop): throughput and latency per level. wrk drives
    the load when installed (``apt-get install wrk``), else an asyncio client that competes
    with the server for the same cores and so understates it."""
    server = ServerProcess(server_environment(runtime.settings), workers=workers)
    server.start(timeout=60.0)
    base = server.base
    try:
        paths = [recommendation_path(query) for query in sample_queries(runtime, count=500)]
        key = runtime.settings.admin_key
        asyncio.run(_closed_loop(base, paths[:50], key=key, concurrency=4,
                                 seconds=2.0))  # warm every worker
        result: dict[str, float] = {"workers": float(workers)}
        use_wrk = shutil.which("wrk") is not None
        result["load_generator_wrk"] = float(use_wrk)
        for clients in concurrency:
            if use_wrk:
                figures = _wrk(base, paths, key=key, concurrency=clients, seconds=seconds)
            else:
                timings, errors, elapsed = asyncio.run(
                    _closed_loop(base, paths, key=key, concurrency=clients, seconds=seconds))
                figures = {k: v for k, v in summarise(timings).items()
                           if k in ("median_ms", "p90_ms", "p99_ms")}
                figures["requests_per_s"] = round(len(timings) / elapsed, 1)
                figures["errors"] = float(errors)
            result.update({f"c{clients}_{name}": value for name, value in figures.items()})
    finally:
        server.stop()
    return result

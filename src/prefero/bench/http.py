"""HTTP latency and throughput: the real server (uvicorn, N worker processes) under a
closed-loop load from an asyncio client on the same machine."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from prefero.bench.pipeline import sample_queries
from prefero.bench.stats import summarise
from prefero.runtime import Runtime

__all__ = ["bench_http"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def _load(base: str, paths: list[str], *, key: str, concurrency: int, seconds: float
                ) -> tuple[list[float], int, float]:
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


def bench_http(runtime: Runtime, *, workers: int = 2, concurrency: int = 16,
               seconds: float = 15.0) -> dict[str, float]:
    """Start ``prefero serve`` on a free port against the runtime's data, load it, stop it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env["PREFERO_DATA_DIR"] = str(Path(runtime.settings.data_dir).resolve())
    if runtime.settings.database_url:
        env["PREFERO_DATABASE_URL"] = runtime.settings.database_url
    env["PREFERO_ADMIN_KEY"] = runtime.settings.admin_key
    server = subprocess.Popen(
        [sys.executable, "-m", "prefero.cli.app", "serve", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(base)
        paths = []
        for query in sample_queries(runtime, count=500):
            params: dict[str, str | int] = {"placement": query.placement, "n": query.n}
            if query.customer_id:
                params["customer_id"] = query.customer_id
            if query.product_id:
                params["product_id"] = query.product_id
            url = f"/v1/recommendations?{urlencode(params)}"
            url += "".join(f"&cart={pid}" for pid in query.cart)
            paths.append(url)
        asyncio.run(_load(base, paths[:50], key=runtime.settings.admin_key,
                          concurrency=concurrency, seconds=2.0))  # warm every worker
        timings, errors, elapsed = asyncio.run(
            _load(base, paths, key=runtime.settings.admin_key, concurrency=concurrency,
                  seconds=seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    summary = summarise(timings)
    summary["requests_per_s"] = round(len(timings) / elapsed, 1)
    summary["errors"] = float(errors)
    summary["workers"] = float(workers)
    summary["concurrency"] = float(concurrency)
    return summary

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


async def _open_loop(base: str, paths: list[str], *, key: str, rate: float, seconds: float
                     ) -> tuple[list[float], int, float]:
    """Requests sent on a fixed schedule whether or not earlier ones answered, latency counted
    from the scheduled time: a slow server cannot hide its queue (no coordinated omission)."""
    timings: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, limits=limits,
                                 timeout=10.0) as client:
        interval = 1.0 / rate
        total = int(rate * seconds)
        start = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal errors
            scheduled = start + i * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            response = await client.get(paths[i % len(paths)])
            timings.append(time.perf_counter() - scheduled)
            if response.status_code != 200:
                errors += 1

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return timings, errors, elapsed


def bench_http(runtime: Runtime, *, workers: int = 2, concurrency: int = 16,
               seconds: float = 15.0, rate: float = 300.0) -> dict[str, float]:
    """Start ``prefero serve`` on a free port against the runtime's data; measure the most it
    serves (closed loop) and the latency at a steady ``rate`` (open loop); stop it."""
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
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
        key = runtime.settings.admin_key
        asyncio.run(_closed_loop(base, paths[:50], key=key, concurrency=concurrency,
                                 seconds=2.0))  # warm every worker
        timings, errors, elapsed = asyncio.run(
            _closed_loop(base, paths, key=key, concurrency=concurrency, seconds=seconds))
        paced, paced_errors, paced_elapsed = asyncio.run(
            _open_loop(base, paths, key=key, rate=rate, seconds=seconds))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    result: dict[str, float] = {"workers": float(workers)}
    closed = summarise(timings)
    result.update({f"max_{k}": v for k, v in closed.items() if k != "count"})
    result["max_requests_per_s"] = round(len(timings) / elapsed, 1)
    result["max_concurrency"] = float(concurrency)
    steady = summarise(paced)
    result.update({f"at_rate_{k}": v for k, v in steady.items() if k != "count"})
    result["at_rate_target_per_s"] = rate
    result["at_rate_achieved_per_s"] = round(len(paced) / paced_elapsed, 1)
    result["errors"] = float(errors + paced_errors)
    return result

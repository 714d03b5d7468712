"""Latency of search and of the search box's suggestions, on the shop's own words: prefixes
as typed, whole words, two-word queries and one-letter typos, for strangers and known
customers (their rules applied). In process (:func:`bench_search`: the service time, one
request at a time), and over HTTP (:func:`bench_suggest_http`: ``GET /v1/search/suggest``
from concurrent clients, wrk driving them, each answer's ``Server-Timing`` collected)."""

from __future__ import annotations

import gc
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select
from threadpoolctl import threadpool_limits

from prefero.bench.server import ServerProcess, server_environment
from prefero.bench.stats import summarise
from prefero.bench.wrk import parse_wrk_report
from prefero.customers.models import Customer
from prefero.runtime import Runtime
from prefero.search.service import search
from prefero.search.suggest import suggest
from prefero.search.vocabulary import Vocabulary, vocabulary_of

__all__ = ["SERVER_TIMING_SCRIPT", "bench_search", "bench_suggest_http",
           "parse_server_timing", "typed_queries", "vocabulary_build"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typed_queries(words: list[str], *, count: int, seed: int = 3) -> list[str]:
    """What shoppers type, drawn from the catalogue's words (those of three letters or
    more): a prefix of two to five letters (40 %), a whole word (25 %), two words, the
    second half typed (20 %), a word with one letter changed (15 %).

    >>> len(typed_queries(["chocolate", "granola", "oat"], count=20))
    20
    """
    rng = random.Random(seed)
    usable = [word for word in words if len(word) >= 3 and word.isalpha()] or ["a"]
    queries = []
    for _ in range(count):
        word, roll = rng.choice(usable), rng.random()
        if roll < 0.4:
            queries.append(word[:rng.randint(2, min(5, len(word)))])
        elif roll < 0.65:
            queries.append(word)
        elif roll < 0.85:
            other = rng.choice(usable)
            queries.append(f"{word} {other[:max(2, len(other) // 2)]}")
        else:
            at = rng.randrange(len(word))
            queries.append(word[:at] + rng.choice(_LETTERS) + word[at + 1:])
    return queries


def bench_search(runtime: Runtime, *, requests: int = 1000, warmup: int = 50
                 ) -> dict[str, dict[str, float]]:
    """Median, p90 and p99 of ``suggest`` (one keystroke's answer) and of ``search`` (the
    results page's), over the same queries, 85 % of them for known customers, measured as
    a server worker runs them (BLAS on one thread, the snapshot out of the collector's
    reach)."""
    engine = runtime.recommender
    sample = _sample(runtime, requests + warmup)
    timings: dict[str, list[float]] = {"suggest": [], "search": []}
    with runtime.session() as session, threadpool_limits(limits=1, user_api="blas"):
        try:
            for i, (query, customer_id) in enumerate(sample):
                if i == warmup:
                    gc.collect()
                    gc.freeze()
                for name, call in (("suggest", suggest), ("search", search)):
                    started = time.perf_counter()
                    call(session, engine, query=query, customer_id=customer_id)
                    if i >= warmup:
                        timings[name].append(time.perf_counter() - started)
                    session.rollback()
        finally:
            gc.unfreeze()
    return {name: summarise(values) for name, values in timings.items()}


def vocabulary_build(runtime: Runtime, *, times: int = 3) -> dict[str, float]:
    """How long the snapshot's vocabulary takes to build (what the first search after a
    catalogue change waits for): the fastest and the slowest of ``times`` builds, ms."""
    with runtime.session() as session:
        index, _model = runtime.recommender.snapshot(session)
    took = []
    for _ in range(times):
        started = time.perf_counter()
        Vocabulary(index)
        took.append((time.perf_counter() - started) * 1000.0)
    return {"words": float(len(vocabulary_of(index).sorted)), "products": float(index.size),
            "fastest_ms": round(min(took), 1), "slowest_ms": round(max(took), 1)}


def _sample(runtime: Runtime, count: int) -> list[tuple[str, str | None]]:
    """``count`` typed queries, 85 % of them for known customers (the same draw as
    :func:`bench_search`)."""
    engine = runtime.recommender
    with runtime.session() as session:
        index, _model = engine.snapshot(session)
        customers = list(session.scalars(select(Customer.id).order_by(Customer.id)
                                         .limit(5000)))
    queries = typed_queries(vocabulary_of(index).sorted, count=count)
    rng = random.Random(5)
    return [(query, rng.choice(customers) if customers and rng.random() < 0.85 else None)
            for query in queries]


# Each connection walks the paths in PREFERO_WRK_PATHS; every answer's Server-Timing (the
# worker's own time on it, its wait for an admission slot included) is kept, and printed
# sorted at the end, one thread's values after another's.
SERVER_TIMING_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("PREFERO_WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
local threads = {}
durations = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
response = function(status, headers, body)
  local timing = headers["server-timing"] or headers["Server-Timing"]
  if timing then
    local took = string.match(timing, "app;dur=([%d%.]+)")
    if took then durations[#durations + 1] = tonumber(took) end
  end
end
done = function(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for _, took in ipairs(thread:get("durations")) do all[#all + 1] = took end
  end
  table.sort(all)
  io.write("SERVER_TIMING")
  for _, took in ipairs(all) do io.write(" ", took) end
  io.write("\\n")
end
"""


def parse_server_timing(output: str) -> dict[str, float]:
    """Median, p90 and p99 (ms) of the ``Server-Timing`` values the script printed.

    >>> parse_server_timing("Requests/sec: 3\\nSERVER_TIMING 1.0 2.0 3.0\\n")["server_median_ms"]
    2.0
    """
    for line in output.splitlines():
        if line.startswith("SERVER_TIMING"):
            values = [float(v) / 1000.0 for v in line.split()[1:]]
            return {f"server_{name}": value for name, value in summarise(values).items()}
    return {}


def bench_suggest_http(runtime: Runtime, *, clients: int = 16, seconds: float = 20.0,
                       workers: int = 2, paths: int = 2000) -> dict[str, float]:
    """``GET /v1/search/suggest`` from ``clients`` kept-alive connections (wrk, closed
    loop: each sends its next query when the last one answered) against ``prefero serve``
    with ``workers`` processes over the runtime's data: requests per second, latency as the
    clients saw it (the queue in front of the workers included) and as the workers
    reported it (``Server-Timing``: ``server_median_ms`` … their own time on a request,
    their wait for an admission slot included). Needs wrk (``apt-get install wrk``)."""
    sample = _sample(runtime, paths)
    listed = ["/v1/search/suggest?" + urlencode({"q": query} if who is None
                                                else {"q": query, "customer_id": who})
              for query, who in sample]
    server = ServerProcess(server_environment(runtime.settings), workers=workers)
    server.start(timeout=120.0)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path_file = Path(folder) / "paths.txt"
            path_file.write_text("\n".join(listed) + "\n", "utf-8")
            script = Path(folder) / "suggest.lua"
            script.write_text(SERVER_TIMING_SCRIPT, "utf-8")

            def load(duration: int, connections: int, *, close: bool = False) -> str:
                return subprocess.run(
                    ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
                     "-H", f"X-API-Key: {runtime.settings.admin_key}", "-s", str(script),
                     *(["-H", "Connection: close"] if close else []), server.base],
                    env={**os.environ, "PREFERO_WRK_PATHS": str(path_file)},
                    capture_output=True, text=True, check=True).stdout

            # Every worker warm first (its vocabulary built, its pages read): a worker's
            # first search builds it (0.5-1.5 s at 100,000 products), which is not what a
            # steady load waits for. A connection per request, so that every worker takes
            # some: kept-alive connections may all land on one worker for a while.
            load(5, clients, close=True)
            output = load(max(int(seconds), 1), clients)
    finally:
        server.stop()
    figures = {"workers": float(workers), "clients": float(clients)}
    figures.update(parse_wrk_report(output))
    figures.update(parse_server_timing(output))
    return figures

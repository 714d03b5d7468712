"""What a shopper's browser waits for while the API is under load: the storefront's search
and product pages fetched one at a time, as a person clicks, beside ``prefero bench http``'s
load.

Each page is timed from the request to its last byte on loopback: the server's time plus
the queue in front of the workers, which is what a shopper would wait. The server time alone
is the page's ``Server-Timing`` (``prefero.api.server_timing``): how long the worker held
it, its wait for an admission slot and the time it lost its core to the load included.
"""

from __future__ import annotations

import random
import threading
import time
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import select

from prefero.api.server_timing import server_time_ms
from prefero.bench.stats import summarise
from prefero.catalog.models import Product
from prefero.runtime import Runtime

__all__ = ["PageProbe", "page_paths"]


def page_paths(runtime: Runtime, *, count: int = 200, seed: int = 2) -> list[str]:
    """Half product pages, half searches for a word of a product's title (what shoppers
    type), alternating."""
    rng = random.Random(seed)
    with runtime.session() as session:
        rows = session.execute(select(Product.id, Product.title).where(Product.active)
                               .limit(5000)).all()
    if not rows:
        raise RuntimeError("the catalog is empty: load the demo first")
    paths = []
    for i in range(count):
        product_id, title = rng.choice(rows)
        if i % 2:
            words = [word for word in str(title).lower().split() if len(word) > 2]
            query = rng.choice(words) if words else str(title)
            paths.append(f"/search?{urlencode({'q': query})}")
        else:
            paths.append(f"/p/{quote(str(product_id), safe='')}")
    return paths


class PageProbe:
    """Fetches ``paths`` in turn on one connection from a background thread, at most one
    every ``interval`` seconds, until stopped; ``figures`` splits the timings by page."""

    def __init__(self, base: str, paths: list[str], *, interval: float = 0.05) -> None:
        self._base = base
        self._paths = paths
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.timings: dict[str, list[float]] = {"search": [], "product": []}
        #: The pages' own ``Server-Timing``, in seconds like ``timings``.
        self.server: dict[str, list[float]] = {"search": [], "product": []}
        self.errors = 0

    def __enter__(self) -> PageProbe:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(base_url=self._base, timeout=10.0) as client:
            i = 0
            while not self._stop.is_set():
                path = self._paths[i % len(self._paths)]
                i += 1
                started = time.perf_counter()
                try:
                    answer = client.get(path)
                    answer.read()
                    ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - started
                if ok:
                    page = "search" if path.startswith("/search") else "product"
                    self.timings[page].append(took)
                    server = server_time_ms(answer.headers.get("server-timing"))
                    if server is not None:
                        self.server[page].append(server / 1000.0)
                else:
                    self.errors += 1
                self._stop.wait(max(self._interval - took, 0.0))

    def figures(self) -> dict[str, float]:
        """``search_p99_ms``, ``product_median_ms`` … (to the last byte),
        ``search_server_p99_ms`` … (``Server-Timing``), ``pages`` fetched and
        ``page_errors``."""
        result: dict[str, float] = {}
        for kind, measured in (("", self.timings), ("server_", self.server)):
            for page, timings in measured.items():
                if timings:
                    for name, value in summarise(timings).items():
                        if name in ("median_ms", "p90_ms", "p99_ms", "max_ms"):
                            result[f"{page}_{kind}{name}"] = value
        result["pages"] = float(sum(len(t) for t in self.timings.values()))
        result["page_errors"] = float(self.errors)
        return result

"""In-process pipeline latency: the engine's ``serve`` including the profile read and the
logging of the experiment arms it served, as the API's route runs them, on the demo shop or
on any database that holds a shop (generated scale data included)."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select
from threadpoolctl import threadpool_limits

from prefero.bench.stats import summarise
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.models import Customer
from prefero.experiments.serving import expose_arms
from prefero.recommend.artefacts import current_version
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

__all__ = ["bench_pipeline", "database_runtime", "recommendation_path", "sample_queries"]

#: Customers and products the queries are drawn from.
SAMPLE = 5000


def database_runtime(database_url: str, data_dir: Path, *,
                     status: Callable[[str], None] | None = None) -> Runtime:
    """A runtime over a database that already holds a shop (nothing is loaded into it),
    with artefacts trained from it into ``data_dir`` the first time.

    >>> # database_runtime("postgresql+psycopg://postgres@127.0.0.1/scale", Path("var/scale"))
    """
    settings = Settings(data_dir=data_dir, database_url=database_url)
    runtime = Runtime(settings)
    if current_version(settings.artefact_dir) is None:
        from prefero.recommend.training import train

        train(runtime, progress=status)
    runtime.recommender.refresh()
    return runtime


def _spread(rng: random.Random, ids: list[str]) -> list[str]:
    """At most ``SAMPLE`` of ``ids``, drawn across the whole table: the first rows of a
    generated shop are not its typical customers or products."""
    return rng.sample(ids, SAMPLE) if len(ids) > SAMPLE else ids


def sample_queries(runtime: Runtime, *, count: int, seed: int = 1) -> list[RecommendationQuery]:
    """A realistic mix: mostly home, some product pages, carts and anonymous visitors."""
    rng = random.Random(seed)
    with runtime.session() as session:
        customers = _spread(rng, list(session.scalars(select(Customer.id).order_by(Customer.id))))
        products = _spread(rng, list(session.scalars(
            select(Product.id).where(Product.active).order_by(Product.id))))
    if not products:
        raise RuntimeError("the catalog is empty: load the demo first")
    queries = []
    for _ in range(count):
        who = rng.choice(customers) if customers and rng.random() < 0.85 else None
        roll = rng.random()
        if roll < 0.6:
            queries.append(RecommendationQuery(customer_id=who, placement="home", n=10))
        elif roll < 0.85:
            queries.append(RecommendationQuery(customer_id=who, placement="product", n=10,
                                               product_id=rng.choice(products)))
        else:
            queries.append(RecommendationQuery(customer_id=who, placement="cart", n=10,
                                               cart=tuple(rng.sample(products, 2))))
    return queries


def recommendation_path(query: RecommendationQuery) -> str:
    """The ``GET /v1/recommendations`` URL (path and query string) asking ``query``.

    >>> recommendation_path(RecommendationQuery(placement="cart", n=5, cart=("a", "b")))
    '/v1/recommendations?placement=cart&n=5&cart=a&cart=b'
    """
    params: dict[str, str | int] = {"placement": query.placement, "n": query.n}
    if query.customer_id:
        params["customer_id"] = query.customer_id
    if query.product_id:
        params["product_id"] = query.product_id
    return f"/v1/recommendations?{urlencode([*params.items(), *(('cart', p) for p in query.cart)])}"


def bench_pipeline(runtime: Runtime, *, requests: int = 2000, warmup: int = 100
                   ) -> dict[str, float]:
    """Median and p99 of ``engine.serve`` and the exposure of the arms it served over the
    query mix, measured as a server worker runs them (``prefero.api.app``, the
    recommendations route): BLAS on one thread, and what was loaded before
    the first measured request out of the cyclic collector's reach (at 100,000 products a
    full collection over the catalogue snapshot took 370 ms; a worker never walks it)."""
    queries = sample_queries(runtime, count=requests + warmup)
    engine = runtime.recommender
    timings: list[float] = []
    with runtime.session() as session, threadpool_limits(limits=1, user_api="blas"):
        try:
            for i, query in enumerate(queries):
                if i == warmup:
                    gc.collect()
                    gc.freeze()
                started = time.perf_counter()
                # As the API's route: with the unit's experiment arms, and a render of each
                # logged (``--experiment``: the logging's cost is measured too).
                expose_arms(runtime, engine.serve(session, query))
                if i >= warmup:
                    timings.append(time.perf_counter() - started)
                session.rollback()  # end the read transaction as a request would
        finally:
            gc.unfreeze()  # this process goes on (tests, `bench all`)
    return summarise(timings)

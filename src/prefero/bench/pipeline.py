"""In-process pipeline latency: the engine's ``recommend`` including the profile read."""

from __future__ import annotations

import random
import time
from urllib.parse import urlencode

from sqlalchemy import select

from prefero.bench.stats import summarise
from prefero.catalog.models import Product
from prefero.customers.models import Customer
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

__all__ = ["bench_pipeline", "recommendation_path", "sample_queries"]


def sample_queries(runtime: Runtime, *, count: int, seed: int = 1) -> list[RecommendationQuery]:
    """A realistic mix: mostly home, some product pages, carts and anonymous visitors."""
    rng = random.Random(seed)
    with runtime.session() as session:
        customers = list(session.scalars(select(Customer.id).limit(5000)))
        products = list(session.scalars(select(Product.id).where(Product.active).limit(5000)))
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
    queries = sample_queries(runtime, count=requests + warmup)
    engine = runtime.recommender
    timings: list[float] = []
    with runtime.session() as session:
        for i, query in enumerate(queries):
            started = time.perf_counter()
            engine.recommend(session, query)
            if i >= warmup:
                timings.append(time.perf_counter() - started)
            session.rollback()  # end the read transaction as a request would
    return summarise(timings)

"""In-process latency of search and of the search box's suggestions, on the shop's own
words: prefixes as typed, whole words, two-word queries and one-letter typos, for strangers
and known customers (their rules applied)."""

from __future__ import annotations

import gc
import random
import time

from sqlalchemy import select
from threadpoolctl import threadpool_limits

from prefero.bench.stats import summarise
from prefero.customers.models import Customer
from prefero.runtime import Runtime
from prefero.search.service import search
from prefero.search.suggest import suggest
from prefero.search.vocabulary import vocabulary_of

__all__ = ["bench_search", "typed_queries"]

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
    with runtime.session() as session:
        index, _model = engine.snapshot(session)
        customers = list(session.scalars(select(Customer.id).order_by(Customer.id)
                                         .limit(5000)))
    words = vocabulary_of(index).sorted
    queries = typed_queries(words, count=requests + warmup)
    rng = random.Random(5)
    who = [rng.choice(customers) if customers and rng.random() < 0.85 else None
           for _ in queries]
    timings: dict[str, list[float]] = {"suggest": [], "search": []}
    with runtime.session() as session, threadpool_limits(limits=1, user_api="blas"):
        try:
            for i, (query, customer_id) in enumerate(zip(queries, who, strict=True)):
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


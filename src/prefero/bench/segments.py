"""``prefero bench segments``: rule segments at the scale of a large shop, on PostgreSQL.

On a generated shop (``prefero.bench.generate``; made here when the database is empty) it
times:

- the count of a three-condition segment (declared ``must diet=vegan`` AND marketing e-mail
  consent AND at least one purchase in 90 days) with the SQL compiler: the first run (cold)
  and the median of the next ones; the target is 2 s over 1,000,000 customers;
- the segment's creation (the full rebuild of its stored members);
- membership update per event: a purchase is ingested for one customer and that customer's
  segments re-evaluated (``refresh``), mean and p99 over the samples; and the same customers
  refreshed as one batch, per customer, as the queue does.

Figures, never assertions: docs/segments.md records them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.models import ConsentRecord, Customer
from prefero.db.migrate import upgrade
from prefero.events.service import ingest
from prefero.runtime import Runtime
from prefero.segments.conditions import parse_condition
from prefero.segments.membership import defaults_of, refresh
from prefero.segments.models import Segment
from prefero.segments.service import count_members, create_segment

__all__ = ["BENCH_KEY", "THREE_CONDITIONS", "bench_segments"]

BENCH_KEY = "bench-three-conditions"
THREE_CONDITIONS: dict[str, Any] = {"type": "and", "conditions": [
    {"type": "declared", "kind": "must", "facet": "diet", "value": "vegan"},
    {"type": "consent", "purpose": "marketing_email", "granted": True},
    {"type": "behaviour", "event": "purchase", "min": 1, "days": 90}]}

Say = Callable[[str], object]


def _ms(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return statistics.fmean(ordered) * 1000, p99 * 1000


def bench_segments(database_url: str, *, customers: int = 1_000_000, products: int = 20_000,
                   events: int = 5_000_000, seed: int = 0, samples: int = 200,
                   repeats: int = 5, say: Say = print) -> dict[str, float]:
    """Run the measures on the PostgreSQL database at ``database_url``, generating the shop
    first when it has no customers; answers the figures by name.

    >>> bench_segments("postgresql+psycopg://postgres@127.0.0.1/segments",
    ...                customers=2_000, products=500, events=20_000)  # doctest: +SKIP
    {'customers': 2000.0, 'count': 31.0, 'count_cold_s': 0.01, ...}
    """
    from prefero.bench.generate import generate_shop

    if not database_url.startswith("postgresql"):
        raise ValueError("the segments benchmark runs on PostgreSQL (the scale data is "
                         "loaded with COPY)")
    figures: dict[str, float] = {}
    upgrade(database_url)
    runtime = Runtime(Settings(database_url=database_url))
    try:
        with runtime.session() as session:
            present = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
        if present == 0:
            say(f"generating {customers:,} customers, {events:,} events…")
            started = time.perf_counter()
            generate_shop(database_url, products=products, customers=customers,
                          events=events, seed=seed)
            figures["generate_s"] = time.perf_counter() - started
            # The planner's statistics for the fresh tables, as autovacuum would gather.
            with runtime.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        with runtime.session() as session:
            figures["customers"] = float(session.scalar(
                select(func.count()).select_from(Customer)) or 0)
        figures.update(_count(runtime, repeats=repeats, say=say))
        figures.update(_updates(runtime, samples=samples, seed=seed, say=say))
    finally:
        runtime.close()
    return figures


def _count(runtime: Runtime, *, repeats: int, say: Say) -> dict[str, float]:
    condition = parse_condition(THREE_CONDITIONS)
    times = []
    count = 0
    for _ in range(max(repeats, 2)):
        with runtime.session() as session:
            started = time.perf_counter()
            count = count_members(session, condition=condition, settings=runtime.settings)
            times.append(time.perf_counter() - started)
    say(f"three-condition count: {count:,} customers, cold {times[0]:.3f} s, warm median "
        f"{statistics.median(times[1:]):.3f} s")
    with runtime.session(write=True) as session:
        old = session.scalar(select(Segment).where(Segment.key == BENCH_KEY))
        if old is not None:
            session.delete(old)
    started = time.perf_counter()
    with runtime.session(write=True) as session:
        created = create_segment(session, key=BENCH_KEY, name="Bench: three conditions",
                                 condition=condition, actor="bench",
                                 settings=runtime.settings)
    rebuild_s = time.perf_counter() - started
    say(f"segment created (full rebuild): {created.members:,} members in {rebuild_s:.3f} s")
    return {"count": float(count), "count_cold_s": times[0],
            "count_warm_median_s": statistics.median(times[1:]),
            "count_warm_best_s": min(times[1:]), "create_rebuild_s": rebuild_s}


def _updates(runtime: Runtime, *, samples: int, seed: int, say: Say) -> dict[str, float]:
    with runtime.session() as session:
        tracked = list(session.scalars(
            select(ConsentRecord.customer_id)
            .where(ConsentRecord.purpose == "tracking", ConsentRecord.granted.is_(True))
            .order_by(ConsentRecord.customer_id).limit(max(samples * 20, 1000))))
        product = session.scalar(select(Product.id).order_by(Product.id).limit(1))
    if not tracked or product is None:
        return {}
    rng = np.random.default_rng(seed)
    chosen = sorted({str(c) for c in rng.choice(tracked, size=min(samples, len(tracked)),
                                                replace=False)})
    defaults = defaults_of(runtime.settings)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    each: list[float] = []
    for n, customer_id in enumerate(chosen):
        with runtime.session(write=True) as session:
            ingest(session, [{"event_id": f"bench-seg-{stamp}-{n}", "type": "purchase",
                              "customer_id": customer_id, "product_id": product,
                              "price": 10, "quantity": 1}], settings=runtime.settings)
        started = time.perf_counter()
        with runtime.session(write=True) as session:
            refresh(session, [customer_id], defaults=defaults)
        each.append(time.perf_counter() - started)
    started = time.perf_counter()
    with runtime.session(write=True) as session:
        refresh(session, chosen, defaults=defaults)
    batch_s = time.perf_counter() - started
    mean_ms, p99_ms = _ms(each)
    per_customer_ms = batch_s / len(chosen) * 1000
    say(f"membership update per event: mean {mean_ms:.2f} ms, p99 {p99_ms:.2f} ms "
        f"({len(chosen)} events); batched: {per_customer_ms:.2f} ms a customer")
    return {"update_samples": float(len(chosen)), "update_mean_ms": mean_ms,
            "update_p99_ms": p99_ms, "update_batched_ms_per_customer": per_customer_ms}

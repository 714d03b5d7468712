"""Ingest throughput: batches of synthetic events through ``prefero.events.service.ingest``,
one committed transaction per batch, as the API does. Run it with ``prefero bench ingest``;
the database it is given is migrated and written to, so give it a throw-away one.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.customers.repository import ensure_customers
from prefero.db.migrate import upgrade
from prefero.events.service import ingest
from prefero.runtime import Runtime

__all__ = ["bench_ingest", "scratch_postgres_database"]

_TYPES = ["view"] * 6 + ["add_to_cart", "purchase", "search", "rec_click", "rec_dismiss"]


def _events(rng: random.Random, run: str, start: int, size: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    events = []
    for i in range(start, start + size):
        kind = rng.choice(_TYPES)
        who = rng.randrange(5000)
        event: dict[str, Any] = {
            "event_id": f"{run}-{i}",
            "type": kind,
            # Half the traffic is anonymous visitors, half known customers.
            "customer_id" if who % 2 else "anonymous_id": f"p{who}",
            "occurred_at": (now - timedelta(minutes=rng.randrange(60 * 24 * 7))).isoformat(),
        }
        if kind == "search":
            event["query"] = rng.choice(["tent", "rain jacket", "trail shoes"])
        else:
            event["product_id"] = f"sku-{rng.randrange(2000)}"
        if kind in ("add_to_cart", "purchase"):
            event["quantity"] = rng.randint(1, 3)
            event["price"] = f"{rng.randrange(100, 20000) / 100:.2f}"
        events.append(event)
    return events


def bench_ingest(url: str, *, batches: int, batch_size: int) -> dict[str, Any]:
    """Ingest ``batches`` × ``batch_size`` new events into the database at ``url`` (migrated
    first); a third of the known customers consent to tracking.

    >>> result = bench_ingest("sqlite:////tmp/b.db", batches=2, batch_size=100)  # doctest: +SKIP
    >>> result["events"]  # doctest: +SKIP
    200
    """
    upgrade(url)
    runtime = Runtime(Settings(database_url=url))
    rng = random.Random(7)
    run = uuid.uuid4().hex[:8]
    try:
        with runtime.session() as session:
            consenting = [f"p{n}" for n in range(1, 5000, 6)]
            ensure_customers(session, dict.fromkeys(consenting, False))
            session.add_all(ConsentRecord(customer_id=c, purpose="tracking", granted=True,
                                          policy_version="bench") for c in consenting)
        work = [_events(rng, run, b * batch_size, batch_size) for b in range(batches)]
        linked = accepted = 0
        started = time.perf_counter()
        for events in work:
            with runtime.session() as session:
                result = ingest(session, events, settings=runtime.settings)
            linked += result.linked
            accepted += result.accepted
        seconds = time.perf_counter() - started
    finally:
        runtime.close()
    total = batches * batch_size
    return {
        "dialect": runtime.engine.dialect.name,
        "events": total,
        "accepted": accepted,
        "linked": linked,
        "seconds": round(seconds, 3),
        "events_per_s": round(total / seconds) if seconds else None,
    }


def scratch_postgres_database(url: str, name: str = "prefero_bench") -> str:
    """A database ``name`` on the server of ``url`` (created when missing), so that a
    benchmark never writes into a database that holds anything else."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                   {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)

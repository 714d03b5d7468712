"""Ingest throughput: batches of synthetic events through ``prefero.events.service.ingest``,
one committed transaction per batch, as the API does, and the same batches over HTTP
(``POST /v1/events`` on a real ``prefero serve``), counted afterwards: every acknowledged
event must be in the database. Run it with ``prefero bench ingest``; the database it is
given is migrated and written to, so give it a throw-away one.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select

from prefero.bench.server import ServerProcess, production_env
from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.customers.repository import ensure_customers
from prefero.db.migrate import upgrade
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.service import ingest, receipt_key
from prefero.runtime import Runtime

__all__ = ["bench_ingest", "bench_ingest_http", "scratch_postgres_database"]

_TYPES = ["view"] * 6 + ["add_to_cart", "purchase", "search", "rec_click", "rec_dismiss"]
# Ids per IN list when counting receipts: below SQLite's limit on bound parameters.
_IN_CHUNK = 900


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


def _consenting(runtime: Runtime) -> None:
    """A third of the known customers (odd numbers) consent to tracking."""
    with runtime.session() as session:
        consenting = [f"p{n}" for n in range(1, 5000, 6)]
        ensure_customers(session, dict.fromkeys(consenting, False))
        session.add_all(ConsentRecord(customer_id=c, purpose="tracking", granted=True,
                                      policy_version="bench") for c in consenting)


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
        _consenting(runtime)
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


async def _post_all(base: str, key: str, bodies: Sequence[bytes], *, clients: int
                    ) -> tuple[list[tuple[int, dict[str, Any]]], Counter[str], float]:
    """Send every body once, ``clients`` at a time (closed loop: a client sends its next
    batch when the last one was answered): (index of the body, answer) of each 2xx, what
    the others got (a status, or the transport error's name), and the seconds taken."""
    answered: list[tuple[int, dict[str, Any]]] = []
    refused: Counter[str] = Counter()
    queue = iter(range(len(bodies)))
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=60.0) as client:

        async def one() -> None:
            for index in queue:
                try:
                    response = await client.post("/v1/events", content=bodies[index])
                except httpx.HTTPError as exc:
                    refused[type(exc).__name__] += 1  # no answer: not acknowledged
                    continue
                if 200 <= response.status_code < 300:
                    answered.append((index, response.json()))
                else:
                    refused[str(response.status_code)] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(clients)))
        return answered, refused, time.perf_counter() - started


def _stored_totals(runtime: Runtime) -> tuple[int, int]:
    """(events stored, sum of the anonymous counters): what a batch adds to both is known."""
    with runtime.session() as session:
        events = session.scalar(select(func.count()).select_from(Event)) or 0
        counted = session.scalar(select(func.coalesce(func.sum(ProductActivity.count), 0)))
        return events, int(counted or 0)


def _stored_receipts(runtime: Runtime, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are stored receipts: a plain query, apart from the code it checks."""
    found: set[str] = set()
    with runtime.session() as session:
        for start in range(0, len(keys), _IN_CHUNK):
            found.update(session.scalars(select(EventReceipt.key).where(
                EventReceipt.key.in_(keys[start:start + _IN_CHUNK]))))
    return found


def bench_ingest_http(url: str, *, batches: int, batch_size: int, clients: int = 4,
                      workers: int = 2) -> dict[str, Any]:
    """Like ``bench_ingest``, through ``POST /v1/events`` of a ``prefero serve`` with
    ``workers`` processes over the database at ``url``, ``clients`` batches in flight at a
    time. Then the count: every event of every acknowledged (2xx) batch has its receipt,
    and the stored events and counters grew by at least what the answers said was linked
    and counted (other writers may add more); ``lost`` is what is missing (it must be 0).

    The bodies are encoded before the clock starts, so the load generator (which shares
    the machine) spends its time on sending, not on JSON.

    >>> bench_ingest_http(url, batches=20, batch_size=1000)["lost"]  # doctest: +SKIP
    0
    """
    upgrade(url)
    with tempfile.TemporaryDirectory(prefix="prefero-ingest-") as folder:
        settings = Settings(database_url=url, data_dir=Path(folder))
        env = production_env(settings)
        runtime = Runtime(settings)
        rng = random.Random(7)
        run = uuid.uuid4().hex[:8]
        server = ServerProcess(env, workers=workers)
        try:
            _consenting(runtime)
            work = [_events(rng, run, b * batch_size, batch_size) for b in range(batches)]
            bodies = [orjson.dumps({"events": events}) for events in work]
            before = _stored_totals(runtime)
            server.start()
            answered, refused, seconds = asyncio.run(
                _post_all(server.base, env["PREFERO_ADMIN_KEY"], bodies, clients=clients))
        finally:
            server.stop()
        try:
            after = _stored_totals(runtime)
            acknowledged = [event for index, _ in answered for event in work[index]]
            keys = sorted(receipt_key(event["event_id"], key=env["PREFERO_ERASURE_KEY"])
                          for event in acknowledged)
            found = _stored_receipts(runtime, keys)
        finally:
            runtime.close()
    linked = sum(answer["linked"] for _, answer in answered)
    counted = sum(1 for event in acknowledged if "product_id" in event)
    total = len(acknowledged)
    return {
        "dialect": runtime.engine.dialect.name,
        "workers": workers,
        "clients": clients,
        "events": batches * batch_size,
        "acknowledged": total,
        "accepted": sum(answer["accepted"] for _, answer in answered),
        "linked": linked,
        "failed_batches": batches - len(answered),
        # What the batches without a 2xx got, e.g. "503:2" (shed under overload; the
        # benchmark does not retry them).
        "failed_with": ", ".join(f"{what}:{n}" for what, n in sorted(refused.items())) or "-",
        # Receipts missing, plus events and counters short of what the answers promised.
        "lost": (len(keys) - len(found)) + max(before[0] + linked - after[0], 0)
                + max(before[1] + counted - after[1], 0),
        "seconds": round(seconds, 3),
        "events_per_s": round(total / seconds) if seconds else None,
    }


def scratch_postgres_database(url: str, name: str = "prefero_bench", *,
                              fresh: bool = False) -> str:
    """A database ``name`` on the server of ``url`` (created when missing), so that a
    benchmark never writes into a database that holds anything else; with ``fresh`` it is
    dropped first and starts empty."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if fresh:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                   {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)

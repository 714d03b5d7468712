"""Crash check: kill -9 the server while events stream in, restart it, and count.

A client streams batches of events with unique ids and records an id as acknowledged only
when its batch got a 2xx; a batch that got no answer (the server died under it) is sent
again after the restart, as a real client retries. After ``kills`` SIGKILLs of the whole
server (supervisor and workers) every acknowledged id must be stored exactly once: 0 lost
(the 2xx came after the commit), 0 duplicated (the retried batch was committed before the
kill, and the event-id receipts make the retry a no-op).

The events are ``search`` events of one customer who consents to tracking, with the event
id as the search text, so that each stored event names its id (stored events keep no event
id themselves; receipts are keyed hashes).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select

from prefero.bench.server import ServerProcess, production_env
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.events.models import Event
from prefero.runtime import Runtime

__all__ = ["bench_crash", "count_stored"]


def count_stored(runtime: Runtime, *, prefix: str) -> Counter[str]:
    """How many stored events carry each search text starting with ``prefix``."""
    with runtime.session() as session:
        texts = session.scalars(select(Event.query).where(Event.query.startswith(prefix)))
        return Counter(text for text in texts if text is not None)


class _Feed:
    """The client's queue: batches that got no answer first (retries), then new ones."""

    def __init__(self, run: str, batch_size: int) -> None:
        self.run = run
        self.batch_size = batch_size
        self.retries: list[list[str]] = []
        self.made = 0
        self.resent = 0  # batches that got no 2xx (in flight at a kill) and went again

    def next(self) -> list[str]:
        if self.retries:
            return self.retries.pop()
        self.made += 1
        return [f"{self.run}{self.made}-{i}" for i in range(self.batch_size)]


async def _stream(base: str, key: str, feed: _Feed, *, customer: str, streams: int,
                  acknowledged: set[str], until: float, retries_only: bool = False) -> int:
    """Send batches until ``until`` (or, with ``retries_only``, until no retry is left);
    ids of 2xx batches go to ``acknowledged``, batches without a 2xx back to the feed's
    retries. Returns the number of requests sent."""
    sent = 0
    failed: list[list[str]] = []

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.monotonic() < until and (feed.retries or not retries_only):
            batch = feed.next()
            body = {"events": [{"event_id": event_id, "type": "search", "query": event_id,
                                "customer_id": customer} for event_id in batch]}
            sent += 1
            try:
                response = await client.post("/v1/events", json=body)
            except httpx.HTTPError:
                failed.append(batch)
                continue
            if 200 <= response.status_code < 300:
                acknowledged.update(batch)
            else:
                failed.append(batch)  # a 503 and the like: retried like a lost answer

    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key},
                                 timeout=10.0) as client:
        await asyncio.gather(*(one(client) for _ in range(streams)))
    feed.retries.extend(failed)
    feed.resent += len(failed)
    return sent


def bench_crash(settings: Settings, *, kills: int = 3, workers: int = 1, batch_size: int = 10,
                streams: int = 4, seconds_between: tuple[float, float] = (1.0, 2.5),
                seed: int = 0) -> dict[str, Any]:
    """Stream events into ``prefero serve`` over ``settings``' database, SIGKILL the server
    ``kills`` times mid-stream (restarting it each time), resend what got no answer, and
    count: lost and duplicated must both be 0.

    >>> bench_crash(Settings(data_dir=Path("var/crash")))["lost"]  # doctest: +SKIP
    0
    """
    rng = random.Random(seed)
    upgrade(settings.effective_database_url)
    run = f"crash-{uuid.uuid4().hex[:8]}-"
    customer = f"{run}shopper"
    env = production_env(settings, PREFERO_DEFAULT_CONSENT_TRACKING="true")
    key = env["PREFERO_ADMIN_KEY"]
    server = ServerProcess(env, workers=workers)
    feed = _Feed(run, batch_size)
    acknowledged: set[str] = set()
    requests = 0
    started = time.perf_counter()

    async def stream_then_kill(until: float) -> int:
        task = asyncio.create_task(_stream(server.base, key, feed, customer=customer,
                                           streams=streams, acknowledged=acknowledged,
                                           until=until))
        await asyncio.sleep(max(until - time.monotonic(), 0.0))
        server.kill()  # requests are in flight right now: the streams send until `until`
        return await task

    try:
        for _ in range(kills):
            server.start()
            requests += asyncio.run(stream_then_kill(
                time.monotonic() + rng.uniform(*seconds_between)))
        server.start()
        # The batches that got no answer are sent again until each is acknowledged.
        for _ in range(20):
            if not feed.retries:
                break
            requests += asyncio.run(_stream(
                server.base, key, feed, customer=customer, streams=streams,
                acknowledged=acknowledged, until=time.monotonic() + 30.0, retries_only=True))
    finally:
        server.stop()
    runtime = Runtime(settings)
    try:
        stored = count_stored(runtime, prefix=run)
    finally:
        runtime.close()
    lost = sum(1 for event_id in acknowledged if stored[event_id] == 0)
    duplicated = sum(1 for event_id in acknowledged if stored[event_id] > 1)
    return {
        "kills": kills,
        "unacknowledged_left": sum(len(batch) for batch in feed.retries),
        "requests": requests,
        "batches_resent": feed.resent,
        "acknowledged": len(acknowledged),
        "stored": sum(stored.values()),
        "stored_unacknowledged": sum(1 for e in stored if e not in acknowledged),
        "lost": lost,
        "duplicated": duplicated + sum(1 for e, n in stored.items()
                                       if e not in acknowledged and n > 1),
        "seconds": round(time.perf_counter() - started, 1),
    }

"""Batches ingested at the same time that share event ids, customers, dismissals and
counters: no deadlock, no error, and every event id stored exactly once (SQLite and
PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ingest_support import grant
from sqlalchemy import func, select

from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.schemas import IngestResult
from prefero.events.service import ingest
from prefero.runtime import Runtime

WRITERS = 4
BATCHES = 5
PEOPLE = [f"c{i}" for i in range(5)]


def event(n: int) -> dict[str, Any]:
    # One content per id, so that whichever batch stores it first stores the same thing;
    # the search text names the event, since stored events keep no event id.
    kind = "rec_dismiss" if n % 9 == 0 else "search"
    return {"event_id": f"e{n}", "type": kind, "customer_id": PEOPLE[n % len(PEOPLE)],
            "product_id": f"p{n % 7}", **({"query": f"e{n}"} if kind == "search" else {})}


def test_overlapping_batches_at_once_store_each_event_once(runtime: Runtime) -> None:
    grant(runtime, *PEOPLE)
    rng = random.Random(5)
    work = [[[event(n) for n in rng.sample(range(300), 100)] for _ in range(BATCHES)]
            for _ in range(WRITERS)]

    def writer(batches: list[list[dict[str, Any]]]) -> list[IngestResult]:
        results = []
        for batch in batches:
            # A write session, as POST /v1/events has (SQLite takes its write lock up front).
            with runtime.session(write=True) as session:
                results.append(ingest(session, batch, settings=runtime.settings))
        return results

    with ThreadPoolExecutor(WRITERS) as pool:
        results = [r for batch in pool.map(writer, work) for r in batch]

    sent = [e["event_id"] for batches in work for batch in batches for e in batch]
    distinct = set(sent)
    assert sum(r.accepted for r in results) == len(distinct)
    assert sum(r.duplicates for r in results) == len(sent) - len(distinct)
    searches = {i for i in distinct if event(int(i[1:]))["type"] == "search"}
    with runtime.session() as session:
        stored = Counter(session.scalars(select(Event.query).where(Event.type == "search")))
        receipts = session.scalar(select(func.count()).select_from(EventReceipt))
        counted = session.scalar(select(func.sum(ProductActivity.count)))
    assert stored == dict.fromkeys(searches, 1)
    assert receipts == counted == len(distinct)

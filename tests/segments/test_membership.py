"""Stored membership stays fresh: the services' writes (preferences, consents, events on
either event store, a preference removed by a query) queue the customers they touch, a
flush re-evaluates them in batches, a rolled-back write queues nobody, the sweep ages
windowed segments out with time, erasure empties membership, and the incremental refresh
always lands where a full rebuild does. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from factories import customer
from prefero.config import Settings
from prefero.customers.consent import record_consent
from prefero.customers.preferences import add_like, remove_like
from prefero.customers.schemas import ConsentIn, Like
from prefero.db.base import utcnow
from prefero.events.service import ingest
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime
from prefero.segments import dirty
from prefero.segments.conditions import parse_condition
from prefero.segments.membership import (
    flush_dirty,
    install_refresh,
    rebuild,
    refresh,
    segments_of,
    sweep,
)
from prefero.segments.models import Segment, SegmentMember
from prefero.segments.service import create_segment
from segment_population import DEFAULTS, NOW, Person, conditions, people, write

VEGAN = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}
BOUGHT = {"type": "behaviour", "event": "purchase", "min": 1, "days": 30}


def make(runtime: Runtime, key: str, condition: dict[str, Any]) -> None:
    with runtime.session(write=True) as session:
        create_segment(session, key=key, name=key.title(), condition=parse_condition(condition),
                       actor="test", settings=runtime.settings)


def members(runtime: Runtime, customer_id: str) -> frozenset[str]:
    with runtime.session() as session:
        return segments_of(session, customer_id)


@pytest.fixture(autouse=True)
def empty_queue(runtime: Runtime) -> Iterator[None]:
    dirty.take(runtime.engine.pool)
    yield
    dirty.take(runtime.engine.pool)


def test_preference_changes_move_customers_in_and_out(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "ala")
    make(runtime, "vegans", VEGAN)
    dirty.take(runtime.engine.pool)
    with runtime.session(write=True) as session:
        add_like(session, customer_id="ala", like=Like(facet="diet", value="vegan", weight=1),
                 schema=runtime.facet_schema)
    assert members(runtime, "ala") == frozenset()  # queued, not yet refreshed
    assert flush_dirty(runtime).joined == 1
    assert members(runtime, "ala") == {"vegans"}
    with runtime.session(write=True) as session:
        # A Core DELETE … WHERE customer_id = … is noticed too.
        assert remove_like(session, customer_id="ala", facet="diet", value="vegan")
    assert flush_dirty(runtime).left == 1
    assert members(runtime, "ala") == frozenset()


def test_consents_and_events_on_either_store_are_noticed(runtime: Runtime) -> None:
    make(runtime, "buyers", BOUGHT)
    with runtime.session(write=True) as session:
        customer(session, "bob")
        record_consent(session, customer_id="bob", settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=True))
    flush_dirty(runtime)
    with runtime.session(write=True) as session:
        ingest(session, [{"event_id": "e1", "type": "purchase", "customer_id": "bob",
                          "product_id": "p1", "price": 10, "quantity": 1}],
               settings=runtime.settings)
    assert dirty.waiting(runtime.engine.pool)[0] == 1
    flush_dirty(runtime)
    assert members(runtime, "bob") == {"buyers"}
    with runtime.session(write=True) as session:
        # Behaviour counts only while tracking is allowed: the withdrawal takes bob out.
        record_consent(session, customer_id="bob", settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=False))
    flush_dirty(runtime)
    assert members(runtime, "bob") == frozenset()


def test_a_rolled_back_write_queues_nobody(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "cyd")
    dirty.take(runtime.engine.pool)
    with pytest.raises(RuntimeError), runtime.session(write=True) as session:
        add_like(session, customer_id="cyd", like=Like(facet="diet", value="vegan", weight=1),
                 schema=runtime.facet_schema)
        session.flush()
        raise RuntimeError("the request failed")
    assert dirty.waiting(runtime.engine.pool) == (0, 0.0)


def test_the_queue_flushes_itself_once_a_batch_is_due(database_url: str, tmp_path: Any
                                                      ) -> None:
    runtime = Runtime(Settings(database_url=database_url, data_dir=tmp_path / "data",
                               segment_refresh_batch=3, segment_refresh_seconds=3600))
    try:
        install_refresh(runtime)
        make(runtime, "vegans", VEGAN)
        for n in range(3):
            with runtime.session(write=True) as session:
                customer(session, f"v{n}", likes=[("diet", "vegan", 1.0)])
            if n < 2:
                # Two changed customers wait ...
                assert members(runtime, "v0") == frozenset()
        # ... the third makes a batch, refreshed after its commit on a thread of its own.
        deadline = time.monotonic() + 10
        while members(runtime, "v0") != {"vegans"} and time.monotonic() < deadline:
            time.sleep(0.02)
        assert members(runtime, "v0") == {"vegans"}
        assert dirty.waiting(runtime.engine.pool)[0] == 0
    finally:
        dirty.take(runtime.engine.pool)
        runtime.close()


def test_windowed_segments_age_out_with_the_sweep(runtime: Runtime) -> None:
    now = utcnow()
    make(runtime, "buyers", BOUGHT)
    with runtime.session(write=True) as session:
        customer(session, "dee")
        record_consent(session, customer_id="dee", settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=True))
        ingest(session, [{"event_id": "e1", "type": "purchase", "customer_id": "dee",
                          "product_id": "p1",
                          "occurred_at": (now - timedelta(days=29)).isoformat()}],
               settings=runtime.settings)
    flush_dirty(runtime, now=now)
    assert members(runtime, "dee") == {"buyers"}
    with runtime.session(write=True) as session:
        assert sweep(session, defaults=DEFAULTS, now=now + timedelta(hours=23)).left == 0
    assert members(runtime, "dee") == {"buyers"}
    with runtime.session(write=True) as session:
        # Nothing happened to dee: time alone ended the 30 days.
        assert sweep(session, defaults=DEFAULTS, now=now + timedelta(days=2)).left == 1
    assert members(runtime, "dee") == frozenset()


def test_erasure_empties_membership_and_the_export_lists_it(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "eve", likes=[("diet", "vegan", 1.0)])
    make(runtime, "vegans", VEGAN)
    with runtime.session() as session:
        data = customer_data(session, customer_id="eve", settings=runtime.settings)
    assert [(s.segment, s.name) for s in data.segments] == [("vegans", "Vegans")]
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id="eve", settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalars(select(SegmentMember.customer_id)).all() == []


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=people(), raws=conditions().flatmap(
    lambda first: conditions().map(lambda second: [first, second])))
def test_incremental_refresh_lands_where_a_rebuild_does(engine: Engine,
                                                         population: list[Person],
                                                         raws: list[dict[str, Any]]) -> None:
    with Session(engine) as session:
        segments = [Segment(key=f"s{n}", name="S", condition=raw, windowed=True,
                            created_at=NOW, updated_at=NOW) for n, raw in enumerate(raws)]
        session.add_all(segments)
        write(session, population)
        ids = [p.id for p in population]
        refresh(session, ids, defaults=DEFAULTS, now=NOW)
        incremental = set(session.execute(select(SegmentMember.segment_id,
                                                 SegmentMember.customer_id)).all())
        for segment in segments:
            rebuild(session, segment.id, parse_condition(segment.condition),
                    defaults=DEFAULTS, now=NOW)
        rebuilt = set(session.execute(select(SegmentMember.segment_id,
                                             SegmentMember.customer_id)).all())
        # And a refresh after the rebuild changes nothing.
        again = refresh(session, ids, defaults=DEFAULTS, now=NOW)
        session.rollback()
    assert incremental == rebuilt
    assert (again.joined, again.left) == (0, 0)


def test_a_segment_that_no_longer_parses_keeps_its_members_and_spares_the_rest(
        runtime: Runtime) -> None:
    make(runtime, "vegans", VEGAN)
    deep: dict[str, Any] = VEGAN
    for _ in range(12):  # deeper than the language allows now
        deep = {"type": "not", "condition": {"type": "not", "condition": deep}}
    with runtime.session(write=True) as session:
        customer(session, "gus", likes=[("diet", "vegan", 1.0)])
        old = Segment(key="old", name="Old", condition=deep, windowed=False)
        session.add(old)
        session.flush()
        session.add(SegmentMember(segment_id=old.id, customer_id="gus"))
    flush_dirty(runtime)
    assert members(runtime, "gus") == {"vegans", "old"}

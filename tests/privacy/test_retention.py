"""Retention (issue 10): behavioural data older than the window goes, in bounded batches;
what is newer stays, and the counters keep agreeing with the events that remain."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from factories import consent, customer
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.service import ingest, legacy_receipt_key, receipt_key
from prefero.privacy.retention import expire_behaviour, rekey_legacy_receipts
from prefero.runtime import Runtime

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _ingest_at(runtime: Runtime, ages_days: list[float], *, tag: str) -> None:
    events = [{"event_id": f"{tag}-{i}", "type": "view", "customer_id": "c1",
               "product_id": f"p{i % 3}",
               "occurred_at": (NOW - timedelta(days=age)).isoformat()}
              for i, age in enumerate(ages_days)]
    with runtime.session() as session:
        ingest(session, events, settings=runtime.settings)


def _counters(runtime: Runtime) -> Counter[tuple[str, object]]:
    with runtime.session() as session:
        return Counter({(a.product_id, a.day): a.count
                        for a in session.scalars(select(ProductActivity))})


def _events_per_day(runtime: Runtime) -> Counter[tuple[str, object]]:
    with runtime.session() as session:
        return Counter((str(e.product_id), e.occurred_at.date())
                       for e in session.scalars(select(Event)))


def test_old_events_go_in_batches_new_ones_stay_and_counters_agree(runtime: Runtime) -> None:
    with runtime.session() as session:
        customer(session, "c1")
        consent(session, "c1", "tracking", True)
    # 7 events older than a 30-day window (one just past the cut-off day), 4 within it.
    _ingest_at(runtime, [400, 200, 45, 31.6, 31.1, 40, 33], tag="old")
    _ingest_at(runtime, [29, 10, 1, 0.1], tag="new")
    assert _counters(runtime) == _events_per_day(runtime)
    with runtime.session() as session:
        old_keys = [receipt_key(f"old-{i}", key=runtime.settings.erasure_key) for i in range(7)]
        session.execute(update(EventReceipt).where(EventReceipt.key.in_(old_keys))
                        .values(received_at=NOW - timedelta(days=90)))

    report = expire_behaviour(runtime.session, days=30, now=NOW, batch=2)

    assert report.cutoff == datetime(2026, 2, 8, tzinfo=UTC)
    assert (report.events, report.receipts) == (7, 7)
    assert report.batches >= 4 + 4  # 7 events and 7 receipts, two rows per transaction
    remaining = _events_per_day(runtime)
    assert sum(remaining.values()) == 4
    assert report.cutoff is not None
    assert min(day for _, day in remaining) >= report.cutoff.date()
    assert _counters(runtime) == remaining
    # The receipts of the new events stay: their re-sends are still duplicates.
    with runtime.session() as session:
        again = ingest(session, [{"event_id": "new-0", "type": "view", "customer_id": "c1",
                                  "product_id": "p0", "occurred_at": NOW.isoformat()}],
                       settings=runtime.settings)
    assert again.duplicates == 1


def test_without_a_window_nothing_is_deleted(runtime: Runtime) -> None:
    _ingest_at(runtime, [4000], tag="ancient")
    report = expire_behaviour(runtime.session, days=None, now=NOW)
    assert report.cutoff is None and report.events == 0
    assert sum(_counters(runtime).values()) == 1


def test_legacy_receipts_are_rekeyed(runtime: Runtime) -> None:
    key = runtime.settings.erasure_key
    with runtime.session() as session:
        session.add_all([EventReceipt(key=legacy_receipt_key(f"old-{i}")) for i in range(5)])
        session.add(EventReceipt(key=receipt_key("old-0", key=key)))  # already both forms
    assert rekey_legacy_receipts(runtime.session, key=key, batch=2) == 5
    with runtime.session() as session:
        keys = set(session.scalars(select(EventReceipt.key)))
    assert keys == {receipt_key(f"old-{i}", key=key) for i in range(5)}
    assert rekey_legacy_receipts(runtime.session, key=key) == 0

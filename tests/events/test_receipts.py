"""Event receipts are keyed (finding 7 of issue 10): an id that embeds a customer id cannot
be confirmed from the stored receipt by hashing guesses, and an upgrade from the unkeyed form
never counts a re-sent old event twice."""

from __future__ import annotations

import hashlib
from typing import Any

from ingest_support import grant, snapshot
from sqlalchemy import select

from prefero.events.models import EventReceipt
from prefero.events.schemas import IngestResult
from prefero.events.service import (
    RECEIPT_PREFIX,
    ingest,
    ingest_ga4,
    legacy_receipt_key,
    receipt_key,
)
from prefero.runtime import Runtime

AT = "2026-01-05T10:00:00+00:00"


def view(event_id: str, who: str = "c-1") -> dict[str, Any]:
    return {"event_id": event_id, "type": "view", "customer_id": who, "product_id": "sku-1",
            "occurred_at": AT}


def run(runtime: Runtime, events: list[Any], *, erasure_key: str | None = None
        ) -> IngestResult:
    settings = runtime.settings
    if erasure_key is not None:
        settings = settings.model_copy(update={"erasure_key": erasure_key})
    with runtime.session() as session:
        return ingest(session, events, settings=settings)


def receipts(runtime: Runtime) -> set[str]:
    with runtime.session() as session:
        return set(session.scalars(select(EventReceipt.key)))


def test_a_guessed_id_cannot_be_confirmed_from_the_receipts(runtime: Runtime) -> None:
    event_id = "order-alice@example.com-17"
    run(runtime, [view(event_id)])
    guesses = {hashlib.sha256(event_id.encode()).hexdigest(),
               hashlib.sha256(event_id.encode()).hexdigest()[:62],
               hashlib.sha512(event_id.encode()).hexdigest()[:64]}
    stored = receipts(runtime)
    assert len(stored) == 1
    assert not any(guess in key for guess in guesses for key in stored)
    assert stored == {receipt_key(event_id, key=runtime.settings.erasure_key)}


def test_duplicates_are_still_detected(runtime: Runtime) -> None:
    grant(runtime, "c-1")
    assert run(runtime, [view("e1"), view("e1")]).duplicates == 1
    once = snapshot(runtime)
    again = run(runtime, [view("e1")])
    assert (again.accepted, again.duplicates) == (0, 1)
    assert snapshot(runtime) == once


def test_a_receipt_stored_before_keying_still_makes_a_resend_a_duplicate(
    runtime: Runtime,
) -> None:
    grant(runtime, "c-1")
    with runtime.session() as session:  # what an older version left behind
        session.add(EventReceipt(key=legacy_receipt_key("old-1")))
    before = snapshot(runtime)
    result = run(runtime, [view("old-1"), view("new-1")])
    assert (result.accepted, result.duplicates, result.linked) == (1, 1, 1)
    after = snapshot(runtime)
    assert sum(after["events"].values()) == sum(before["events"].values()) + 1
    # The resend was recorded in the keyed form, so the legacy row is no longer needed.
    assert receipt_key("old-1", key=runtime.settings.erasure_key) in receipts(runtime)
    assert run(runtime, [view("old-1")]).duplicates == 1


def test_changing_the_erasure_key_forgets_earlier_receipts(runtime: Runtime) -> None:
    """The documented cost of rotating the erasure key (docs/privacy.md): receipts made with
    the old key are no longer recognised, so the key must stay for the life of the data."""
    assert run(runtime, [view("e1")]).accepted == 1
    assert run(runtime, [view("e1")]).duplicates == 1
    assert run(runtime, [view("e1")], erasure_key="another-key").accepted == 1


def test_ga4_receipts_are_keyed_too(runtime: Runtime) -> None:
    # GA4 events without an event_id get one derived from a SHA-256 over their content,
    # which includes the user id; that id is never stored, only its keyed receipt.
    body = {"event": "view_item", "user_id": "alice@example.com",
            "ecommerce": {"items": [{"item_id": "sku-1"}]}}
    with runtime.session() as session:
        assert ingest_ga4(session, body, settings=runtime.settings).accepted == 1
    with runtime.session() as session:
        assert ingest_ga4(session, body, settings=runtime.settings).duplicates == 1
    [key] = receipts(runtime)
    assert key.startswith(RECEIPT_PREFIX) and len(key) == 64

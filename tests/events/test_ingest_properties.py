"""Invariants of ingest, checked with Hypothesis on SQLite and PostgreSQL.

Every example touches the database, so examples are few and each starts from empty tables.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_support import grant, snapshot, wipe

from prefero.events.service import ingest
from prefero.runtime import Runtime

KNOWN = ["c0", "c1", "c2"]
ANONYMOUS = ["v0", "v1"]
PRODUCTS = ["p0", "p1", "p2"]
TYPES = ["view", "add_to_cart", "remove_from_cart", "purchase", "search", "rating",
         "rec_click", "rec_dismiss"]

# The runtime fixture (and its database) is created once per test and shared by all its
# examples; that is intended, because each example first wipes the tables it uses.
db_settings = settings(max_examples=25, deadline=None, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def an_event(draw: st.DrawFn, event_id: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    person = draw(st.sampled_from(KNOWN + ANONYMOUS))
    event: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "customer_id" if person in KNOWN else "anonymous_id": person,
        "occurred_at": f"2026-01-0{draw(st.integers(1, 3))}T{draw(st.integers(0, 23)):02d}"
                       f":00:00+00:00",
    }
    if kind != "search" or draw(st.booleans()):
        event["product_id"] = draw(st.sampled_from(PRODUCTS))
    if kind == "search":
        event["query"] = draw(st.sampled_from(["tent", "rain jacket"]))
    if kind == "rating":
        event["rating"] = draw(st.integers(1, 5))
    if kind in ("add_to_cart", "purchase"):
        event["quantity"] = draw(st.integers(1, 3))
        event["price"] = draw(st.sampled_from(["9.99", "10.00", "0"]))
    return event


@st.composite
def a_batch(draw: st.DrawFn) -> list[dict[str, Any]]:
    # Event ids are unique within the generated batch: one id, one content. (A client that
    # reuses an id for other content gets the first version, which depends on order.)
    size = draw(st.integers(0, 12))
    return [draw(an_event(f"e{i}")) for i in range(size)]


# For each known customer, the ledger's history of tracking answers (latest wins).
ledgers = st.fixed_dictionaries({c: st.lists(st.booleans(), max_size=3) for c in KNOWN})


def set_up(runtime: Runtime, ledger: dict[str, list[bool]]) -> None:
    wipe(runtime)
    for customer, answers in ledger.items():
        for answer in answers:
            grant(runtime, customer, granted=answer)


def run(runtime: Runtime, events: list[dict[str, Any]]) -> Any:
    with runtime.session() as session:
        return ingest(session, events, settings=runtime.settings)


@db_settings
@given(batch=a_batch(), ledger=ledgers, data=st.data())
def test_repeating_or_reordering_a_batch_stores_what_one_ingest_stores(
    runtime: Runtime, batch: list[dict[str, Any]], ledger: dict[str, list[bool]],
    data: st.DataObject,
) -> None:
    set_up(runtime, ledger)
    once = run(runtime, batch)
    expected = snapshot(runtime)
    assert once.accepted == len(batch) and once.duplicates == 0

    repeats = data.draw(st.lists(st.sampled_from(batch), max_size=6) if batch else st.just([]))
    shuffled = data.draw(st.permutations(batch + repeats))
    set_up(runtime, ledger)
    first = run(runtime, shuffled)
    second = run(runtime, batch)
    assert snapshot(runtime) == expected
    assert (first.accepted, first.duplicates) == (len(batch), len(repeats))
    assert (second.accepted, second.duplicates) == (0, len(batch))
    assert first.linked == once.linked


@db_settings
@given(batch=a_batch(), ledger=ledgers)
def test_events_of_people_without_tracking_consent_are_never_linked(
    runtime: Runtime, batch: list[dict[str, Any]], ledger: dict[str, list[bool]]
) -> None:
    set_up(runtime, ledger)
    result = run(runtime, batch)
    consenting = {c for c, answers in ledger.items() if answers and answers[-1]}
    state = snapshot(runtime)

    linked_people = {row[0] for row in state["events"]}
    assert linked_people <= consenting
    expected_linked = [e for e in batch if e.get("customer_id") in consenting]
    assert sum(state["events"].values()) == len(expected_linked) == result.linked
    # Whatever the consent, every event with a product is counted, anonymously.
    expected_counts = Counter((e["product_id"], e["type"]) for e in batch if "product_id" in e)
    counted: Counter[tuple[str, str]] = Counter()
    for (product, _day, kind), n in state["counters"].items():
        counted[(product, kind)] += n
    assert counted == expected_counts
    # No profile appears for someone who neither consented nor dismissed anything.
    dismissers = {e.get("customer_id") or e.get("anonymous_id") for e in batch
                  if e["type"] == "rec_dismiss"}
    asked = {c for c, answers in ledger.items() if answers}
    assert {c for c, _ in state["customers"]} == asked | dismissers

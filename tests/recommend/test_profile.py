"""The profile the request path reads. A process keeps each customer's preferences and
consents while the database's ``profile_revision`` for them stands; every write moves it, so
a rule, a consent withdrawal or an erasure written through one process is what another
process reads on its very next request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select

from prefero.config import Settings
from prefero.customers.models import Customer, Preference
from prefero.recommend.profile import CustomerProfile, load_profile
from prefero.runtime import Runtime

CUSTOMER = "c-cached"


def _fresh(runtime: Runtime) -> CustomerProfile:
    """The profile read straight from the database, no cache involved."""
    with runtime.session() as session:
        return load_profile(session, customer_id=CUSTOMER, settings=runtime.settings)


def _served(runtime: Runtime) -> CustomerProfile:
    """The profile as the process's engine reads it for a request (its cache in use)."""
    with runtime.session() as session:
        return runtime.recommender.profile(session, CUSTOMER)


def _revision(runtime: Runtime) -> int | None:
    with runtime.session() as session:
        return session.scalar(select(Customer.profile_revision)
                              .where(Customer.id == CUSTOMER))


def test_a_write_through_one_process_is_read_by_another_at_once(
        runtime: Runtime, client: TestClient, settings: Settings) -> None:
    other = Runtime(settings)  # a second server process: its own engine and cache
    base = f"/v1/customers/{CUSTOMER}"
    gluten = {"facet": "allergens", "op": "never", "values": ["gluten"]}
    writes: list[tuple[str, Callable[[], Any]]] = [
        ("likes and a rule", lambda: client.put(f"{base}/preferences", json={
            "likes": [{"facet": "brand", "value": "lindt", "weight": 1}],
            "constraints": [gluten]})),
        ("tracking withdrawn", lambda: client.post(f"{base}/consents", json={
            "purpose": "tracking", "granted": False})),
        ("another rule", lambda: client.put(f"{base}/preferences", json={
            "likes": [], "constraints": [gluten, {"facet": "allergens", "op": "never",
                                                  "values": ["nuts"]}]})),
        ("personalization withdrawn", lambda: client.post(f"{base}/consents", json={
            "purpose": "personalization", "granted": False})),
        ("everything cleared", lambda: client.put(f"{base}/preferences", json={
            "likes": [], "constraints": []})),
    ]
    try:
        seen: list[int | None] = []
        for what, write in writes:
            _served(other)  # the other process holds what stood before the write
            response = write()
            assert response.status_code in (200, 201), (what, response.text)
            assert _served(other) == _fresh(runtime), what
            seen.append(_revision(runtime))
        assert None not in seen and len(set(seen)) == len(writes)  # a new stamp each time
        assert _served(other).never == ()  # the last write cleared the rules
        assert client.delete(base).status_code == 200  # erasure
        assert _served(other) == _fresh(runtime)
        assert _served(other).never == () and _served(other).likes == ()
    finally:
        other.close()


def test_rows_written_without_the_services_move_the_revision_too(runtime: Runtime) -> None:
    """The database keeps the counter (triggers), so a bulk load or a hand-written statement
    cannot leave a process with rules that are no longer the customer's."""
    with runtime.session(write=True) as session:
        session.add(Customer(id=CUSTOMER))
    _served(runtime)
    with runtime.session(write=True) as session:
        session.execute(insert(Preference).values(
            customer_id=CUSTOMER, kind="never", facet="allergens", value="gluten",
            source="import"))
    assert _served(runtime).never == (("allergens", "gluten"),)
    with runtime.session(write=True) as session:
        session.execute(delete(Preference).where(Preference.customer_id == CUSTOMER))
    assert _served(runtime).never == ()


def test_a_profile_read_inside_a_write_that_rolls_back_is_never_served(
        runtime: Runtime) -> None:
    """A request may read the profile it is changing before it fails; what it read must not
    pass for the profile another write later commits (the stamp is never handed out twice)."""
    with runtime.session(write=True) as session:
        session.add(Customer(id=CUSTOMER))

    class Failed(Exception):
        pass

    try:
        with runtime.session(write=True) as session:
            session.execute(insert(Preference).values(
                customer_id=CUSTOMER, kind="never", facet="allergens", value="nuts",
                source="import"))
            assert runtime.recommender.profile(session, CUSTOMER).never == (
                ("allergens", "nuts"),)  # read, and kept, inside the failing write
            raise Failed
    except Failed:
        pass
    with runtime.session(write=True) as session:
        session.execute(insert(Preference).values(
            customer_id=CUSTOMER, kind="never", facet="allergens", value="gluten",
            source="import"))
    assert _served(runtime).never == (("allergens", "gluten"),) == _fresh(runtime).never

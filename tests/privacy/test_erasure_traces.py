"""Erasure leaves nothing in the storage either (finding 7 of issue 10): not in SQLite's
database file, its -wal or -shm file, nor any row of any table on PostgreSQL; and the audit
log keeps the erase action under the keyed subject hash only."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from prefero.privacy.service import subject_hash
from prefero.runtime import Runtime

WHO = "zq-erase-me-7781@example.com"
SEARCHES = ["xylophone quokka umbrella", "marzipan tuba gnocchi"]
BYSTANDER = "someone-else-4410"


def _stored_somewhere(runtime: Runtime, needles: list[bytes]) -> list[str]:
    """Where any needle occurs: file names on SQLite (the raw bytes of the database, its
    -wal and -shm), table names on PostgreSQL (every row of every table as text)."""
    url = make_url(runtime.settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        found = []
        for suffix in ("", "-wal", "-shm"):
            path = Path(url.database + suffix)
            data = path.read_bytes() if path.exists() else b""
            found += [f"{path.name}: {needle!r}" for needle in needles if needle in data]
        return found
    found = []
    with runtime.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
            blob = "\n".join(rows).encode()
            found += [f"{table}: {needle!r}" for needle in needles if needle in blob]
    return found


def _shopper_history(client: TestClient, who: str, searches: list[str]) -> None:
    assert client.post(f"/v1/customers/{who}/consents",
                       json={"purpose": "tracking", "granted": True}).status_code == 201
    events = [{"event_id": f"{who}-search-{i}", "type": "search", "customer_id": who,
               "query": query} for i, query in enumerate(searches)]
    events.append({"event_id": f"{who}-view", "type": "view", "customer_id": who,
                   "product_id": "sku-1"})
    answer = client.post("/v1/events", json={"events": events})
    assert answer.status_code == 200, answer.text
    assert answer.json()["linked"] == len(events)
    assert client.get(f"/v1/customers/{who}/data").status_code == 200


def test_no_copy_of_the_id_or_the_searches_survives_erasure(
    client: TestClient, runtime: Runtime,
) -> None:
    _shopper_history(client, WHO, SEARCHES)
    _shopper_history(client, BYSTANDER, ["bystander search"])
    needles = [WHO.encode(), *(s.encode() for s in SEARCHES)]
    assert _stored_somewhere(runtime, needles)  # the scan does see them before

    answer = client.delete(f"/v1/customers/{WHO}")
    assert answer.status_code == 200, answer.text

    assert _stored_somewhere(runtime, needles) == []
    # The bystander is untouched, and still findable (the scan is not blind).
    assert _stored_somewhere(runtime, [BYSTANDER.encode(), b"bystander search"]) != []
    # The erase itself stays in the audit log, under the subject hash only.
    digest = subject_hash(WHO, key=runtime.settings.erasure_key)
    entries = client.get("/v1/audit", params={"target": digest}).json()["items"]
    assert [e["action"] for e in entries] == ["customer.erase", "customer.data.read",
                                             "consent.write"]

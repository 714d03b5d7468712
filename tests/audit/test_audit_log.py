"""The audit log (issue 10, "Audit log"): every admin and privacy action leaves exactly one
entry written with the action (none when the action fails), admins read it page by page with
filters, the customer sees the actions on their data, and nothing can rewrite it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from apikeys import ADMIN_KEY, READ_KEY
from prefero.api.principal import key_id
from prefero.audit import service
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime

ADMIN = f"key:{key_id(ADMIN_KEY)}"


def entries(runtime: Runtime) -> list[tuple[str, str, str | None, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target, e.client)
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_successful_action_is_recorded_with_who_what_target_and_where(
    client: TestClient, runtime: Runtime,
) -> None:
    assert client.put("/v1/customers/c1/preferences", json={"level": "declared"}
                      ).status_code == 200
    assert client.get("/v1/customers/c1/data").status_code == 200
    assert entries(runtime) == [(ADMIN, "preferences.write", "c1", "testclient"),
                                (ADMIN, "customer.data.read", "c1", "testclient")]


def test_a_failed_action_leaves_no_entry(client: TestClient, runtime: Runtime) -> None:
    assert client.delete("/v1/customers/never-seen").status_code == 404
    assert client.put("/v1/customers/c1/preferences", json={"level": "loud"}
                      ).status_code == 422
    assert client.get("/v1/customers/c1/data",
                      headers={"X-API-Key": READ_KEY}).status_code == 403
    assert entries(runtime) == []


def test_admins_page_through_the_log_with_filters(client: TestClient) -> None:
    for i in range(5):
        assert client.put(f"/v1/customers/c{i}/preferences", json={}).status_code == 200
    assert client.get("/v1/customers/c3/data").status_code == 200

    first = client.get("/v1/audit", params={"limit": 2}).json()
    assert [e["target"] for e in first["items"]] == ["c3", "c4"]  # newest first
    second = client.get("/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["target"] for e in second["items"]] == ["c3", "c2"]
    everything = client.get("/v1/audit", params={"limit": 200}).json()
    assert len(everything["items"]) == 6 and everything["next_cursor"] is None

    def targets(**params: str) -> list[str | None]:
        answer = client.get("/v1/audit", params=params)
        assert answer.status_code == 200, answer.text
        return [e["target"] for e in answer.json()["items"]]

    assert targets(action="customer.data.read") == ["c3"]
    assert targets(target="c3") == ["c3", "c3"]
    assert targets(actor=ADMIN, action="preferences.write", target="c0") == ["c0"]
    assert targets(actor="key:00000000") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert targets(since=future) == []
    assert len(targets(since="2000-01-01T00:00:00Z")) == 6


@pytest.mark.parametrize(("params", "loc"), [
    ({"cursor": "not-a-cursor"}, ["query", "cursor"]),
    ({"cursor": "YTo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, ["query", "cursor"]),  # 30 digits
    ({"since": "2026-01-01T00:00:00"}, ["query", "since"]),  # no offset: ambiguous
    ({"since": "0.5"}, ["query", "since"]),  # not read as a Unix time
    ({"since": "0001-01-01T00:00:00+14:00"}, ["query", "since"]),
    ({"limit": "0"}, ["query", "limit"]),
    # No stored value holds a NUL, and PostgreSQL cannot compare one (it answered a 500).
    ({"action": "\x00"}, ["query", "action"]),
    ({"actor": "key:\x1f"}, ["query", "actor"]),
])
def test_bad_parameters_get_a_precise_422(client: TestClient, params: dict[str, str],
                                          loc: list[str]) -> None:
    answer = client.get("/v1/audit", params=params)
    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["errors"]] == [loc]


def test_only_admins_read_the_log(client: TestClient) -> None:
    assert client.get("/v1/audit", headers={"X-API-Key": READ_KEY}).status_code == 403
    assert client.get("/v1/audit", headers={"X-API-Key": ""}).status_code == 401


def test_the_customer_sees_the_actions_on_their_data(client: TestClient) -> None:
    assert client.put("/v1/customers/c1/preferences", json={}).status_code == 200
    assert client.put("/v1/customers/c2/preferences", json={}).status_code == 200
    assert client.post("/v1/customers/c1/consents",
                       json={"purpose": "tracking", "granted": True}).status_code == 201
    data = client.get("/v1/customers/c1/data").json()
    # Newest first; the read that produced this view is part of the same transaction.
    assert [(a["action"], a["actor"]) for a in data["actions"]] == [
        ("customer.data.read", ADMIN), ("consent.write", ADMIN), ("preferences.write", ADMIN)]
    assert "client" not in data["actions"][0]


def test_erasure_keeps_the_entries_under_the_subject_hash(
    client: TestClient, runtime: Runtime,
) -> None:
    assert client.put("/v1/customers/c1/preferences", json={}).status_code == 200
    receipt = client.delete("/v1/customers/c1").json()
    assert [(a, t) for _, a, t, _ in entries(runtime)] == [
        ("preferences.write", receipt["subject_hash"]),
        ("customer.erase", receipt["subject_hash"])]
    # Asking again is answered from the receipt, and recorded without the raw id too.
    assert client.delete("/v1/customers/c1").json()["already_erased"] is True
    assert "c1" not in {t for _, _, t, _ in entries(runtime)}
    assert len(entries(runtime)) == 3


def test_customer_actors_lose_id_and_address_on_erasure(runtime: Runtime) -> None:
    with runtime.session() as session:
        service.record(session, actor="customer:c9", action="consent.write",
                       target_kind="customer", target="c9", client="198.51.100.7")
        service.record(session, actor=ADMIN, action="product.write", target_kind="product",
                       target="c9", client="203.0.113.1")  # a product that happens to be "c9"
    with runtime.session() as session:
        assert service.pseudonymise_customer(session, customer_id="c9", subject="ab" * 32) == 2
    assert entries(runtime) == [(f"erased:{'ab' * 32}", "consent.write", "ab" * 32, None),
                                (ADMIN, "product.write", "c9", "203.0.113.1")]


def test_the_service_offers_no_way_to_change_or_delete_entries() -> None:
    public = set(service.__all__)
    assert public == {"CUSTOMER", "MAX_PAGE_SIZE", "AuditFilter", "customer_actions",
                      "list_entries", "pseudonymise_customer", "record"}


def test_on_postgresql_the_database_refuses_edits_and_deletes(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    with runtime.session() as session:
        service.record(session, actor=ADMIN, action="catalog.import")
    for statement in (update(AuditEntry).values(action="nothing.happened"),
                      update(AuditEntry).values(actor="key:00000000"),
                      delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="audit_log"), runtime.session() as session:
            session.execute(statement)
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1

"""Review of issue 10: the storage scrub runs outside the erasure's unit of work: on SQLite
after the writer lock is released, on PostgreSQL as a queued VACUUM for `prefero maintain`;
and maintenance writes only in write sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.customers.models import Customer
from prefero.events.models import Event
from prefero.privacy import scrub
from prefero.privacy.maintenance import maintain
from prefero.privacy.models import PendingScrub
from prefero.privacy.retrain import request_retrain
from prefero.runtime import Runtime
from test_write_sessions_helpers import undeclared_writes

WHO = "scrub-me-5521"


def _erase(client: TestClient) -> None:
    assert client.put(f"/v1/customers/{WHO}/preferences",
                      json={"level": "full"}).status_code == 200
    assert client.delete(f"/v1/customers/{WHO}").status_code == 200


def test_the_scrub_waits_for_the_erasure_to_let_go(client: TestClient, runtime: Runtime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoints: list[bool] = []
    vacuums: list[list[str]] = []
    real_checkpoint, real_vacuum = scrub._checkpoint, scrub._vacuum

    def checkpoint(engine: object) -> scrub.ScrubResult:
        checkpoints.append(runtime._writer.locked())
        return real_checkpoint(engine)  # type: ignore[arg-type]

    def vacuum(engine: object, tables: list[str]) -> scrub.ScrubResult:
        vacuums.append(sorted(tables))
        return real_vacuum(engine, tables)  # type: ignore[arg-type]

    monkeypatch.setattr(scrub, "_checkpoint", checkpoint)
    monkeypatch.setattr(scrub, "_vacuum", vacuum)
    _erase(client)
    if runtime.engine.dialect.name == "sqlite":
        assert checkpoints == [False]  # ran, with the writer lock already free
        return
    # PostgreSQL: nothing vacuumed inline; a marker naming tables (never the id) is queued.
    assert vacuums == []
    with runtime.session() as session:
        (marker,) = session.scalars(select(PendingScrub)).all()
    assert "customers" in marker.tables.split(",") and WHO not in marker.tables
    assert marker.due_at - marker.requested_at == timedelta(
        hours=runtime.settings.erasure_retrain_hours)
    report = maintain(runtime, train=lambda _rt: "v-test")
    assert report.scrub.complete
    assert vacuums and set(marker.tables.split(",")) <= set(vacuums[0])
    with runtime.session() as session:
        assert session.scalars(select(PendingScrub)).all() == []


def test_maintenance_writes_only_in_write_sessions(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.session(write=True) as session:
        session.add(Customer(id="c1", anonymous=False))
        session.flush()
        session.add_all([Event(customer_id="c1", type="view", product_id="p",
                               occurred_at=now - timedelta(days=days)) for days in (3000, 1)])
        request_retrain(session, settings=runtime.settings)
    writes = undeclared_writes(runtime)
    report = maintain(runtime, train=lambda _rt: "v-test")
    assert report.retention.events == 1 and report.retrained_version == "v-test"
    assert writes == []

"""Review of issue 10: no write session is held while a body arrives, and a route that writes
on a GET writes in a write session (on SQLite a read-then-write transaction would fail at
once with SQLITE_BUSY_SNAPSHOT, a 503, whenever another writer committed in between)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from apikeys import ADMIN_KEY
from asgi_driver import Answer, call
from prefero.api.app import create_app
from prefero.api.routes import customers as customer_routes
from prefero.audit.models import AuditEntry
from prefero.runtime import Runtime
from test_write_sessions_helpers import undeclared_writes

PRODUCT = b'{"id": "A1", "title": "Tee", "price": "9.99", "currency": "PLN"}\n'


def _write_while_stalled(client: TestClient, runtime: Runtime, *, path: str,
                         body: Iterator[bytes], content_type: str, started: threading.Event,
                         release: threading.Event) -> tuple[int, Answer]:
    """PUT a preference while another request's body is stalled mid-stream: (the PUT's
    status, the stalled request's answer once its body completed)."""
    answers: list[Answer] = []
    stalled = threading.Thread(target=lambda: answers.append(call(
        create_app(runtime=runtime), "POST", path, body=body,
        headers={"X-API-Key": ADMIN_KEY, "Content-Type": content_type})))
    stalled.start()
    try:
        assert started.wait(10)
        put = client.put("/v1/customers/c-1/preferences", json={"level": "full"})
    finally:
        release.set()
        stalled.join(20)
    return put.status_code, answers[0]


def test_a_slow_upload_holds_up_no_other_write(client: TestClient, runtime: Runtime) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_feed() -> Iterator[bytes]:
        yield PRODUCT
        started.set()
        release.wait(10)  # the client pauses mid-upload
        yield b"\n"

    status, upload = _write_while_stalled(
        client, runtime, path="/v1/catalog/import?format=jsonl", body=slow_feed(),
        content_type="application/x-ndjson", started=started, release=release)
    # Before the fix the PUT waited for the upload's write lock and got 503.
    assert status == 200
    assert upload.status == 200, upload.body
    assert upload.json()["created"] == 1


def test_a_slow_quiz_publish_holds_up_no_other_write(client: TestClient,
                                                     runtime: Runtime) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield b'{"id": "q", '
        started.set()
        release.wait(10)
        yield b'"kind": "quiz"}'

    status, publish = _write_while_stalled(
        client, runtime, path="/v1/quizzes", body=slow_body(),
        content_type="application/json", started=started, release=release)
    assert status == 200
    assert publish.status == 422  # an incomplete definition, refused after it arrived


def test_the_audited_data_read_survives_a_write_committed_during_it(
        client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_url(runtime.settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's one-writer snapshot rule")
    assert client.put("/v1/customers/c-1/preferences", json={"level": "full"}).status_code == 200
    real = customer_routes.privacy.customer_data
    assert url.database is not None
    path = url.database

    def read_then_another_writer_commits(*args: object, **kwargs: object) -> object:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        # Another process writes now. With the read holding only a snapshot, it commits and
        # the audit entry's write afterwards fails; with the write lock held, it must wait.
        other = sqlite3.connect(path, timeout=0.2)
        try:
            other.execute("UPDATE customers SET anonymous = anonymous")
            other.commit()
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
        finally:
            other.close()
        return out

    monkeypatch.setattr(customer_routes.privacy, "customer_data",
                        read_then_another_writer_commits)
    answer = client.get("/v1/customers/c-1/data")
    assert answer.status_code == 200, answer.text
    with runtime.session() as session:
        assert [entry.action for entry in session.scalars(select(AuditEntry))
                if entry.action == "customer.data.read"] == ["customer.data.read"]


def test_gets_that_write_do_so_in_a_write_session(client: TestClient,
                                                   runtime: Runtime) -> None:
    assert client.put("/v1/customers/c-1/preferences", json={"level": "full"}).status_code == 200
    writes = undeclared_writes(runtime)
    assert client.get("/v1/customers/c-1/data").status_code == 200
    assert client.get("/preferences/export").status_code == 200
    assert writes == []
    # And a GET that only reads still does not take the writer's turn.
    assert client.get("/v1/customers/c-1/preferences").status_code == 200

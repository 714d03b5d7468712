"""``prefero segments``: create, list, count, export, refresh and delete from the shell, each
write and export audited, a wrong condition named by its path and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from factories import consent, customer
from prefero.audit.models import AuditEntry
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.db.base import utcnow
from prefero.events.models import Event
from prefero.runtime import Runtime
from prefero.segments.membership import segments_of

VEGAN = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["segments", *args])
    return result.exit_code, result.output


def test_create_list_count_export_delete(env: None, runtime: Runtime, tmp_path: Path) -> None:
    with runtime.session(write=True) as session:
        customer(session, "ala", likes=[("diet", "vegan", 1.0)])
        customer(session, "bob", likes=[("diet", "vegan", 1.0)])
        consent(session, "ala", "marketing_email", True)
    code, out = run("create", "--key", "vegans", "--name", "Vegans",
                    "--condition", json.dumps(VEGAN))
    assert code == 0, out
    assert "vegans: 2 customers" in out
    code, out = run("list")
    assert code == 0 and "vegans" in out and "Vegans" in out
    assert run("count", "vegans") == (0, "2 customers\n")
    condition = tmp_path / "condition.json"
    condition.write_text(json.dumps({"type": "not", "condition": VEGAN}))
    assert run("count", "--condition", f"@{condition}") == (0, "0 customers\n")
    target = tmp_path / "out.csv"
    code, out = run("export", "vegans", "--channel", "marketing_email", "-o", str(target))
    assert code == 0, out
    assert target.read_text() == "customer_id,channel\nala,marketing_email\n"
    assert run("delete", "vegans")[0] == 0
    assert run("count", "vegans")[0] == 1
    with runtime.session() as session:
        assert [(e.actor, e.action) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("segment."))
            .order_by(AuditEntry.id))] == [
            ("cli", "segment.create"), ("cli", "segment.export.marketing_email"),
            ("cli", "segment.delete")]


def test_a_wrong_condition_is_named_and_nothing_is_stored(env: None, runtime: Runtime
                                                          ) -> None:
    code, out = run("create", "--key", "x", "--name", "X", "--condition",
                    json.dumps({"type": "and", "conditions": [{"type": "trait",
                               "trait": "openness", "op": "gte", "value": "high"}]}))
    assert code == 1
    assert "condition › conditions[0] › value" in out
    code, out = run("create", "--key", "x", "--name", "X", "--condition", "{not json")
    assert code == 1 and "not readable JSON" in out
    assert "No segments yet" in run("list")[1]


def test_refresh_ages_out_windowed_segments(env: None, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "cyd")
        consent(session, "cyd", "tracking", True)
        session.add(Event(customer_id="cyd", type="purchase", product_id="p1",
                          occurred_at=utcnow() - timedelta(days=29)))
    condition = {"type": "behaviour", "event": "purchase", "min": 1, "days": 30}
    assert run("create", "--key", "buyers", "--name", "Buyers",
               "--condition", json.dumps(condition))[0] == 0
    with runtime.session() as session:
        assert segments_of(session, "cyd") == {"buyers"}
    # Two days pass (the purchase is moved back, as waiting would): no event, no change of
    # the profile, yet the 30 days are over and the sweep notices.
    with runtime.session(write=True) as session:
        session.execute(Event.__table__.update().values(
            occurred_at=utcnow() - timedelta(days=31)))
    code, out = run("refresh")
    assert code == 0 and "1 ended" in out
    with runtime.session() as session:
        assert segments_of(session, "cyd") == frozenset()

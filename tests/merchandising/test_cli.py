"""``prefero merchandising list|add|remove``: rules stored as the API stores them, every
change in the audit log, wrong input refused with each field named and exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from prefero.audit.models import AuditEntry
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.merchandising.models import MerchandisingRule


@pytest.fixture
def db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables at a width that does not wrap
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def stored(url: str) -> list[tuple[str, str, list[str], int | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [(row.action, row.name, row.values, row.position) for row in connection.execute(
                select(MerchandisingRule).order_by(MerchandisingRule.id))]
    finally:
        engine.dispose()


def audited(url: str) -> list[tuple[str, str | None, str | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [(row.action, row.actor, row.target) for row in connection.execute(
                select(AuditEntry).order_by(AuditEntry.id))]
    finally:
        engine.dispose()


def test_rules_are_added_listed_and_removed(db: str) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["merchandising", "add", "Acme week", "boost", "--facet",
                                "brand", "--value", "ACME", "--placement", "home",
                                "--ends", "2026-12-31", "--strength", "2"])
    assert added.exit_code == 0, added.output
    assert "Added rule 1: boost by 2 brand: acme." in added.output
    pinned = runner.invoke(app, ["merchandising", "add", "Camera on top", "pin", "--product",
                                 "cam-1", "--position", "1", "--priority", "3"])
    assert pinned.exit_code == 0, pinned.output
    listed = runner.invoke(app, ["merchandising", "list"])
    assert listed.exit_code == 0
    lines = [line for line in listed.output.splitlines() if "│" in line]
    assert len(lines) == 2
    assert "Camera on top" in lines[0] and "pin at slot 1" in lines[0]  # priority first
    assert "Acme week" in lines[1] and "always → 2026-12-31T00:00+00:00" in lines[1]
    removed = runner.invoke(app, ["merchandising", "remove", "1"])
    assert removed.exit_code == 0 and "Deleted rule 1." in removed.output
    assert stored(db) == [("pin", "Camera on top", [], 1)]
    assert audited(db) == [("merchandising.rules.add", "cli", "1"),
                           ("merchandising.rules.add", "cli", "2"),
                           ("merchandising.rules.delete", "cli", "1")]


def test_wrong_input_is_refused_with_each_field_named(db: str) -> None:
    runner = CliRunner()
    wrong = runner.invoke(app, ["merchandising", "add", "x", "pin", "--facet", "flavour",
                                "--value", "x", "--strength", "2"])
    assert wrong.exit_code == 1
    assert "condition.facet: unknown facet 'flavour'" in wrong.output
    assert "strength: only boost and bury" in wrong.output
    assert "position: a pin needs a position" in wrong.output
    shape = runner.invoke(app, ["merchandising", "add", "x", "promote", "--product", "p1"])
    assert shape.exit_code == 1 and "action:" in shape.output
    missing = runner.invoke(app, ["merchandising", "remove", "9"])
    assert missing.exit_code == 1 and "no merchandising rule 9" in missing.output
    assert stored(db) == [] and audited(db) == []

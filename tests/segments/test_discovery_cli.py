"""``prefero discover segments`` and ``prefero discover save``: the listing as a table in the
chosen language, a save recorded in the audit log, refusals with the field and exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from planted_segments import PlantedShop, plant
from prefero.audit.models import AuditEntry
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.runtime import Runtime
from prefero.segments.models import Segment


@pytest.fixture
def planted(runtime: Runtime, database_url: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[PlantedShop]:
    with runtime.session(write=True) as session:
        shop = plant(session)
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables at a width that does not wrap
    get_settings.cache_clear()
    yield shop
    get_settings.cache_clear()


def _saved(url: str) -> tuple[list[str], list[tuple[str, str | None]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            keys = list(connection.scalars(select(Segment.key)))
            entries = [(actor, target) for actor, target in connection.execute(
                select(AuditEntry.actor, AuditEntry.target))]
            return keys, entries
    finally:
        engine.dispose()


def test_the_listing_is_a_table_in_the_chosen_language(planted: PlantedShop) -> None:
    english = CliRunner().invoke(app, ["discover", "segments", "--seed", "7"])
    assert english.exit_code == 0, english.output
    assert "90 of 101 customers with declared preferences took part" in english.output
    assert "k = 3 (the best silhouette of the stable k" in english.output
    assert "Diet: vegan" in english.output and "vs" in english.output
    polish = CliRunner().invoke(app, ["discover", "segments", "--language", "pl"])
    assert polish.exit_code == 0, polish.output
    assert "Dieta: wegańska" in polish.output and "wobec" in polish.output


def test_a_cluster_is_saved_and_audited(planted: PlantedShop, database_url: str) -> None:
    saved = CliRunner().invoke(app, ["discover", "save", "1", "--key", "first"])
    assert saved.exit_code == 0, saved.output
    assert saved.output.startswith("Saved segment first: ")
    assert _saved(database_url) == (["first"], [("cli", "first")])


@pytest.mark.parametrize(("arguments", "message"), [
    (["discover", "save", "7", "--key", "seventh"], "cluster: must be between 1 and 3"),
    (["discover", "save", "1", "--key", "Not A Slug"], "key: must be a lowercase slug"),
    (["discover", "segments", "--language", "de"], "--language must be one of en, pl"),
    (["discover", "save", "1", "--key", "german", "--language", "de"],
     "--language must be one of en, pl"),
])
def test_refusals_name_the_field_and_change_nothing(planted: PlantedShop, database_url: str,
                                                    arguments: list[str], message: str) -> None:
    refused = CliRunner().invoke(app, arguments)
    assert refused.exit_code == 1
    assert message in refused.output
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Segment)) == 0
    finally:
        engine.dispose()

"""``prefero quiz validate`` and ``prefero quiz publish``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prefero.cli.app import app
from prefero.config import get_settings
from prefero.quizzes.publish import get_version, library_files
from prefero.runtime import Runtime

GOOD = {"id": "colours", "kind": "quiz", "title": "Your colours", "questions": [
    {"id": "colour", "type": "single", "text": "Which colour?", "options": [
        {"id": "red", "label": "Red", "effects": [
            {"type": "set_weight", "facet": "color", "value": "red", "weight": 1}]},
        {"id": "blue", "label": "Blue"}]}]}


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "colours.json"
    good.write_text(json.dumps(GOOD))
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        "id: broken\nkind: quiz\ntitle: Broken\nquestions:\n"
        "  - {id: q, type: single, text: Q, options: [{id: a, label: A, effects: "
        "[{type: set_weight, facet: colour, value: red, weight: 1}]}, {id: b, label: B}]}\n")
    return good, bad


def test_validate_passes_the_library(env: None) -> None:
    paths = [str(f) for f in library_files()]
    result = CliRunner().invoke(app, ["quiz", "validate", *paths])
    assert result.exit_code == 0, result.output
    assert "big-five (quiz, 10 questions)" in result.output


def test_validate_prints_every_error_with_its_path(env: None, files: tuple[Path, Path]) -> None:
    good, bad = files
    result = CliRunner().invoke(app, ["quiz", "validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad} › questions[0] › options[0] › effects[0] › facet: no facet 'colour'" in (
        result.output)
    assert "colours" not in result.output.replace(str(good), "")  # nothing said "ok"


def test_publish_stores_versions_and_refuses_invalid_files(
        env: None, files: tuple[Path, Path]) -> None:
    good, bad = files
    runner = CliRunner()
    refused = runner.invoke(app, ["quiz", "publish", str(good), str(bad)])
    assert refused.exit_code == 1 and "Nothing published." in refused.output
    first = runner.invoke(app, ["quiz", "publish", str(good)])
    assert first.exit_code == 0, first.output
    assert "colours: version 1 (published)" in first.output
    again = runner.invoke(app, ["quiz", "publish", str(good)])
    assert "colours: version 1 (unchanged)" in again.output
    runtime = Runtime(get_settings())
    try:
        with runtime.session() as session:
            row, definition = get_version(session, "colours")
            assert (row.version, definition.title) == (1, "Your colours")
    finally:
        runtime.close()


def test_validate_warns_of_missing_translations(env: None, files: tuple[Path, Path]) -> None:
    good, _ = files
    result = CliRunner().invoke(app, ["quiz", "validate", str(good)])
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert f"{good} › translations › pl: no pl translation of 'Your colours' (title)" in (
        result.output)
    library = CliRunner().invoke(app, ["quiz", "validate", *map(str, library_files())])
    assert "translation" not in library.output  # the library is complete in Polish

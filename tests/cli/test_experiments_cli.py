"""``prefero experiments``: list, show, start, stop and results from the shell; starting and
stopping audited by ``cli``; figures worded for people (percentages, money, "yes"/"no", no
raw values); an unknown key or a refused change exits 1 and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from experiment_helpers import experiment_body
from factories import customer
from prefero.audit.models import AuditEntry
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.db.base import utcnow
from prefero.events.models import Event
from prefero.experiments.models import Experiment, ExperimentExposure
from prefero.experiments.service import create_experiment
from prefero.runtime import Runtime


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["experiments", *args])
    return result.exit_code, result.output


def audited(runtime: Runtime) -> list[tuple[str, str | None, str | None]]:
    with runtime.session() as session:
        return [(e.action, e.actor, e.target) for e in session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]


def test_list_show_start_and_stop(env: None, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(
            "home-diversity", target="home", arms=[
                {"key": "control", "name": "As it is", "share": 0.5, "control": True},
                {"key": "diverse", "name": "More variety", "share": 0.5,
                 "config": {"diversity": 0.6, "merchandising": False}}]))
    code, listed = run("list")
    assert code == 0
    (row,) = [line for line in listed.splitlines() if "home-diversity" in line]
    assert "draft" in row and "control 50%, diverse 50%" in row and "conversion" in row
    code, shown = run("show", "home-diversity")
    assert code == 0
    assert "diversity 0.6, merchandising no" in shown and "as the shop is" in shown
    assert "customers without tracking consent left out" in shown
    assert "True" not in shown and "False" not in shown and "None" not in shown
    assert run("start", "home-diversity") == (0, "Started home-diversity.\n")
    code, refused = run("start", "home-diversity")
    assert code == 1 and "is running, not a draft" in refused
    assert run("stop", "home-diversity") == (0, "Stopped home-diversity.\n")
    assert audited(runtime) == [("experiments.start", "cli", "home-diversity"),
                                ("experiments.stop", "cli", "home-diversity")]
    code, missing = run("show", "nope")
    assert code == 1 and "there is no experiment 'nope'" in missing
    assert run("stop", "nope")[0] == 1
    assert len(audited(runtime)) == 2


def test_results_are_worded_for_people(env: None, runtime: Runtime) -> None:
    now = utcnow()
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body())
        experiment = session.scalar(select(Experiment).where(Experiment.key == "home-test"))
        assert experiment is not None
        experiment.status, experiment.started_at = "running", now - timedelta(days=3)
        for n in range(40):
            unit = f"u{n}"
            customer(session, unit)
            first = now - timedelta(days=2, hours=n)
            session.add(ExperimentExposure(experiment_id=experiment.id, unit_id=unit,
                                           arm_key=("control", "treatment")[n % 2],
                                           first_at=first, last_at=first))
            if n % 4 == 0 or n % 8 == 1:
                session.add(Event(customer_id=unit, type="purchase", product_id="p",
                                  price=12, quantity=1, occurred_at=first + timedelta(hours=1)))
    code, shown = run("results", "home-test")
    assert code == 0, shown
    assert "The split is as planned (p 1.000)." in shown
    (conversion,) = [line for line in shown.splitlines() if line.startswith("│ conversion")]
    # Control: units 0, 2, 4, ... of which every other one bought; treatment: 1, 9, 17, ...
    assert "│ 50.00%" in conversion and "│ 25.00%" in conversion
    assert "-50.0% (" in conversion and "no clear difference" in conversion
    (revenue,) = [line for line in shown.splitlines() if "revenue per visitor" in line]
    assert "6.00 PLN" in revenue and "3.00 PLN" in revenue and "(guardrail)" in revenue
    (control,) = [line for line in shown.splitlines() if line.startswith("│ control")]
    assert [cell.strip() for cell in control.split("│")[1:-1]] == [
        "control", "control", "50%", "50%", "20"]
    for raw in ("True", "False", "None", "inf", "nan", "e+", "e-0"):
        assert raw not in shown, raw
    code, missing = run("results", "nope")
    assert code == 1 and "there is no experiment 'nope'" in missing

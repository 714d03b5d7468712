"""The demo's administrator: only in demo mode, a new password every run, printed by
``prefero demo``; production has no default staff account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prefero.cli.app import app
from prefero.config import Settings, get_settings
from prefero.recommend import training
from prefero.runtime import Runtime
from prefero.staff.demo import DEMO_STAFF_EMAIL, demo_staff
from prefero.staff.service import list_staff, set_disabled, sign_in


def test_production_gets_no_default_account(runtime: Runtime) -> None:
    with runtime.session(write=True) as session, pytest.raises(RuntimeError):
        demo_staff(session, settings=Settings(mode="production"))
    with runtime.session() as session:
        assert list_staff(session) == []


def test_each_run_makes_a_new_password(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        email, first = demo_staff(session, settings=runtime.settings)
        set_disabled(session, email=email, disabled=True, actor="test")
        again, second = demo_staff(session, settings=runtime.settings)
        assert email == again == DEMO_STAFF_EMAIL and first != second and len(second) >= 12
        assert sign_in(session, email=email, password=first, client=None) is None
        staff = sign_in(session, email=email, password=second, client=None)
        assert staff is not None and staff.role == "admin"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFERO_DATA_DIR", "unused")
    monkeypatch.delenv("PREFERO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_prefero_demo_prints_the_dashboards_credentials(
        clean_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def untrained(runtime: Any) -> str:
        raise NotImplementedError

    monkeypatch.setattr(training, "train", untrained)
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(tmp_path / "d"),
                                      "--port", "8123", "--products", "60",
                                      "--customers", "10"])
    assert result.exit_code == 0, result.output
    found = re.search(r"Dashboard: +http://127\.0\.0\.1:8123/dashboard +\(e-mail (\S+), "
                      r"password (\S+)\)", result.output)
    assert found and found.group(1) == DEMO_STAFF_EMAIL
    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path / "d"))
    try:
        with runtime.session(write=True) as session:
            assert sign_in(session, email=found.group(1), password=found.group(2),
                           client=None) is not None
    finally:
        runtime.close()

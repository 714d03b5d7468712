"""``prefero staff add|list|disable|enable|password``: passwords from a hidden prompt or
standard input, never an argument; precise errors; every change audited as ``cli``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from prefero.audit.models import AuditEntry
from prefero.cli.app import app
from prefero.config import get_settings
from prefero.runtime import Runtime
from prefero.staff.service import find_staff, sign_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["staff", *args], input=stdin)
    return result.exit_code, result.output


def test_add_from_stdin_then_list(env: None, runtime: Runtime) -> None:
    code, output = _run("add", "--email", "Ola@Shop.example", "--role", "marketer",
                        "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, output
    assert "Added ola@shop.example (marketer)." in output
    assert PASSWORD not in output
    code, output = _run("list")
    assert code == 0 and "ola@shop.example" in output and "marketer" in output
    assert "never" in output
    with runtime.session(write=True) as session:
        assert sign_in(session, email="ola@shop.example", password=PASSWORD,
                       client=None) is not None


def test_add_asks_twice_without_echo(env: None, runtime: Runtime) -> None:
    code, output = _run("add", "--email", "ola@shop.example", "--role", "admin",
                        stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, output
    assert PASSWORD not in output
    with runtime.session() as session:
        found = find_staff(session, "ola@shop.example")
        assert found is not None and found.role == "admin"


def test_bad_input_names_the_fields_and_adds_nothing(env: None, runtime: Runtime) -> None:
    code, output = _run("add", "--email", "nonsense", "--role", "owner", "--password-stdin",
                        stdin="short\n")
    assert code == 2
    assert "email: is not an e-mail address" in output
    assert "role: must be one of read_only, marketer, admin" in output
    assert "password: must be at least 12 characters long (it has 5)" in output
    code, output = _run("list")
    assert "No staff accounts yet." in output


def test_a_taken_address_is_refused(env: None) -> None:
    assert _run("add", "--email", "ola@shop.example", "--role", "admin",
                "--password-stdin", stdin=PASSWORD)[0] == 0
    code, output = _run("add", "--email", "OLA@shop.example", "--role", "admin",
                        "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "exists already" in output


def test_disable_enable_and_a_new_password(env: None, runtime: Runtime) -> None:
    _run("add", "--email", "ola@shop.example", "--role", "read_only", "--password-stdin",
         stdin=PASSWORD)
    code, output = _run("disable", "--email", "ola@shop.example")
    assert code == 0 and "disabled" in output
    assert "disabled" in _run("list")[1]
    assert _run("enable", "--email", "ola@shop.example")[0] == 0
    code, output = _run("password", "--email", "ola@shop.example", "--password-stdin",
                        stdin="an entirely new passphrase\n")
    assert code == 0, output
    assert _run("disable", "--email", "nobody@shop.example")[0] == 1
    assert _run("password", "--email", "ola@shop.example", "--password-stdin",
                stdin="short")[0] == 2
    with runtime.session(write=True) as session:
        assert sign_in(session, email="ola@shop.example",
                       password="an entirely new passphrase", client=None) is not None
        actions = [(e.actor, e.action) for e in
                   session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[:4] == [("cli", "staff.add"), ("cli", "staff.disable"),
                           ("cli", "staff.enable"), ("cli", "staff.password")]

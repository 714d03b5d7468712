"""Production mode refuses the built-in secrets everywhere the server can start, and has no
persona sign-in; real secrets start it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prefero.api.app import create_app
from prefero.bench.server import production_env
from prefero.cli.app import app as cli
from prefero.config import DEMO_TOKEN_KEY, MIN_SECRET_LENGTH, Settings
from prefero.errors import UnsafeConfiguration
from prefero.runtime import Runtime

REAL = {
    "admin_key": "a-real-admin-key-4f0c9e2b7d-0123456789",
    "session_secret": "a-real-session-secret-91a7c3-0123456789",
    "erasure_key": "a-real-erasure-key-5be20d-0123456789",
    "token_keys": ["a-real-token-key-0d3f7a-0123456789"],
}
ENV = {"PREFERO_ADMIN_KEY": REAL["admin_key"], "PREFERO_SESSION_SECRET": REAL["session_secret"],
       "PREFERO_ERASURE_KEY": REAL["erasure_key"],
       "PREFERO_TOKEN_KEYS": '["a-real-token-key-0d3f7a-0123456789"]'}
STRONG = "s" * MIN_SECRET_LENGTH


def test_create_app_refuses_every_default_secret_by_name(tmp_path: Path) -> None:
    settings = Settings(mode="production", data_dir=tmp_path)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(settings)
    assert refused.value.variables == ["PREFERO_ADMIN_KEY", "PREFERO_SESSION_SECRET",
                                       "PREFERO_ERASURE_KEY", "PREFERO_TOKEN_KEYS"]
    for name in refused.value.variables:
        assert name in str(refused.value)


@pytest.mark.parametrize("left", ["admin_key", "session_secret", "erasure_key", "token_keys"])
def test_one_default_left_is_enough_to_refuse(tmp_path: Path, left: str) -> None:
    real = {k: v for k, v in REAL.items() if k != left}
    runtime = Runtime(Settings(mode="production", data_dir=tmp_path, **real))  # type: ignore[arg-type]
    try:
        with pytest.raises(UnsafeConfiguration) as refused:
            create_app(runtime=runtime)
        assert refused.value.variables == [f"PREFERO_{left.upper()}"]
    finally:
        runtime.close()


def test_an_empty_token_key_list_is_refused(tmp_path: Path) -> None:
    settings = Settings(mode="production", data_dir=tmp_path, **{**REAL, "token_keys": []})  # type: ignore[arg-type]
    assert settings.unsafe_secrets() == ["PREFERO_TOKEN_KEYS"]


def test_empty_and_short_secrets_are_refused_by_name_never_by_value(tmp_path: Path) -> None:
    # The reviewer's reproduction: itsdangerous signs happily with an empty key, so anyone
    # could forge customer tokens and session cookies.
    settings = Settings(mode="production", data_dir=tmp_path, admin_key="a",
                        session_secret="", erasure_key="", token_keys=[""])
    with pytest.raises(UnsafeConfiguration) as refused:
        settings.refuse_unsafe()
    assert refused.value.variables == ["PREFERO_ADMIN_KEY", "PREFERO_SESSION_SECRET",
                                       "PREFERO_ERASURE_KEY", "PREFERO_TOKEN_KEYS"]
    assert "'a'" not in str(refused.value)


@pytest.mark.parametrize("weak", ["", " " * 40, "x" * (MIN_SECRET_LENGTH - 1), DEMO_TOKEN_KEY])
@pytest.mark.parametrize("field", ["token_keys", "ingest_keys", "read_keys",
                                   "token_issuer_keys"])
def test_every_entry_of_every_key_list_is_checked(tmp_path: Path, field: str,
                                                  weak: str) -> None:
    # A weak key hidden behind a strong one in the same list is still refused.
    settings = Settings(mode="production", data_dir=tmp_path,
                        **{**REAL, field: [STRONG, weak]})  # type: ignore[arg-type]
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(settings)
    assert refused.value.variables == [f"PREFERO_{field.upper()}"]
    if weak.strip():
        assert weak not in str(refused.value)


@pytest.mark.parametrize("field", ["admin_key", "session_secret", "erasure_key"])
@pytest.mark.parametrize("weak", ["", "   ", "x" * (MIN_SECRET_LENGTH - 1)])
def test_every_single_secret_is_checked(tmp_path: Path, field: str, weak: str) -> None:
    settings = Settings(mode="production", data_dir=tmp_path, **{**REAL, field: weak})  # type: ignore[arg-type]
    assert settings.unsafe_secrets() == [f"PREFERO_{field.upper()}"]
    # Exactly long enough passes.
    ok = Settings(mode="production", data_dir=tmp_path, **{**REAL, field: STRONG})  # type: ignore[arg-type]
    ok.refuse_unsafe()


def test_the_demo_accepts_empty_and_short_secrets(tmp_path: Path) -> None:
    Settings(mode="demo", data_dir=tmp_path, admin_key="a", session_secret="x",
             erasure_key="", token_keys=["k"], read_keys=[""]).refuse_unsafe()


def test_demo_mode_accepts_the_defaults(tmp_path: Path) -> None:
    create_app(Settings(mode="demo", data_dir=tmp_path))


def test_production_with_real_secrets_starts_without_persona_sign_in(
        database_url: str, tmp_path: Path) -> None:
    runtime = Runtime(Settings(mode="production", data_dir=tmp_path,
                               database_url=database_url, **REAL))  # type: ignore[arg-type]
    try:
        # https: the production session cookie is Secure and travels only over TLS.
        with TestClient(create_app(runtime=runtime), base_url="https://testserver") as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/login").status_code == 404
            home = client.get("/")
            assert home.status_code == 200
            assert 'href="/login"' not in home.text
            # With the page's own CSRF token, so that the form guard lets it through to the
            # route, which does not exist in production.
            found = re.search(r'"X-CSRF-Token": "([^"]+)"', home.text)
            assert found is not None
            login = client.post("/login", data={"customer_id": "c-1",
                                                "csrf_token": found.group(1)})
            assert login.status_code == 404
            assert client.get("/v1/products",
                              headers={"X-API-Key": REAL["admin_key"]}).status_code == 200
    finally:
        runtime.close()


def test_the_demo_links_to_persona_sign_in(client: TestClient) -> None:
    assert 'href="/login"' in client.get("/").text
    assert client.get("/login").status_code == 200


def test_no_template_links_to_login_outside_the_demo_switch() -> None:
    templates = Path(__file__).parents[2] / "src" / "prefero" / "web" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text("utf-8")
        if path.name in {"login.html", "base.html"}:
            continue  # login.html is served in demo mode only; base.html is checked above
        assert "/login" not in text, path


def test_serve_refuses_to_start_and_names_the_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFERO_MODE", "production")
    monkeypatch.setenv("PREFERO_ADMIN_KEY", REAL["admin_key"])
    for name in ("PREFERO_SESSION_SECRET", "PREFERO_ERASURE_KEY", "PREFERO_TOKEN_KEYS"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    for name in ("PREFERO_SESSION_SECRET", "PREFERO_ERASURE_KEY", "PREFERO_TOKEN_KEYS"):
        assert name in result.output
    assert "PREFERO_ADMIN_KEY" not in result.output
    assert not (tmp_path / "prefero.db").exists()  # refused before touching the database


def test_the_asgi_entry_point_refuses_too(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PREFERO_MODE": "production",
           "PREFERO_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", "import prefero.api.asgi"], env=env,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode != 0
    assert "UnsafeConfiguration" in result.stderr
    assert "PREFERO_ADMIN_KEY" in result.stderr
    ok = subprocess.run([sys.executable, "-c", "import prefero.api.asgi"],
                        env={**env, **ENV}, capture_output=True, text=True, timeout=180,
                        check=False)
    assert ok.returncode == 0, ok.stderr


def test_the_benchmarks_production_environment_passes_the_rule(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = production_env(Settings(mode="demo", data_dir=tmp_path))
    for name, value in env.items():
        if name.startswith("PREFERO_"):
            monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.mode == "production"
    settings.refuse_unsafe()

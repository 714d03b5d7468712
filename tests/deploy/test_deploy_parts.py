"""The deployment's parts one by one, without PostgreSQL: the generated nginx
configuration (checked by nginx itself), the pre-flight checks, the API processes'
environment, and stopping a process that ignores SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from prefero.config import Settings
from prefero.deploy.envfile import parse_env_text
from prefero.deploy.launch import Plan, api_environment, up
from prefero.deploy.nginx import NginxConfig, find_nginx, write_config
from prefero.deploy.pids import Tracked, stop
from prefero.deploy.prepare import problems

STRONG = "s" * 40


def _config(**changes: object) -> NginxConfig:
    values: dict[str, object] = dict(
        listen_host="127.0.0.1", listen_port=18080, api_ports=[18101, 18102],
        max_body_bytes=1 << 20, max_events_body_bytes=8 << 20,
        max_import_body_bytes=1 << 30, problem_base="https://prefero.dev/problems/")
    values.update(changes)
    return NginxConfig(**values)  # type: ignore[arg-type]


def test_the_generated_configuration_is_one_nginx_accepts(tmp_path: Path) -> None:
    try:
        nginx = find_nginx()
    except FileNotFoundError:
        pytest.skip("nginx is not installed (make test installs nginx-light)")
    path = write_config(tmp_path, _config())
    text = path.read_text("utf-8")
    assert "{{" not in text
    assert "server 127.0.0.1:18101 max_fails=1" in text
    assert "server 127.0.0.1:18102 max_fails=1" in text
    assert "listen 127.0.0.1:18080;" in text
    assert "client_max_body_size 1048576;" in text
    assert "client_max_body_size 8388608;" in text
    assert "proxy_next_upstream_tries 2;" in text
    checked = subprocess.run(
        [nginx, "-t", "-p", f"{tmp_path}/", "-c", "nginx.conf", "-e", "logs/nginx-error.log"],
        capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    # Everything nginx may write lies in the run folder.
    assert {p.name for p in (tmp_path / "tmp").iterdir()} == {
        "client_body", "proxy", "fastcgi", "uwsgi", "scgi"}


def test_the_access_log_can_be_turned_off(tmp_path: Path) -> None:
    text = write_config(tmp_path, _config(access_log=False)).read_text("utf-8")
    assert "access_log off;" in text
    assert "logs/access.log" not in text


def test_preflight_names_each_problem_without_a_secret() -> None:
    found = problems(Settings(mode="production", admin_key="short", session_secret=STRONG,
                              erasure_key=STRONG, token_keys=[STRONG],
                              database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                              redis_url="redis://127.0.0.1:1/0"))
    assert len(found) == 3
    assert found[0].startswith("PREFERO_ADMIN_KEY:")
    assert "short" not in found[0]
    assert found[1].startswith("PostgreSQL does not answer at 127.0.0.1:1/none")
    assert found[2].startswith("Redis does not answer at redis://127.0.0.1:1/0")


def test_preflight_refuses_sqlite_and_a_missing_redis() -> None:
    found = problems(Settings(mode="production", admin_key=STRONG, session_secret=STRONG,
                              erasure_key=STRONG, token_keys=[STRONG],
                              database_url="sqlite:///shop.db", redis_url=None))
    assert [problem.split(" ")[0] for problem in found] == ["PREFERO_DATABASE_URL",
                                                            "PREFERO_REDIS_URL"]


def test_the_processes_trust_nginx_and_keep_the_operators_choices() -> None:
    env = api_environment({"PREFERO_REDIS_URL": "redis://cache:6379/2",
                           "PREFERO_TRUSTED_PROXIES": '["127.0.0.1"]',
                           "PREFERO_REQUESTS_PER_CONNECTION": "50"})
    assert env["PREFERO_TRUSTED_PROXIES"] == '["127.0.0.1"]'
    assert env["PREFERO_REDIS_URL"] == "redis://cache:6379/2"
    assert env["PREFERO_REQUESTS_PER_CONNECTION"] == "50"
    assert env["PREFERO_MODE"] == "production"


def test_an_env_file_line_that_is_not_an_assignment_is_refused() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_env_text("A=1\nPREFERO_ADMIN_KEY\n")


def test_up_refuses_a_taken_port_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port\\(s\\) in use: {port}"):
            up(Plan(tmp_path / "run", processes=1, listen_port=port), {}, say=print)
    assert not (tmp_path / "run").exists()


def test_stop_kills_a_process_that_ignores_sigterm() -> None:
    with subprocess.Popen(
            [sys.executable, "-c", "import signal, sys, time\n"
             "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
             "print('ready', flush=True)\n"
             "time.sleep(60)"], stdout=subprocess.PIPE, text=True) as stubborn:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
        tracked = Tracked.of("stubborn", stubborn.pid)
        killed = stop([tracked], gentle=signal.SIGTERM, grace=0.3)
        assert killed == ["stubborn"]
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
    assert not tracked.alive()

"""deploy/up and deploy/down for real: four API processes behind nginx over a scratch
PostgreSQL database holding a small trained demo shop, Redis for the shared limits.

What is checked is what the deployment promises: answers through nginx, spread over the
processes (nginx's access log names the process that answered), a GET survives the
SIGKILL of a process, the client address nginx forwards is the one rate limits count, and
deploy/down leaves nothing running. Nothing here is timed.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from postgres_shop import REDIS_URL, postgres_shop, skip_without_deployment_services
from prefero.deploy.launch import Deployment
from prefero.deploy.pids import Tracked, children
from prefero.deploy.ports import consecutive_free_ports, port_free

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROCESSES = 4
REQUESTS = 24
_LOG_LINE = re.compile(r'" (\d{3}) .* upstream="([^"]*)" upstream_status="([^"]*)" '
                       r'agent="([^"]*)"$')


@pytest.fixture
def shop_database(tmp_path: Path) -> Iterator[str]:
    skip_without_deployment_services()
    with postgres_shop(tmp_path / "data") as url:
        yield url


def _forget_loopback_failures() -> None:
    """A run that failed half-way (say, a broken X-Forwarded-For) counted its wrong keys
    against 127.0.0.1: forget them, so that the next run starts from a clean slate."""
    store = redis.Redis.from_url(REDIS_URL)
    try:
        for key in store.scan_iter(match="*127.0.0.1*"):
            store.delete(key)
    finally:
        store.close()


def _secret() -> str:
    return secrets.token_urlsafe(32)


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEPLOY / script), *args], env=env, capture_output=True,
                          text=True, timeout=180, check=False)


def _log(run_dir: Path) -> list[tuple[int, list[str], str]]:
    """(status, upstream addresses in the order tried, client agent) per logged request."""
    rows = []
    for line in (run_dir / "logs" / "access.log").read_text("utf-8").splitlines():
        found = _LOG_LINE.search(line)
        assert found, line
        status, upstream, _statuses, agent = found.groups()
        rows.append((int(status), [part.strip() for part in upstream.split(",")], agent))
    return rows


@pytest.mark.slow
def test_four_processes_behind_nginx(shop_database: str, tmp_path: Path) -> None:
    _forget_loopback_failures()
    run_dir = tmp_path / "run"
    admin_key = _secret()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("PREFERO_")}
    env.update({
        "PREFERO_PYTHON": sys.executable,
        "PREFERO_DATABASE_URL": shop_database,
        "PREFERO_DATA_DIR": str(tmp_path / "data"),
        "PREFERO_REDIS_URL": REDIS_URL,
        # Low, so that a handful of wrong keys shows which address the limiter counts.
        "PREFERO_RATE_LIMIT_FAILED_AUTH": "3/minute",
    })
    # The operator's keys and secrets come from an env file, as deploy/README.md shows.
    env_file = tmp_path / "prefero.env"
    env_file.write_text(f"PREFERO_ADMIN_KEY={admin_key}\n"
                        f"PREFERO_SESSION_SECRET={_secret()}\n"
                        f"PREFERO_ERASURE_KEY={_secret()}\n"
                        f"PREFERO_TOKEN_KEYS='[\"{_secret()}\"]'\n", "utf-8")
    first_api_port = consecutive_free_ports(PROCESSES)
    listen_port = consecutive_free_ports(1)
    started = _run("up", "--run-dir", str(run_dir), "--env-file", str(env_file),
                   "--processes", str(PROCESSES), "--port", str(listen_port),
                   "--first-api-port", str(first_api_port), env=env)
    assert started.returncode == 0, started.stderr
    deployment = Deployment.read(run_dir)
    assert deployment is not None
    everything: list[Tracked] = []
    try:
        everything = [*deployment.api.values(), deployment.nginx,
                      *(Tracked.of("nginx worker", pid)
                        for pid in children(deployment.nginx.pid))]
        assert len(deployment.api) == PROCESSES
        assert all(each.alive() for each in everything)
        base = f"http://127.0.0.1:{listen_port}"
        path = "/v1/recommendations?customer_id=c00001&placement=home&n=5"
        with httpx.Client(base_url=base, timeout=10.0) as client:
            spread = [client.get(path, headers={"X-API-Key": admin_key,
                                                "User-Agent": "spread"})
                      for _ in range(REQUESTS)]
            assert [answer.status_code for answer in spread] == [200] * REQUESTS
            assert all(answer.json()["items"] for answer in spread)

            # nginx appends the address it saw (127.0.0.1, trusted) to X-Forwarded-For; the
            # API takes the one before it. Two clients behind the proxy are two buckets.
            guesser, bystander = (f"198.18.{random.randrange(256)}.{n}" for n in (1, 2))

            def from_client(address: str, key: str) -> int:
                return client.get("/v1/products?limit=1",
                                  headers={"X-API-Key": key, "X-Forwarded-For": address,
                                           "User-Agent": "limits"}).status_code

            wrong = [from_client(guesser, f"guess-{n}") for n in range(4)]
            assert wrong == [401, 401, 401, 429]
            assert from_client(guesser, admin_key) == 429  # blocked, the right key too
            assert from_client(bystander, "guess") == 401  # counted on its own
            assert from_client(bystander, admin_key) == 200
            assert client.get("/v1/products?limit=1",  # nginx's own peer: not blocked
                              headers={"X-API-Key": admin_key}).status_code == 200

            victim_port, victim = next(iter(deployment.api.items()))
            os.kill(victim.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while victim.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not victim.alive()
            after = [client.get(path, headers={"X-API-Key": admin_key,
                                               "User-Agent": "after-kill"}).status_code
                     for _ in range(REQUESTS)]
            assert after == [200] * REQUESTS
    finally:
        stopped = _run("down", "--run-dir", str(run_dir), env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert [each.name for each in everything if each.alive()] == []
    assert all(port_free(port) for port in (listen_port, *deployment.api))

    # nginx writes out its buffered access log as it stops.
    served: dict[str, set[str]] = defaultdict(set)
    passed_on = []
    for status, upstream, agent in _log(run_dir):
        served[agent].add(upstream[-1])
        if agent == "after-kill" and f"127.0.0.1:{victim_port}" in upstream:
            passed_on.append((status, upstream))
    api_addresses = {f"127.0.0.1:{port}" for port in deployment.api}
    assert served["spread"] == api_addresses
    assert served["after-kill"] == api_addresses - {f"127.0.0.1:{victim_port}"}
    # nginx did try the dead process, and went on to another one each time.
    assert passed_on
    assert all(status == 200 and upstream[0] == f"127.0.0.1:{victim_port}"
               and len(upstream) == 2 for status, upstream in passed_on)

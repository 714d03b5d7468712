"""Bring the whole set-up up and down: N API processes (``prefero serve --workers 1``, one
loopback port each) behind one nginx, everything recorded in a run folder.

``up`` checks and migrates first (:mod:`prefero.deploy.prepare`, in the processes' own
environment), starts the API processes, waits until each answers ``/readyz``, and only then
starts nginx, so that nginx never sends a request to a process still importing. It writes
``deploy.json`` (the processes with their pids and start times) and returns; ``down``
reads it, stops nginx first (no new requests), then the API processes.

Each API process is its own uvicorn server on its own port rather than one server with N
workers on a shared socket: nginx then sees each process, skips a dead one, spreads
requests by open connections, and its log says which process answered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from prefero.api.errors import PROBLEM_BASE
from prefero.deploy.nginx import (
    DEFAULT_TEMPLATE,
    NginxConfig,
    find_nginx,
    start_nginx,
    stop_nginx,
    write_config,
)
from prefero.deploy.pids import Tracked, stop
from prefero.deploy.ports import port_free

__all__ = [
    "DEFAULT_REDIS_URL",
    "Deployment",
    "Plan",
    "api_environment",
    "down",
    "up",
]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MANIFEST = "deploy.json"
Say = Callable[[str], None]
# API processes started by this Python process, by pid: when the same process also stops
# them (a benchmark, a test), it collects their exit status instead of leaving zombies.
# deploy/up exits after starting them, so there the init process collects them instead.
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True, slots=True)
class Plan:
    """What to start: ``processes`` API processes on ``first_api_port`` and the ports after
    it (loopback only: nothing but nginx reaches them), nginx on ``listen_host:listen_port``.
    """

    run_dir: Path
    processes: int = 4
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    first_api_port: int = 8101
    nginx: str | None = None
    template: Path = DEFAULT_TEMPLATE
    access_log: bool = True
    nginx_workers: int = 1
    migrate: bool = True
    ready_timeout: float = 90.0
    python: str = field(default_factory=lambda: sys.executable)

    @property
    def api_ports(self) -> list[int]:
        """
        >>> Plan(Path("run"), processes=3, first_api_port=9001).api_ports
        [9001, 9002, 9003]
        """
        return list(range(self.first_api_port, self.first_api_port + self.processes))


@dataclass(frozen=True, slots=True)
class Deployment:
    """What ``up`` started (also what ``deploy.json`` holds)."""

    run_dir: Path
    url: str
    api: dict[int, Tracked]
    nginx: Tracked

    def to_json(self) -> str:
        return json.dumps({
            "url": self.url,
            "api": [{"port": port, "pid": each.pid, "started": each.started}
                    for port, each in self.api.items()],
            "nginx": {"pid": self.nginx.pid, "started": self.nginx.started},
        }, indent=2)

    @classmethod
    def read(cls, run_dir: Path) -> Deployment | None:
        """The deployment recorded in ``run_dir``; None when nothing was started there."""
        try:
            data = json.loads((run_dir / MANIFEST).read_text("utf-8"))
        except FileNotFoundError:
            return None
        api = {int(item["port"]): Tracked(f"API process on port {item['port']}",
                                          int(item["pid"]), int(item["started"]))
               for item in data["api"]}
        nginx = Tracked("nginx", int(data["nginx"]["pid"]), int(data["nginx"]["started"]))
        return cls(run_dir=run_dir, url=str(data["url"]), api=api, nginx=nginx)


def api_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The API processes' environment: the operator's, plus what running behind nginx on
    loopback requires. Production mode always; nginx's address trusted for
    ``X-Forwarded-For`` (added to whatever the operator trusts already); Redis for the
    shared rate limits unless another is named; and no forced reconnects, which only help
    workers that share one listening socket (nginx spreads the requests here).

    >>> env = api_environment({"PREFERO_MODE": "demo",
    ...                        "PREFERO_TRUSTED_PROXIES": '["10.0.0.0/8"]'})
    >>> env["PREFERO_MODE"], env["PREFERO_TRUSTED_PROXIES"], env["PREFERO_REDIS_URL"]
    ('production', '["10.0.0.0/8", "127.0.0.1"]', 'redis://127.0.0.1:6379/0')
    """
    env = dict(environ)
    env["PREFERO_MODE"] = "production"
    try:
        trusted = json.loads(env.get("PREFERO_TRUSTED_PROXIES") or "[]")
    except ValueError:
        trusted = None
    if not isinstance(trusted, list):
        raise ValueError('PREFERO_TRUSTED_PROXIES must be a JSON list, e.g. ["10.0.0.0/8"]')
    if "127.0.0.1" not in trusted:
        trusted.append("127.0.0.1")
    env["PREFERO_TRUSTED_PROXIES"] = json.dumps(trusted)
    env.setdefault("PREFERO_REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("PREFERO_REQUESTS_PER_CONNECTION", "0")
    return env


def _prepare(plan: Plan, env: Mapping[str, str]) -> dict[str, int]:
    command = [plan.python, "-m", "prefero.deploy.prepare"]
    if not plan.migrate:
        command.append("--no-migrate")
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("not ready to start:\n" + (done.stderr.strip() or done.stdout))
    for line in done.stderr.splitlines():
        if line.startswith("warning: "):
            print(line, file=sys.stderr)
    limits: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return limits


def _start_api(plan: Plan, port: int, env: Mapping[str, str]) -> Tracked:
    log = (plan.run_dir / "logs" / f"api-{port}.log").open("ab")
    with log:
        process = subprocess.Popen(
            [plan.python, "-m", "prefero.cli.app", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1"],
            env=dict(env), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal that ran deploy/up does not reach it.
            start_new_session=True,
        )
    _STARTED[process.pid] = process
    return Tracked.of(f"API process on port {port}", process.pid)


def _stop_api(api: list[Tracked]) -> list[str]:
    killed = stop(api)
    for each in api:
        if (process := _STARTED.pop(each.pid, None)) is not None:
            process.wait(timeout=5)
    return killed


def _wait_ready(plan: Plan, api: dict[int, Tracked]) -> None:
    waiting = dict(api)
    deadline = time.monotonic() + plan.ready_timeout
    # trust_env off: an HTTP(S)_PROXY in the operator's environment must not carry a
    # loopback probe elsewhere.
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while waiting:
            for port, each in list(waiting.items()):
                if not each.alive():
                    tail = (plan.run_dir / "logs" / f"api-{port}.log").read_text(
                        "utf-8", errors="replace").strip().splitlines()[-15:]
                    raise RuntimeError(f"{each.name} exited:\n" + "\n".join(tail))
                try:
                    if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        del waiting[port]
                except httpx.HTTPError:
                    pass
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"not ready within {plan.ready_timeout:g} s: "
                                   + ", ".join(each.name for each in waiting.values()))
            time.sleep(0.1)


def up(plan: Plan, environ: Mapping[str, str], *, say: Say = print) -> Deployment:
    """Check, migrate, start the API processes and nginx; what was started. On any
    failure everything started so far is stopped again and the error raised."""
    if (running := Deployment.read(plan.run_dir)) is not None and (
            running.nginx.alive() or any(each.alive() for each in running.api.values())):
        raise RuntimeError(f"already running from {plan.run_dir} ({running.url}); "
                           "run deploy/down first")
    taken = [port for port in (plan.listen_port, *plan.api_ports) if not port_free(port)]
    if taken:
        raise RuntimeError(f"port(s) in use: {', '.join(map(str, taken))}")
    nginx = find_nginx(plan.nginx)
    (plan.run_dir / "logs").mkdir(parents=True, exist_ok=True)
    env = api_environment(environ)
    limits = _prepare(plan, env)
    say("checked: production settings, PostgreSQL and Redis answer"
        + ("; database migrated" if plan.migrate else ""))
    config = NginxConfig(listen_host=plan.listen_host, listen_port=plan.listen_port,
                         api_ports=plan.api_ports, problem_base=PROBLEM_BASE,
                         access_log=plan.access_log, nginx_workers=plan.nginx_workers,
                         max_body_bytes=limits["max_body_bytes"],
                         max_events_body_bytes=limits["max_events_body_bytes"],
                         max_import_body_bytes=limits["max_import_body_bytes"])
    write_config(plan.run_dir, config, template=plan.template)
    api: dict[int, Tracked] = {}
    try:
        for port in plan.api_ports:
            api[port] = _start_api(plan, port, env)
        _wait_ready(plan, api)
        say(f"{len(api)} API process(es) ready on 127.0.0.1:"
            f"{plan.api_ports[0]}-{plan.api_ports[-1]}")
        master = start_nginx(plan.run_dir, nginx=nginx)
    except BaseException:
        _stop_api(list(api.values()))
        raise
    host = f"[{plan.listen_host}]" if ":" in plan.listen_host else plan.listen_host
    url = f"http://{host}:{plan.listen_port}"
    deployment = Deployment(run_dir=plan.run_dir, url=url, api=api, nginx=master)
    (plan.run_dir / MANIFEST).write_text(deployment.to_json(), "utf-8")
    say(f"nginx on {url} (pid {master.pid}); logs in {plan.run_dir / 'logs'}")
    return deployment


def down(run_dir: Path, *, say: Say = print) -> list[str]:
    """Stop what ``up`` started from ``run_dir``: nginx (gracefully), then the API
    processes (SIGTERM, SIGKILL after 15 s); the names of those that had to be killed."""
    deployment = Deployment.read(run_dir)
    if deployment is None:
        say(f"nothing recorded in {run_dir}: nothing to stop")
        return []
    killed = stop_nginx(deployment.nginx)
    killed += _stop_api(list(deployment.api.values()))
    (run_dir / MANIFEST).unlink()
    say(f"stopped nginx and {len(deployment.api)} API process(es)"
        + (f"; killed: {', '.join(killed)}" if killed else ""))
    return killed

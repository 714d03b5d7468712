"""A real ``prefero serve`` in a child process for the benchmarks that load it from outside
(http, soak, crash): its environment, start, readiness, worker processes and their memory."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from prefero.config import Settings

__all__ = [
    "BENCH_RATE_LIMITS",
    "ServerProcess",
    "free_port",
    "production_env",
    "rss_bytes",
    "server_environment",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The rate limiter stays on in benchmarks (its cost is part of every request), with limits
# far above what the benchmark sends, so that it never refuses one. Each can be overridden
# from the environment to watch the limiter at work.
BENCH_RATE_LIMITS = {
    name: os.environ.get(name, "100000/second")
    for name in ("PREFERO_RATE_LIMIT_API_KEY", "PREFERO_RATE_LIMIT_CUSTOMER",
                 "PREFERO_RATE_LIMIT_ANONYMOUS")
}


def server_environment(settings: Settings) -> dict[str, str]:
    """The environment for a ``prefero serve`` child that serves exactly what ``settings``
    describe: the same data, keys and secrets (the erasure key decides receipts, so it must
    match the data). A benchmark shop built with built-in (or short) secrets is served in
    demo mode, since production mode would rightly refuse it.

    >>> env = server_environment(Settings(data_dir=Path("/tmp/shop"), admin_key="k"))
    >>> env["PREFERO_MODE"], env["PREFERO_ADMIN_KEY"]
    ('demo', 'k')
    """
    env = dict(os.environ)
    env["PREFERO_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    if settings.database_url:
        env["PREFERO_DATABASE_URL"] = settings.database_url
    else:
        # The shop the benchmark loaded is the data dir's SQLite: a database URL left in
        # the caller's environment would have the server answer from another one.
        env.pop("PREFERO_DATABASE_URL", None)
    env["PREFERO_ADMIN_KEY"] = settings.admin_key
    env["PREFERO_SESSION_SECRET"] = settings.session_secret
    env["PREFERO_ERASURE_KEY"] = settings.erasure_key
    env["PREFERO_TOKEN_KEYS"] = json.dumps(settings.token_keys)
    env["PREFERO_MODE"] = "demo" if settings.unsafe_secrets() else settings.mode
    env.update(BENCH_RATE_LIMITS)
    return env


def production_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a server in production mode over ``settings``' data, with fresh
    random keys and secrets (production refuses the built-in ones): a benchmark measures
    what a shop would run, not the demo."""
    env = dict(os.environ)
    env.update({
        "PREFERO_MODE": "production",
        "PREFERO_DATA_DIR": str(Path(settings.data_dir).resolve()),
        "PREFERO_ADMIN_KEY": secrets.token_hex(24),
        "PREFERO_SESSION_SECRET": secrets.token_hex(24),
        "PREFERO_ERASURE_KEY": secrets.token_hex(24),
        "PREFERO_TOKEN_KEYS": f'["{secrets.token_hex(24)}"]',
    })
    if settings.database_url:
        env["PREFERO_DATABASE_URL"] = settings.database_url
    else:
        env.pop("PREFERO_DATABASE_URL", None)
    env.update(BENCH_RATE_LIMITS)  # the limiter on, its limits above the benchmark's rate
    env.update(extra)
    return env


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` from /proc (Linux); 0 when it is gone.

    >>> rss_bytes(os.getpid()) > 0
    True
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text("utf-8")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text("utf-8")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # The parent pid is the 2nd field after the parenthesised command name.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return sorted(found)


class ServerProcess:
    """``prefero serve`` on ``port`` in its own process group, so that ``kill`` takes the
    supervisor and every worker down at once, as a power cut or an OOM kill would."""

    def __init__(self, env: Mapping[str, str], *, workers: int, port: int | None = None) -> None:
        self.env = dict(env)
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 120.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefero.cli.app", "serve", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not become ready")

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: uvicorn's workers, or the server itself."""
        if self.process is None:
            return []
        if self.workers <= 1:
            return [self.process.pid]
        return _children(self.process.pid)

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean-up, no flush, no goodbye."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

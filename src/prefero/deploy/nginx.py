"""nginx in front of the API processes: its configuration from ``deploy/nginx.conf.template``
and its start and stop, all inside one run folder (``nginx -p``) so that it runs as an
ordinary user beside any system nginx (Debian's package starts one on port 80: it is never
used, read or signalled here)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from prefero.deploy.pids import Tracked, children, stop

__all__ = [
    "DEFAULT_TEMPLATE",
    "NginxConfig",
    "find_nginx",
    "render",
    "start_nginx",
    "stop_nginx",
    "write_config",
]

# The template lives in the repository's deploy/ folder, beside the scripts that use it.
DEFAULT_TEMPLATE = Path(__file__).resolve().parents[3] / "deploy" / "nginx.conf.template"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True, slots=True)
class NginxConfig:
    """What the template needs: where nginx listens, the API processes' ports and the
    API's body limits (so that nginx refuses exactly what the API would)."""

    listen_host: str
    listen_port: int
    api_ports: Sequence[int]
    max_body_bytes: int
    max_events_body_bytes: int
    max_import_body_bytes: int
    problem_base: str
    access_log: bool = True
    nginx_workers: int = 1
    keepalive: int = 32
    # Set when nginx starts as root: its workers then run as this user (the owner of the
    # run folder, who can write its temporary files) instead of a compiled-in "nobody".
    worker_user: str | None = None

    def values(self) -> dict[str, str]:
        """Every placeholder's text."""
        servers = "\n".join(
            # After one failed attempt a process is left alone for 5 s, then tried again.
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"
            for port in self.api_ports)
        return {
            "user": f"user {self.worker_user};" if self.worker_user else "",
            "nginx_workers": str(self.nginx_workers),
            "access_log": ("access_log logs/access.log prefero buffer=64k flush=1s;"
                           if self.access_log else "access_log off;"),
            "servers": servers,
            "keepalive": str(self.keepalive),
            "listen": (f"[{self.listen_host}]:{self.listen_port}" if ":" in self.listen_host
                       else f"{self.listen_host}:{self.listen_port}"),
            "processes": str(len(self.api_ports)),
            "max_body_bytes": str(self.max_body_bytes),
            "max_events_body_bytes": str(self.max_events_body_bytes),
            "max_import_body_bytes": str(self.max_import_body_bytes),
            "problem_base": self.problem_base,
        }


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with every ``{{ name }}`` replaced; a placeholder without a value, or a
    value no placeholder uses, is an error (a half-filled configuration must not start).

    >>> render("listen {{ listen }};", {"listen": "127.0.0.1:8080"})
    'listen 127.0.0.1:8080;'
    >>> render("listen {{ port }};", {"listen": "x"})
    Traceback (most recent call last):
    ...
    ValueError: the nginx template has no value for: port; unused values: listen
    """
    used = set(_PLACEHOLDER.findall(template))
    missing, unused = sorted(used - values.keys()), sorted(values.keys() - used)
    if missing or unused:
        raise ValueError(f"the nginx template has no value for: {', '.join(missing) or '-'}; "
                         f"unused values: {', '.join(unused) or '-'}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def find_nginx(explicit: str | None = None) -> str:
    """The nginx binary: ``explicit``, else on PATH, else Debian's ``/usr/sbin/nginx``
    (/usr/sbin is often missing from an ordinary user's PATH)."""
    for candidate in (explicit, shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx-light)")


def _worker_user(run_dir: Path) -> str | None:
    if os.geteuid() != 0:
        return None  # nginx cannot switch users anyway (and says so if asked)
    return pwd.getpwuid(run_dir.stat().st_uid).pw_name


def write_config(run_dir: Path, config: NginxConfig, *, template: Path = DEFAULT_TEMPLATE
                 ) -> Path:
    """Render the template into ``run_dir/nginx.conf`` and create the folders it names."""
    for name in _TEMP_DIRS:
        (run_dir / "tmp" / name).mkdir(parents=True, exist_ok=True)
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    if config.worker_user is None and (user := _worker_user(run_dir)) is not None:
        config = dataclasses.replace(config, worker_user=user)
    path = run_dir / "nginx.conf"
    path.write_text(render(template.read_text("utf-8"), config.values()), "utf-8")
    return path


def _command(nginx: str, run_dir: Path, *extra: str) -> list[str]:
    # -e: the error log before the configuration is read (a build may compile in
    # /var/log/nginx/error.log, which an ordinary user cannot open).
    return [nginx, "-p", f"{run_dir.resolve()}/", "-c", "nginx.conf",
            "-e", "logs/nginx-error.log", *extra]


def start_nginx(run_dir: Path, *, nginx: str, timeout: float = 10.0) -> Tracked:
    """Check the configuration (``nginx -t``), then start nginx as a daemon; its master."""
    checked = subprocess.run(_command(nginx, run_dir, "-t", "-q"), capture_output=True,
                             text=True, check=False)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refused {run_dir / 'nginx.conf'}:\n"
                           f"{checked.stderr.strip()}")
    # The daemon forks and the command returns once the master runs with its sockets open.
    started = subprocess.run(_command(nginx, run_dir), capture_output=True, text=True,
                             check=False)
    if started.returncode != 0:
        raise RuntimeError(f"nginx did not start:\n{started.stderr.strip()}")
    pid_file = run_dir / "nginx.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return Tracked.of("nginx", int(pid_file.read_text("utf-8").strip()))
        except (OSError, ValueError, ProcessLookupError):
            time.sleep(0.05)
    raise RuntimeError(f"nginx wrote no pid to {pid_file} within {timeout:g} s")


def stop_nginx(master: Tracked, *, grace: float = 10.0) -> list[str]:
    """Graceful stop (SIGQUIT: open requests finish), then SIGKILL to the master and its
    workers if it takes longer than ``grace`` seconds; the names of those killed."""
    workers = []
    if master.alive():
        for pid in children(master.pid):
            with contextlib.suppress(ProcessLookupError):  # exited meanwhile: fine
                workers.append(Tracked.of(f"nginx worker {pid}", pid))
    killed = stop([master], gentle=signal.SIGQUIT, grace=grace)
    # Workers finish with their master; any left (the master was killed) go now.
    return killed + stop(workers, grace=2.0)

"""Processes the deployment started, named by pid *and* start time.

``deploy/down`` runs long after ``deploy/up`` has exited, so the processes it stops are not
its children. A pid alone could by then belong to an unrelated program (pids are reused),
so each one is recorded with its start time from ``/proc/<pid>/stat`` and signalled only
while both still match (Linux).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tracked", "children", "start_time", "stop"]


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("utf-8")
    except OSError:
        return None
    # The command name (2nd field) is in parentheses and may hold spaces: split after it.
    return stat.rsplit(")", 1)[1].split()


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot); None when no such process runs.
    A zombie (dead, waiting for its parent to collect it) counts as not running.

    >>> start_time(os.getpid()) is not None, start_time(2**22 + 1)
    (True, None)
    """
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    # Field 22 of stat; fields[0] here is field 3 (the state).
    return int(fields[19])


def children(pid: int) -> list[int]:
    """The running processes whose parent is ``pid`` (nginx's workers of its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Tracked:
    """A process started by the deployment: what to call it, its pid and start time."""

    name: str
    pid: int
    started: int

    @classmethod
    def of(cls, name: str, pid: int) -> Tracked:
        """Record ``pid`` as it runs now."""
        started = start_time(pid)
        if started is None:
            raise ProcessLookupError(f"{name} (pid {pid}) is not running")
        return cls(name=name, pid=pid, started=started)

    def alive(self) -> bool:
        """Whether this very process still runs (not a later one with a reused pid)."""
        return start_time(self.pid) == self.started

    def signal(self, signum: signal.Signals) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)


def _wait_gone(tracked: list[Tracked], timeout: float) -> list[Tracked]:
    deadline = time.monotonic() + timeout
    left = [each for each in tracked if each.alive()]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [each for each in left if each.alive()]
    return left


def stop(tracked: list[Tracked], *, gentle: signal.Signals = signal.SIGTERM,
         grace: float = 15.0) -> list[str]:
    """``gentle`` to every process, then SIGKILL to those still running after ``grace``
    seconds; the names of the processes that had to be killed."""
    for each in tracked:
        each.signal(gentle)
    stubborn = _wait_gone(tracked, grace)
    for each in stubborn:
        each.signal(signal.SIGKILL)
    _wait_gone(stubborn, 5.0)
    return [each.name for each in stubborn]

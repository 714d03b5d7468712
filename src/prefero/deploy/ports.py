"""Loopback ports: whether one is free, and a run of consecutive free ones.

Checked before anything starts, so that a port taken by another program is named at once
instead of surfacing as one API process that never became ready."""

from __future__ import annotations

import random
import socket

__all__ = ["consecutive_free_ports", "port_free"]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``host:port`` can be bound now. ``SO_REUSEADDR`` as uvicorn and nginx set
    it, so that a port whose last connections linger in TIME_WAIT counts as free.

    >>> with socket.socket() as taken:
    ...     taken.bind(("127.0.0.1", 0)); taken.listen()
    ...     port_free(taken.getsockname()[1])
    False
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def consecutive_free_ports(count: int, *, low: int = 20000, high: int = 30000,
                           attempts: int = 200, rng: random.Random | None = None) -> int:
    """The first of ``count`` consecutive free loopback ports in ``[low, high)``, picked at
    random so that runs side by side (tests in parallel) rarely reach for the same range.

    >>> first = consecutive_free_ports(3)
    >>> all(port_free(port) for port in range(first, first + 3))
    True
    """
    pick = rng or random.Random()
    for _ in range(attempts):
        first = pick.randrange(low, high - count)
        if all(port_free(port) for port in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports between {low} and {high}")

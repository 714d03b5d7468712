"""A Redis client for caches: an outage costs speed, never an answer.

Every cache Prefero keeps in Redis (declared profiles, per-item candidate lists) can be
rebuilt from the database, so a command that fails is answered "nothing kept" and logged,
and for a few seconds afterwards the client does not try again: requests would otherwise each
wait for Redis's time-out while it is down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.exceptions import RedisError

__all__ = ["CacheRedis"]

T = TypeVar("T")

_log = logging.getLogger("prefero.redis_cache")
# A dead Redis must not stall requests: give up on it quickly.
_TIMEOUT_S = 0.25
_BACKOFF_S = 5.0


class CacheRedis:
    """``call(lambda r: r.get(key))``: the command's result, or ``None`` when Redis failed
    now or less than ``backoff`` seconds ago. Thread-safe (redis-py keeps a pool).

    >>> CacheRedis("redis://127.0.0.1:1/0", purpose="a doctest").call(lambda r: r.ping())
    """

    def __init__(self, url: str, *, purpose: str, backoff: float = _BACKOFF_S) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=_TIMEOUT_S,
                                           socket_connect_timeout=_TIMEOUT_S)
        self._purpose = purpose
        self._backoff = backoff
        self._down_until = 0.0

    def call(self, command: Callable[[redis.Redis], T]) -> T | None:
        if time.monotonic() < self._down_until:
            return None
        try:
            return command(self.client)
        except RedisError as exc:
            self._down_until = time.monotonic() + self._backoff
            _log.warning("Redis unavailable for %s (%s); going without it for %.0f s",
                         self._purpose, exc, self._backoff)
            return None

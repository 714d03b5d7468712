"""What a server process keeps of each customer's declared profile between requests.

A customer's preferences and consents change rarely and are read on every request. The
database sets ``customers.profile_revision`` to a value never handed out before whenever
either changes (triggers of migration 0007, so every write path is covered, another
process's and a bulk load's included; a rolled back write's value is never seen again), and
the request reads that stamp with the customer row it reads anyway: an entry is used only
while its revision is the one the database holds now, so a new rule or a withdrawn consent
acts on the very next request, served by any process.

Entries also expire after ``ttl`` seconds, which bounds how long a process keeps what an
erased customer had declared (erasure deletes the row; the next request for that id drops
the entry at once).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prefero.types import Purpose

__all__ = ["Declared", "DeclaredCache", "DeclaredStore"]


@dataclass(frozen=True)
class Declared:
    """A customer's declared part as read at ``revision``. ``likes`` carry their stored
    weights; ``confirmed`` says when each like ((facet, value)) was last confirmed, so that
    its decay (``prefero.customers.freshness``) is computed at each request's own time:
    time passes without moving the revision."""

    revision: int
    consents: dict[Purpose, bool]
    likes: tuple[tuple[str, str, float], ...] = ()
    never: tuple[tuple[str, str], ...] = ()
    must: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sizes: dict[str, frozenset[str]] = field(default_factory=dict)
    dismissed: frozenset[str] = frozenset()
    confirmed: dict[tuple[str, str], datetime] = field(default_factory=dict)


class DeclaredStore(Protocol):
    """Where a process keeps declared parts: ``DeclaredCache`` in its own memory, or
    ``prefero.recommend.declared_shared.SharedDeclaredCache`` shared through Redis."""

    def get(self, customer_id: str, *, revision: int) -> Declared | None: ...

    def put(self, customer_id: str, declared: Declared) -> None: ...

    def drop(self, customer_id: str) -> None: ...


class DeclaredCache:
    """Least recently used, at most ``size`` customers, each for at most ``ttl`` seconds.
    Safe to share between the threads of a process.

    >>> cache = DeclaredCache(size=2, ttl=60.0)
    >>> cache.put("c1", Declared(revision=3, consents={}))
    >>> cache.get("c1", revision=3) is not None, cache.get("c1", revision=4)
    (True, None)
    """

    def __init__(self, *, size: int = 20_000, ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Declared]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, customer_id: str, *, revision: int) -> Declared | None:
        """The entry read at ``revision``, if kept and fresh; a stale one is dropped."""
        now = self._clock()
        with self._lock:
            found = self._entries.get(customer_id)
            if found is None:
                return None
            stored_at, declared = found
            if declared.revision != revision or now - stored_at > self.ttl:
                del self._entries[customer_id]
                return None
            self._entries.move_to_end(customer_id)
            return declared

    def put(self, customer_id: str, declared: Declared) -> None:
        with self._lock:
            self._entries[customer_id] = (self._clock(), declared)
            self._entries.move_to_end(customer_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, customer_id: str) -> None:
        with self._lock:
            self._entries.pop(customer_id, None)

    def __len__(self) -> int:
        return len(self._entries)

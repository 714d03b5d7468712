"""The declared-profile cache shared through Redis by every process and host.

In front stays each process's own ``DeclaredCache`` (no network on a hit); behind it, one
Redis key per customer holds the declared part as JSON with the ``profile_revision`` it was
read at. An entry is used only while that revision is the database's current one, exactly
as in process, so sharing it cannot make an answer stale: a rule or a withdrawn consent
written through any process acts on the very next request, wherever it is served. What
Redis adds is that a customer read by one process is not read from the database again by
the others.

Keys live under a namespace made from the database's URL and the shop's consent defaults
(which a ``Declared`` carries for purposes nobody decided): two shops, or one shop after
changing its defaults, never read each other's entries. Entries expire after ``ttl``
seconds; an erasure deletes its key at once. When Redis cannot be reached the cache
answers "not kept" and requests read the database: an outage costs speed, not answers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from prefero.config import Settings
from prefero.customers.consent import consent_defaults
from prefero.recommend.declared_cache import Declared, DeclaredCache
from prefero.redis_cache import CacheRedis
from prefero.types import Purpose

__all__ = ["SharedDeclaredCache", "decode", "encode", "namespace"]

def namespace(settings: Settings) -> str:
    """The key prefix of one shop's entries: its database and its consent defaults.

    >>> a = namespace(Settings(database_url="postgresql://db/a"))
    >>> a == namespace(Settings(database_url="postgresql://db/b")), a.startswith("prefero:")
    (False, True)
    """
    identity = json.dumps([settings.effective_database_url, consent_defaults(settings)],
                          sort_keys=True)
    return f"prefero:declared:{hashlib.sha256(identity.encode()).hexdigest()[:16]}:"


def encode(declared: Declared) -> bytes:
    """JSON of ``declared``; ``decode`` gives it back equal.

    >>> d = Declared(revision=7, consents={"tracking": True}, likes=(("brand", "acme", 1.0),),
    ...              must={"diet": ("vegan",)}, sizes={"shoes": frozenset({"42"})})
    >>> decode(encode(d)) == d
    True
    """
    return json.dumps({
        "revision": declared.revision,
        "consents": declared.consents,
        "likes": declared.likes,
        "never": declared.never,
        "must": declared.must,
        "sizes": {facet: sorted(values) for facet, values in declared.sizes.items()},
        "dismissed": sorted(declared.dismissed),
        "confirmed": [[facet, value, at.isoformat()]
                      for (facet, value), at in declared.confirmed.items()],
    }).encode()


def decode(raw: bytes) -> Declared:
    doc: dict[str, Any] = json.loads(raw)
    consents: dict[Purpose, bool] = {purpose: bool(granted)
                                     for purpose, granted in doc["consents"].items()}
    return Declared(
        revision=int(doc["revision"]),
        consents=consents,
        likes=tuple((str(f), str(v), float(w)) for f, v, w in doc["likes"]),
        never=tuple((str(f), str(v)) for f, v in doc["never"]),
        must={str(facet): tuple(values) for facet, values in doc["must"].items()},
        sizes={str(facet): frozenset(values) for facet, values in doc["sizes"].items()},
        dismissed=frozenset(doc["dismissed"]),
        # An entry written before confirmations were kept has none: its likes count as fresh
        # for the few seconds it may live.
        confirmed={(str(f), str(v)): datetime.fromisoformat(at)
                   for f, v, at in doc.get("confirmed", [])},
    )


class SharedDeclaredCache:
    """``DeclaredCache``'s interface, in process first and then in Redis. Thread-safe
    (redis-py's client keeps a pool of connections)."""

    def __init__(self, url: str, *, prefix: str, ttl: float = 60.0,
                 local: DeclaredCache | None = None) -> None:
        self._redis = CacheRedis(url, purpose="the declared-profile cache")
        self._prefix = prefix
        self._ttl = ttl
        self.local = local or DeclaredCache(ttl=ttl)

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedDeclaredCache:
        assert settings.redis_url is not None
        return cls(settings.redis_url, prefix=namespace(settings))

    def get(self, customer_id: str, *, revision: int) -> Declared | None:
        found = self.local.get(customer_id, revision=revision)
        if found is not None:
            return found
        raw = self._redis.call(lambda r: r.get(self._prefix + customer_id))
        if not isinstance(raw, bytes):
            return None
        declared = decode(raw)
        if declared.revision != revision:
            return None  # read before the latest change; the next put replaces it
        self.local.put(customer_id, declared)
        return declared

    def put(self, customer_id: str, declared: Declared) -> None:
        self.local.put(customer_id, declared)
        self._redis.call(lambda r: r.set(self._prefix + customer_id, encode(declared),
                                   px=int(self._ttl * 1000)))

    def drop(self, customer_id: str) -> None:
        self.local.drop(customer_id)
        self._redis.call(lambda r: r.delete(self._prefix + customer_id))

    def __len__(self) -> int:
        return len(self.local)

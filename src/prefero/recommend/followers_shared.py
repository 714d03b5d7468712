"""Per-item candidate lists shared through Redis: what shoppers chose after each item, with
the models' scores of those items (``ModelView.followers``).

A process works each item's list out once and keeps it for the life of its model view; with
``PREFERO_REDIS_URL`` set it also stores it in Redis, so that the other processes and hosts
read it instead of scoring the models again (a fold-in plus a pass over the catalogue, tens
of milliseconds at 100,000 products). A list is a pure function of the trained artefacts and
the catalogue, so its key holds both: the shop (database), the artefact version and the
catalogue revision; a new version or a catalogue change reads other keys, and the old ones
expire. Nothing about a customer is stored here.

Like every cache of Prefero, an unreachable Redis costs speed, never answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import redis

from prefero.config import Settings
from prefero.recommend.catalog_index import FloatArray, IntArray
from prefero.redis_cache import CacheRedis

__all__ = ["SharedFollowers", "decode", "encode"]

#: A day: lists of an artefact version no process serves any more leave by themselves.
_TTL_S = 24 * 3600

Followers = tuple[IntArray, FloatArray]


def encode(found: Followers) -> bytes:
    """Positions as little-endian int64, then scores as float64: exact both ways.

    >>> found = (np.array([3, 9]), np.array([0.5, 1.0]))
    >>> [a.tolist() for a in decode(encode(found))]
    [[3, 9], [0.5, 1.0]]
    """
    positions, scores = found
    return (np.asarray(positions, dtype="<i8").tobytes()
            + np.asarray(scores, dtype="<f8").tobytes())


def decode(raw: bytes) -> Followers:
    half = len(raw) // 2
    return (np.frombuffer(raw[:half], dtype="<i8").astype(np.int64),
            np.frombuffer(raw[half:], dtype="<f8").astype(np.float64))


class SharedFollowers:
    """Redis keys ``<shop>:<version>:<revision>:<k>:<position>``. Thread-safe."""

    def __init__(self, url: str, *, shop: str) -> None:
        self._redis = CacheRedis(url, purpose="the shared candidate lists")
        self._shop = shop

    @classmethod
    def from_settings(cls, settings: Settings) -> SharedFollowers:
        assert settings.redis_url is not None
        shop = hashlib.sha256(settings.effective_database_url.encode()).hexdigest()[:16]
        return cls(settings.redis_url, shop=f"prefero:followers:{shop}")

    def scope(self, *, version: str, revision: int) -> str:
        """The key prefix of one artefact version seen through one catalogue revision."""
        return f"{self._shop}:{version}:{revision}:"

    def get(self, scope: str, wanted: Sequence[tuple[int, int]]
            ) -> dict[tuple[int, int], Followers]:
        """The lists kept for ``wanted`` (position, k) pairs; missing ones are left out."""
        raw = self._redis.call(lambda r: r.mget([f"{scope}{k}:{p}" for p, k in wanted]))
        if not isinstance(raw, list):
            return {}
        return {key: decode(value) for key, value in zip(wanted, raw, strict=True)
                if isinstance(value, bytes)}

    def put(self, scope: str, found: Mapping[tuple[int, int], Followers]) -> None:
        def store(client: redis.Redis) -> Any:
            pipe = client.pipeline(transaction=False)
            for (position, k), lists in found.items():
                pipe.set(f"{scope}{k}:{position}", encode(lists), ex=_TTL_S)
            return pipe.execute()

        if found:
            self._redis.call(store)

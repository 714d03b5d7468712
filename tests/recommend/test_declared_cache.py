"""The declared-profile cache: an entry is used only at the revision it was read at, for at
most ``ttl`` seconds, and the least recently used go first."""

from __future__ import annotations

import pytest

from prefero.recommend.declared_cache import Declared, DeclaredCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _declared(revision: int) -> Declared:
    return Declared(revision=revision, consents={"tracking": True},
                    never=(("allergens", "gluten"),))


def test_an_entry_serves_only_its_revision_and_a_moved_one_is_dropped(clock: Clock) -> None:
    cache = DeclaredCache(size=10, ttl=60.0, clock=clock)
    cache.put("c1", _declared(4))
    assert cache.get("c1", revision=4) == _declared(4)
    assert cache.get("c1", revision=5) is None
    assert cache.get("c1", revision=4) is None  # gone, not kept for an older reader
    assert len(cache) == 0


def test_entries_expire_after_the_ttl(clock: Clock) -> None:
    cache = DeclaredCache(size=10, ttl=60.0, clock=clock)
    cache.put("c1", _declared(1))
    clock.now += 59.0
    assert cache.get("c1", revision=1) is not None
    clock.now += 2.0
    assert cache.get("c1", revision=1) is None


def test_the_least_recently_used_go_first(clock: Clock) -> None:
    cache = DeclaredCache(size=2, ttl=60.0, clock=clock)
    cache.put("a", _declared(1))
    cache.put("b", _declared(1))
    assert cache.get("a", revision=1) is not None  # a is now the more recent
    cache.put("c", _declared(1))
    assert cache.get("b", revision=1) is None
    assert cache.get("a", revision=1) is not None and cache.get("c", revision=1) is not None
    cache.drop("a")
    assert cache.get("a", revision=1) is None

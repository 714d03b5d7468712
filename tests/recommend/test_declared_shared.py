"""The declared-profile cache shared through Redis: what one process put, another process
finds at the same revision and never at another; an erasure and an outage behave."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from postgres_shop import require_redis
from prefero.config import Settings
from prefero.recommend.declared_cache import Declared
from prefero.recommend.declared_shared import SharedDeclaredCache, decode, encode, namespace
from prefero.types import PURPOSES, Purpose

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    require_redis(REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"prefero:test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def _declared(revision: int) -> Declared:
    return Declared(revision=revision, consents={"tracking": True, "personalization": False},
                    likes=(("brand", "acme", 2.0),), never=(("diet", "meat"),),
                    must={"colour": ("red", "blue")}, sizes={"shoes": frozenset({"42"})},
                    dismissed=frozenset({"p1"}))


def test_what_one_process_read_another_finds_at_the_same_revision_only(prefix: str) -> None:
    one, other = (SharedDeclaredCache(REDIS_URL, prefix=prefix) for _ in range(2))
    one.put("c1", _declared(5))
    assert other.get("c1", revision=5) == _declared(5)
    assert len(other) == 1  # now kept in the other process too
    third = SharedDeclaredCache(REDIS_URL, prefix=prefix)
    # The database moved on (a new rule): the shared entry is not used, whoever asks.
    assert third.get("c1", revision=6) is None
    third.put("c1", _declared(6))
    assert SharedDeclaredCache(REDIS_URL, prefix=prefix).get("c1", revision=6) == _declared(6)


def test_forgetting_a_customer_removes_the_shared_entry(prefix: str) -> None:
    one, other = (SharedDeclaredCache(REDIS_URL, prefix=prefix) for _ in range(2))
    one.put("c1", _declared(1))
    other.drop("c1")
    assert redis.Redis.from_url(REDIS_URL).exists(f"{prefix}c1") == 0
    assert SharedDeclaredCache(REDIS_URL, prefix=prefix).get("c1", revision=1) is None


def test_entries_expire_in_redis_after_the_ttl(prefix: str) -> None:
    SharedDeclaredCache(REDIS_URL, prefix=prefix, ttl=30.0).put("c1", _declared(1))
    remaining = redis.Redis.from_url(REDIS_URL).pttl(f"{prefix}c1")
    assert 0 < remaining <= 30_000


def test_an_unreachable_redis_costs_a_database_read_not_an_error() -> None:
    cache = SharedDeclaredCache("redis://127.0.0.1:1/0", prefix="prefero:test:down:")
    assert cache.get("c1", revision=1) is None
    cache.put("c1", _declared(1))  # kept in process all the same
    assert cache.get("c1", revision=1) == _declared(1)
    cache.drop("c1")
    assert cache.get("c1", revision=1) is None


def test_each_shop_and_each_set_of_consent_defaults_has_its_own_keys() -> None:
    shop = Settings(database_url="postgresql+psycopg://db/shop")
    assert namespace(shop) == namespace(Settings(database_url="postgresql+psycopg://db/shop"))
    assert namespace(shop) != namespace(Settings(database_url="postgresql+psycopg://db/other"))
    assert namespace(shop) != namespace(Settings(database_url="postgresql+psycopg://db/shop",
                                                 default_consent_tracking=True))


_text = st.text(min_size=1, max_size=12)


@given(revision=st.integers(min_value=-2**63, max_value=2**63 - 1),
       consents=st.dictionaries(st.sampled_from(PURPOSES), st.booleans()),
       likes=st.lists(st.tuples(_text, _text, st.floats(-5, 5, allow_nan=False)), max_size=5),
       never=st.lists(st.tuples(_text, _text), max_size=5),
       must=st.dictionaries(_text, st.lists(_text, min_size=1, max_size=3).map(tuple)),
       sizes=st.dictionaries(_text, st.frozensets(_text, max_size=3)),
       dismissed=st.frozensets(_text, max_size=5))
def test_an_entry_reads_back_exactly_as_it_was_stored(
    revision: int, consents: dict[Purpose, bool], likes: list[tuple[str, str, float]],
    never: list[tuple[str, str]], must: dict[str, tuple[str, ...]],
    sizes: dict[str, frozenset[str]], dismissed: frozenset[str],
) -> None:
    declared = Declared(revision=revision, consents=consents,
                        likes=tuple(likes), never=tuple(never), must=must, sizes=sizes,
                        dismissed=dismissed)
    assert decode(encode(declared)) == declared

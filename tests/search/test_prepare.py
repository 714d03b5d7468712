"""Search's tables are built with the catalogue snapshot: the first search after a
catalogue change finds its vocabulary ready, and a change builds the next one."""

from __future__ import annotations

import pytest

from factories import add_products, product
from prefero.runtime import Runtime
from prefero.search import vocabulary
from prefero.search.service import search


def _no_build(*_args: object) -> None:
    raise AssertionError("a search built the vocabulary itself")


def test_the_snapshot_brings_its_vocabulary(runtime: Runtime,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with runtime.session() as session:
        add_products(session, [product("p1", category="Food > Tea", title="Green tea")])
    with runtime.session() as session:
        runtime.recommender.snapshot(session)
    with monkeypatch.context() as patch:
        patch.setattr(vocabulary.Vocabulary, "__init__", _no_build)
        with runtime.session() as session:
            found = search(session, runtime.recommender, query="tea", customer_id=None)
    assert [item.product_id for item in found.items] == ["p1"]

    with runtime.session() as session:
        add_products(session, [product("p2", category="Food > Tea", title="Black tea")])
    with runtime.session() as session:
        runtime.recommender.snapshot(session)  # the change: a new snapshot, a new vocabulary
    with monkeypatch.context() as patch:
        patch.setattr(vocabulary.Vocabulary, "__init__", _no_build)
        with runtime.session() as session:
            found = search(session, runtime.recommender, query="black", customer_id=None)
    assert [item.product_id for item in found.items] == ["p2"]

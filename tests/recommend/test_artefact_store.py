"""Artefacts published into the database: whole or not at all, checked on arrival, and
picked up by processes on other hosts without a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

from factories import add_products, customer, events, product
from prefero.config import Settings
from prefero.recommend import artefact_store
from prefero.recommend.artefact_rows import ArtefactChunk, PublishedArtefact
from prefero.recommend.artefacts import load_version, write_version
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.runtime import Runtime


def _version(root: Path, *, items: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    return write_version(root, item_ids=[f"p{i}" for i in range(items)], stats={}, arrays={
        "popularity": rng.random(items, dtype=np.float32),
        "trending": rng.random(items, dtype=np.float32),
        "co_purchase_idx": rng.integers(-1, items, (items, 5), dtype=np.int32),
        "co_purchase_score": rng.random((items, 5), dtype=np.float32),
        "co_view_idx": rng.integers(-1, items, (items, 5), dtype=np.int32),
        "co_view_score": rng.random((items, 5), dtype=np.float32),
    })


def test_a_published_version_arrives_whole_on_another_host(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artefact_store, "CHUNK_BYTES", 4096)  # several chunks
    trainer, host = tmp_path / "trainer", tmp_path / "host"
    version = _version(trainer, items=300, seed=1)
    with runtime.session(write=True) as session:
        assert artefact_store.publish(session, trainer / version) == version
    with runtime.session() as session:
        assert artefact_store.newest(session) == version
        chunks = session.scalar(select(func.count()).select_from(ArtefactChunk))
        assert chunks is not None and chunks > 3
        artefact_store.fetch(session, version, host)
    sent, arrived = load_version(trainer, version), load_version(host, version)
    assert arrived.item_ids == sent.item_ids
    assert arrived.manifest == sent.manifest
    for name in ("popularity", "trending", "co_purchase_idx", "co_purchase_score",
                 "co_view_idx", "co_view_score"):
        np.testing.assert_array_equal(getattr(arrived, name), getattr(sent, name))


def test_only_the_newest_three_versions_stay_published(runtime: Runtime, tmp_path: Path
                                                       ) -> None:
    versions = []
    for seed in range(5):
        version = _version(tmp_path / "trainer", items=20, seed=seed)
        with runtime.session(write=True) as session:
            artefact_store.publish(session, tmp_path / "trainer" / version)
        versions.append(version)
    with runtime.session() as session:
        kept = session.scalars(select(PublishedArtefact.version)).all()
        orphans = session.scalar(select(func.count()).select_from(ArtefactChunk).where(
            ArtefactChunk.version.not_in(kept)))
        assert artefact_store.newest(session) == versions[-1]
    assert sorted(kept) == versions[-3:]
    assert orphans == 0


def test_a_damaged_or_vanished_version_is_refused_and_leaves_nothing_behind(
    runtime: Runtime, tmp_path: Path
) -> None:
    version = _version(tmp_path / "trainer", items=50, seed=2)
    with runtime.session(write=True) as session:
        artefact_store.publish(session, tmp_path / "trainer" / version)
        session.execute(update(ArtefactChunk).where(ArtefactChunk.seq == 0)
                        .values(data=b"\0" * 100))
    host = tmp_path / "host"
    with runtime.session() as session, pytest.raises(artefact_store.CorruptArtefact):
        artefact_store.fetch(session, version, host)
    assert list(host.iterdir()) == []
    with runtime.session() as session, pytest.raises(LookupError):
        artefact_store.fetch(session, "20990101T000000000000Z", host)


@pytest.fixture
def two_hosts(settings: Settings, tmp_path: Path) -> Iterator[tuple[Runtime, Runtime]]:
    """A trainer and a serving host on one database, each with its own disk."""
    hosts = tuple(Runtime(settings.model_copy(update={
        "data_dir": tmp_path / name, "artefact_store": "database",
        "artefact_check_seconds": 0.0})) for name in ("trainer", "server"))
    yield hosts[0], hosts[1]
    for host in hosts:
        host.close()


def test_a_new_version_trained_elsewhere_is_served_without_a_restart(
    two_hosts: tuple[Runtime, Runtime],
) -> None:
    trainer, server = two_hosts
    with trainer.session() as s:
        add_products(s, [product(p, category="Shop") for p in "abcdefgh"])
        customer(s, "c1", level="full")
        customer(s, "c2", level="full")
        events(s, "c1", [("view", "a"), ("view", "b"), ("purchase", "c")])
        events(s, "c2", [("view", "a"), ("view", "b"), ("view", "d")])
    query = RecommendationQuery(customer_id="c1", n=4)
    with server.session() as session:
        assert server.recommender.recommend(session, query).artefact_version is None
    first = train(trainer)
    assert not (server.settings.artefact_dir / first).exists()
    with server.session() as session, trainer.session() as other:
        served = server.recommender.recommend(session, query)
        reference = trainer.recommender.recommend(other, query)
    assert served.artefact_version == first
    assert (server.settings.artefact_dir / first / "manifest.json").is_file()
    assert [i.product_id for i in served.items] == [i.product_id for i in reference.items]
    assert [i.reasons for i in served.items] == [i.reasons for i in reference.items]

    # Requests keep flowing on the serving host while the trainer publishes again.
    errors: list[BaseException] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                with server.session() as session:
                    assert len(server.recommender.recommend(session, query).items) == 4
            except BaseException as exc:  # any failure is the finding
                errors.append(exc)
                return

    worker = threading.Thread(target=serve)
    worker.start()
    try:
        second = train(trainer)
    finally:
        stop.set()
        worker.join()
    assert errors == []
    with server.session() as session:
        assert server.recommender.recommend(session, query).artefact_version == second


def test_a_damaged_new_version_keeps_the_old_one_serving(
    two_hosts: tuple[Runtime, Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    trainer, server = two_hosts
    with trainer.session() as s:
        add_products(s, [product(p, category="Shop") for p in "abcd"])
        customer(s, "c1", level="full")
        events(s, "c1", [("view", "a"), ("view", "b")])
    first = train(trainer)
    query = RecommendationQuery(customer_id="c1", n=3)
    with server.session() as session:
        assert server.recommender.recommend(session, query).artefact_version == first
    second = train(trainer)
    with trainer.session(write=True) as session:
        session.execute(update(ArtefactChunk).where(ArtefactChunk.version == second)
                        .values(data=b"damaged"))
    with server.session() as session:
        result = server.recommender.recommend(session, query)
    assert result.artefact_version == first
    assert len(result.items) == 3
    assert f"artefact version {second} not installed" in caplog.text
    assert not (server.settings.artefact_dir / second).exists()

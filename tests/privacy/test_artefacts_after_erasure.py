"""Erasure takes the customer's contribution out of the trained artefacts (finding 7 of issue
10): the erasure queues a retrain, ``maintain`` performs it, and the result equals, digest for
digest, the artefacts trained on the same data without that customer."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from factories import add_products, consent, customer, product
from prefero.events.service import ingest
from prefero.privacy.maintenance import maintain
from prefero.privacy.models import PendingRetrain
from prefero.privacy.retrain import pending_retrains
from prefero.privacy.service import erase_customer
from prefero.recommend.artefacts import current_version
from prefero.recommend.training import train
from prefero.runtime import Runtime

NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)
PRODUCTS = [f"p{i}" for i in range(6)]
# Journeys per shopper; "erased" overlaps the others so that it changes co-occurrence,
# popularity and the models alike.
JOURNEYS = {
    "u0": ["p0", "p1", "p2"],
    "u1": ["p1", "p2", "p3"],
    "u2": ["p2", "p3", "p4"],
    "u3": ["p0", "p2", "p4"],
}
ERASED = {"erased": ["p5", "p0", "p5", "p3", "p1"]}


def _shop(runtime: Runtime, journeys: dict[str, list[str]]) -> None:
    with runtime.session() as session:
        for who in journeys:
            customer(session, who)
            consent(session, who, "tracking", True)
        start = NOW - timedelta(days=3)
        batch = [{"event_id": f"{who}-{k}-{kind}", "type": kind, "customer_id": who,
                  "product_id": pid, "session_id": f"{who}-s",
                  "occurred_at": (start + timedelta(minutes=k)).isoformat()}
                 for who, items in journeys.items() for k, pid in enumerate(items)
                 for kind in ("view", "purchase")]
        ingest(session, batch, settings=runtime.settings)


def _digest(runtime: Runtime) -> str:
    """Every array, model file and the manifest (less its version name and creation time)."""
    root = runtime.settings.artefact_dir
    version = current_version(root)
    assert version is not None
    folder = root / version
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        if path.name == "manifest.json":
            manifest = json.loads(path.read_text("utf-8"))
            del manifest["version"], manifest["created_at"]
            _without_timings(manifest.get("quality") or {})
            digest.update(json.dumps(manifest, sort_keys=True).encode())
        elif path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)
            digest.update(f"{array.dtype}{array.shape}".encode() + array.tobytes())
        else:
            digest.update(_file_bytes(path))
    return digest.hexdigest()


def _without_timings(report: dict[str, Any]) -> None:
    """The quality report less the seconds and milliseconds it measured: how long a fit or
    a score took is the machine's, not the data's (every figure of the data stays)."""
    for key in ("training_seconds", "selection_seconds"):
        report.pop(key, None)
    for part in [*(report.get("candidates") or {}).values(), report.get("served") or {}]:
        part.pop("fit_seconds", None)
        part.pop("score_ms", None)


def _file_bytes(path: Path) -> bytes:
    if path.suffix == ".npz":  # the members, not the zip's timestamps
        with np.load(path, allow_pickle=False) as archive:
            return b"".join(name.encode() + archive[name].tobytes()
                            for name in sorted(archive.files))
    return path.read_bytes()


def _train(runtime: Runtime) -> str:
    return train(runtime, now=NOW)


def test_after_erasure_and_the_queued_retrain_the_artefacts_are_as_if_never_there(
    runtime: Runtime,
) -> None:
    with runtime.session() as session:
        add_products(session, [product(p, category="Shop > Things") for p in PRODUCTS])
    _shop(runtime, JOURNEYS)
    _train(runtime)
    without = _digest(runtime)
    _train(runtime)
    assert _digest(runtime) == without  # training is deterministic

    _shop(runtime, ERASED)
    _train(runtime)
    assert _digest(runtime) != without  # the customer did shape the artefacts

    with runtime.session() as session:
        erase_customer(session, customer_id="erased", settings=runtime.settings)
    with runtime.session() as session:
        queue = pending_retrains(session)
    # Queued with the stated deadline (PREFERO_ERASURE_RETRAIN_HOURS, 24 by default).
    assert queue.count == 1 and queue.due_at is not None
    hours = (queue.due_at - datetime.now(UTC)).total_seconds() / 3600
    assert runtime.settings.erasure_retrain_hours - 1 < hours <= 24
    report = maintain(runtime, now=NOW, train=_train)
    assert report.retrained_version is not None
    assert _digest(runtime) == without
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingRetrain)) == 0
    # Nothing pending any more: the next pass does not retrain.
    assert maintain(runtime, now=NOW, train=_train).retrained_version is None


def test_erasing_someone_without_behaviour_queues_no_retrain(runtime: Runtime) -> None:
    with runtime.session() as session:
        customer(session, "declared-only", likes=[("brand", "acme", 1.0)])
    with runtime.session() as session:
        erase_customer(session, customer_id="declared-only", settings=runtime.settings)
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingRetrain)) == 0

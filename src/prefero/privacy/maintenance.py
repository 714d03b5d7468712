"""The periodic job behind ``prefero maintain``: retention, rekeying of old receipts, the
retrain an erasure queued, and a storage scrub. Run it at least every
``Settings.erasure_retrain_hours`` (hourly from cron or a systemd timer is a good default)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prefero.db.base import utcnow
from prefero.privacy.retention import RetentionReport, expire_behaviour, rekey_legacy_receipts
from prefero.privacy.retrain import complete_retrains, pending_retrains
from prefero.privacy.scrub import ScrubResult, scrub_storage

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["MaintenanceReport", "maintain"]

Train = Callable[["Runtime"], str]


@dataclass(frozen=True)
class MaintenanceReport:
    retention: RetentionReport
    rekeyed_receipts: int
    #: The artefact version a queued retrain published (None: nothing was pending).
    retrained_version: str | None
    #: Whether the retrain ran after its deadline (the job was not run often enough).
    retrain_was_overdue: bool
    scrub: ScrubResult


def maintain(runtime: Runtime, *, now: datetime | None = None, batch: int = 5_000,
             train: Train | None = None) -> MaintenanceReport:
    """One maintenance pass; safe to run while the service serves (short transactions).

    >>> maintain(runtime).retention.events  # doctest: +SKIP
    0
    """
    now = now or utcnow()
    settings = runtime.settings
    retention = expire_behaviour(runtime.session, days=settings.event_retention_days,
                                 now=now, batch=batch)
    rekeyed = rekey_legacy_receipts(runtime.session, key=settings.erasure_key, batch=batch)
    with runtime.session() as session:
        queue = pending_retrains(session)
    version = None
    if queue.last_id is not None:
        if train is None:
            from prefero.recommend.training import train as train_artefacts

            train = train_artefacts
        version = train(runtime)
        with runtime.session() as session:
            complete_retrains(session, up_to_id=queue.last_id)
    scrub = scrub_storage(runtime.engine)
    return MaintenanceReport(retention=retention, rekeyed_receipts=rekeyed,
                             retrained_version=version,
                             retrain_was_overdue=queue.overdue(now), scrub=scrub)

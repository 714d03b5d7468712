"""The periodic job behind ``prefero maintain``: retention, rekeying of old receipts, the
retrain an erasure queued, old days of the popular-search counts, old catalogue changes, and a
storage scrub (on
PostgreSQL the VACUUM erasures queued).
Run it at least every ``Settings.erasure_retrain_hours`` (hourly from cron or a systemd timer
is a good default)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from prefero.catalog.changes import prune_changes
from prefero.db.base import utcnow
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.privacy.retention import RetentionReport, expire_behaviour, rekey_legacy_receipts
from prefero.privacy.retrain import complete_retrains, pending_retrains
from prefero.privacy.scrub import ScrubResult, run_pending_scrubs
from prefero.search.popular import prune_popular

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["MaintenanceReport", "maintain"]

Train = Callable[["Runtime"], str]
#: How long recorded catalogue changes stay: the messages worker reads them within minutes;
#: a month covers a worker that was down for weeks.
CHANGE_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class MaintenanceReport:
    retention: RetentionReport
    rekeyed_receipts: int
    #: The artefact version a queued retrain published (None: nothing was pending).
    retrained_version: str | None
    #: Whether the retrain ran after its deadline (the job was not run often enough).
    retrain_was_overdue: bool
    scrub: ScrubResult
    #: Rows of popular-search counts deleted for days past their retention (anonymous
    #: counts: kept only as long as "popular lately" needs them, not for privacy).
    popular_searches: int = 0
    #: Price, stock and new-product changes older than the messages' triggers read
    #: (``prefero.catalog.changes``).
    product_changes: int = 0


def maintain(runtime: Runtime, *, now: datetime | None = None, batch: int = 5_000,
             train: Train | None = None) -> MaintenanceReport:
    """One maintenance pass; safe to run while the service serves (short transactions).

    >>> maintain(runtime).retention.events  # doctest: +SKIP
    0
    """
    now = now or utcnow()
    settings = runtime.settings
    # Every step that writes declares it: on SQLite it then queues for the writer lock up
    # front instead of failing (SQLITE_BUSY_SNAPSHOT) when its reads meet a request's write.
    writes = partial(runtime.session, write=True)
    retention = expire_behaviour(writes, days=settings.event_retention_days,
                                 now=now, batch=batch)
    rekeyed = rekey_legacy_receipts(writes, key=settings.erasure_key, batch=batch)
    popular = prune_popular(writes, today=now.astimezone(UTC).date())
    with writes() as session:
        changes = prune_changes(session, before=now - CHANGE_RETENTION)
    with runtime.session() as session:
        queue = pending_retrains(session)
    version = None
    if queue.last_id is not None:
        if train is None:
            from prefero.recommend.training import train as train_artefacts

            train = train_artefacts
        version = train(runtime)
        with writes() as session:
            complete_retrains(session, up_to_id=queue.last_id)
    expired = [table for table, count in ((Event.__tablename__, retention.events),
                                          (ProductActivity.__tablename__, retention.counters),
                                          (EventReceipt.__tablename__, retention.receipts))
               if count]
    scrub = run_pending_scrubs(runtime.engine, writes, also=expired)
    return MaintenanceReport(retention=retention, rekeyed_receipts=rekeyed,
                             retrained_version=version,
                             retrain_was_overdue=queue.overdue(now), scrub=scrub,
                             popular_searches=popular, product_changes=changes)

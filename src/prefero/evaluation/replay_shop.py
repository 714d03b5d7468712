"""A throw-away shop made from a leave-one-out split, for the replay
(``prefero.evaluation.replay``): its own SQLite database under a folder, brought up by the
real migrations, and filled through the real tables in bulk (Core inserts in chunks, as
``prefero.demo.loader`` does).

- One product per item (``item-<n>``, ``n`` the item's dense index), created long before
  the replay's ``now`` so that newness favours none; category and facets from
  ``replay_catalogue``.
- One customer per kept user (``user-<n>``, ``n`` the user's row in the split), level
  ``full``, no rules, with tracking, personalization and context consent granted.
- Each customer's events are everything before the test item, in order, as purchases (a
  review or a rating stands for a purchase): at the data's own times where it has them,
  shifted as a whole so that the dataset's last interaction falls a day before ``now``;
  else one a day, the last a day before ``now``. The same events feed the anonymous
  per-day counters (``ProductActivity``) that popularity and trending are trained from, as
  the events service does. The test item never reaches the database.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, insert

from prefero.catalog.models import Product
from prefero.catalog.revisions import bump
from prefero.config import Settings
from prefero.customers.models import ConsentRecord, Customer
from prefero.db.base import Base
from prefero.db.migrate import upgrade
from prefero.evaluation.data import FloatArray, LeaveOneOut, SequenceData
from prefero.evaluation.replay_catalogue import ReplayCatalogue
from prefero.events.models import Event, ProductActivity
from prefero.runtime import Runtime
from prefero.types import Purpose

__all__ = ["CONSENTS", "EVENT_TYPE", "ReplayShop", "build_shop", "event_times", "item_id"]

#: What every customer of the replay has granted: behaviour and context may be used.
CONSENTS: tuple[Purpose, ...] = ("tracking", "personalization", "context")
#: The one event type the replay writes (reviews and ratings stand for purchases).
EVENT_TYPE = "purchase"
#: How long before ``now`` the products and customers were created.
_LONG_AGO = timedelta(days=3 * 365)
_DAY = 86_400.0
_CHUNK_ROWS = 5000
_PRICE = Decimal("10.00")


def item_id(item: int) -> str:
    """The product id of the dataset's item ``item`` (dense index).

    >>> item_id(7)
    'item-7'
    """
    return f"item-{item}"


def customer_id(user: int) -> str:
    return f"user-{user}"


@dataclass(frozen=True)
class ReplayShop:
    """The shop, ready to train and serve: its runtime and what it holds."""

    runtime: Runtime
    customer_ids: list[str]  # by the split's user row
    now: datetime
    products: int
    events: int
    seconds: float


def event_times(split: LeaveOneOut, *, now: datetime) -> list[FloatArray]:
    """The time (epoch seconds) of each event written: per user, of everything before the
    test item.

    >>> from prefero.evaluation.data import leave_one_out
    >>> data = SequenceData(["u"], ["a", "b", "c"], [np.array([0, 1, 2])])
    >>> now = datetime(2026, 1, 10, tzinfo=UTC)
    >>> [datetime.fromtimestamp(t, UTC).day for t in event_times(leave_one_out(data), now=now)[0]]
    [8, 9]
    """
    last = now.timestamp() - _DAY
    if split.timestamps is None:
        return [last - _DAY * np.arange(len(s) - 2, -1, -1, dtype=np.float64)
                for s in split.full]
    newest = max(float(t.max()) for t in split.timestamps)
    return [t[:-1] + (last - newest) for t in split.timestamps]


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK_ROWS)):
        yield chunk


def build_shop(data: SequenceData, split: LeaveOneOut, catalogue: ReplayCatalogue, *,
               folder: Path, now: datetime | None = None) -> ReplayShop:
    """Create the shop's database and schema under ``folder`` and fill it.

    >>> # shop = build_shop(data, leave_one_out(data), replay_catalogue(attributes),
    >>> #                   folder=Path(mkdtemp()))
    """
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    folder.mkdir(parents=True, exist_ok=True)
    schema_path = folder / "facets.yaml"
    schema = catalogue.write_schema(schema_path)
    # Where the shop lives is given here, so that the machine's own database, Redis and
    # published artefacts stay out. What it serves is not: the candidate models and the
    # ranking knobs follow the PREFERO_* variables as `prefero train` and the API follow
    # them (PREFERO_MODELS=transitions prefero evaluate-live … replays that choice).
    settings = Settings(
        data_dir=folder, database_url=f"sqlite:///{(folder / 'replay.db').resolve()}",
        facet_schema=schema_path, artefact_store="directory", redis_url=None,
        category_cap=Settings().category_cap if catalogue.capped else data.n_items + 1)
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    created = now - _LONG_AGO
    products = [{
        "id": item_id(item), "title": f"Item {raw}", "description": "", "link": None,
        "image_link": None, "additional_image_links": [], "price": _PRICE,
        "currency": settings.shop_currency, "sale_price": None, "availability": "in_stock",
        "brand": None, "condition": None,
        "category": schema.coerce("category", catalogue.categories[item]),
        "item_group_id": None, "active": True, "created_at": created, "updated_at": created,
        "facets": {"category": schema.coerce("category", catalogue.categories[item]),
                   **{name: schema.coerce(name, values)
                      for name, values in catalogue.facets[item].items()}},
    } for item, raw in enumerate(data.item_ids)]
    customers = [customer_id(user) for user in range(split.n_users)]
    times = event_times(split, now=now)
    histories = split.test_histories()
    activity: Counter[tuple[str, date]] = Counter()

    def events() -> Iterator[dict[str, Any]]:
        for user, (items, at) in enumerate(zip(histories, times, strict=True)):
            for item, seconds in zip(items.tolist(), at.tolist(), strict=True):
                when = datetime.fromtimestamp(seconds, UTC)
                activity[(item_id(item), when.date())] += 1
                yield {"customer_id": customers[user], "type": EVENT_TYPE,
                       "product_id": item_id(item), "quantity": 1, "price": _PRICE,
                       "session_id": None, "occurred_at": when, "received_at": when}

    tables: list[tuple[type[Base], Iterable[dict[str, Any]]]] = [
        (Product, products),
        (Customer, ({"id": c, "anonymous": False, "level": "full", "exploration": True,
                     "created_at": created, "updated_at": created} for c in customers)),
        (ConsentRecord, ({"customer_id": c, "purpose": purpose, "granted": True,
                          "source": "replay", "policy_version": settings.policy_version,
                          "idempotency_key": None, "recorded_at": created}
                         for c in customers for purpose in CONSENTS)),
        (Event, events()),
    ]
    written = 0
    with runtime.session(write=True) as session:
        for model, rows in tables:
            for chunk in _chunks(rows):
                session.execute(insert(cast(Table, model.__table__)), chunk)
                written += len(chunk) if model is Event else 0
        # Filled while the events were written: the same counters the events service keeps.
        for chunk in _chunks({"product_id": product, "day": day,
                              "type": EVENT_TYPE, "count": count}
                             for (product, day), count in activity.items()):
            session.execute(insert(cast(Table, ProductActivity.__table__)), chunk)
        bump(session)
    return ReplayShop(runtime=runtime, customer_ids=customers, now=now,
                      products=len(products), events=written,
                      seconds=time.perf_counter() - started)

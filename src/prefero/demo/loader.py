"""Load the demo shop into the configured database (SQLite or PostgreSQL), fast.

Rows go in with SQLAlchemy Core executemany in chunks, all in one transaction: a load either
completes or leaves the database as it was, and a second load finds the products and skips.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.catalog.revisions import bump
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.db.base import Base
from prefero.db.migrate import upgrade
from prefero.demo.boxes import seed_boxes
from prefero.demo.catalog import CURRENCY
from prefero.demo.content import seed_content
from prefero.demo.delivery import seed_delivery
from prefero.demo.merchandising import seed_merchandising
from prefero.demo.prompts import seed_prompts
from prefero.demo.recommendation_stats import seed_recommendation_stats
from prefero.demo.shop import ProgressCallback, generate_demo
from prefero.demo.synonyms import seed_synonyms
from prefero.events.models import Event, ProductActivity
from prefero.quizzes.publish import publish_library
from prefero.runtime import Runtime

__all__ = ["CHUNK_ROWS", "DemoSummary", "load_demo"]

# Big enough to amortize statement overhead, small enough to keep memory and progress smooth.
CHUNK_ROWS = 5000


@dataclass(frozen=True)
class DemoSummary:
    """Row counts after a load; ``loaded`` is False when the database already had a shop."""

    products: int
    customers: int
    preferences: int
    consents: int
    events: int
    activity: int
    loaded: bool
    seconds: float


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def _count(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _summary(session: Session, *, loaded: bool, seconds: float) -> DemoSummary:
    return DemoSummary(
        products=_count(session, Product),
        customers=_count(session, Customer),
        preferences=_count(session, Preference),
        consents=_count(session, ConsentRecord),
        events=_count(session, Event),
        activity=_count(session, ProductActivity),
        loaded=loaded,
        seconds=seconds,
    )


def load_demo(runtime: Runtime, *, seed: int = 7, products: int = 3200, customers: int = 6000,
              anchor: datetime | None = None, progress: ProgressCallback | None = None
              ) -> DemoSummary:
    """Migrate, then fill an empty database with the demo shop; skip one that has products.

    ``progress(stage, done, total)`` is called as generation and each table advance.

    >>> from pathlib import Path; from tempfile import mkdtemp
    >>> from prefero.config import Settings
    >>> runtime = Runtime(Settings(data_dir=Path(mkdtemp())))
    >>> load_demo(runtime, products=60, customers=20).products  # + 5 add-ons, 2 configurable
    67
    >>> load_demo(runtime, products=60, customers=20).loaded
    False
    """
    if runtime.settings.shop_currency != CURRENCY:
        # Its prices, budgets and quiz ranges are in złoty: labelled with another code they
        # would all be wrong, so the demo does not load into such a shop at all.
        raise ValueError(f"the demo shop sells in {CURRENCY}, but PREFERO_SHOP_CURRENCY is "
                         f"{runtime.settings.shop_currency}; unset it or set it to {CURRENCY}")
    started = time.perf_counter()
    upgrade(runtime.settings.effective_database_url)
    with runtime.session() as session:
        if _count(session, Product):
            # Already loaded: still bring the quiz library up to date (publishing an unchanged
            # definition stores nothing), so a demo made before a new quiz shipped gets it.
            publish_library(session, schema=runtime.facet_schema)
            seed_synonyms(session)
            seed_content(session, schema=runtime.facet_schema)
            seed_prompts(session, schema=runtime.facet_schema)
            seed_delivery(session)
            seed_merchandising(session, schema=runtime.facet_schema)
            return _summary(session, loaded=False, seconds=time.perf_counter() - started)
    shop = generate_demo(seed=seed, products=products, customers=customers, anchor=anchor,
                         schema=runtime.facet_schema, progress=progress)
    tables: list[tuple[str, type[Base], int, Iterable[dict[str, Any]]]] = [
        ("products", Product, len(shop.products) + len(shop.services),
         shop.product_rows()),
        ("customers", Customer, len(shop.customers), shop.customer_rows()),
        ("preferences", Preference, -1, shop.preference_rows()),
        ("consents", ConsentRecord, -1, shop.consent_rows()),
        ("events", Event, len(shop.behaviour.events), shop.event_rows()),
        ("activity", ProductActivity, len(shop.behaviour.activity), shop.activity_rows()),
    ]
    with runtime.session() as session:
        for stage, model, total, rows in tables:
            if total < 0:
                # Generators of unknown length: materialize to report a real total.
                rows = list(rows)
                total = len(rows)
            done = 0
            if progress:
                progress(stage, 0, total)
            for chunk in _chunks(rows):
                # The Table, not the mapped class: a plain Core executemany, which skips the
                # ORM bulk path and inserts about twice as fast.
                session.execute(insert(cast(Table, model.__table__)), chunk)
                done += len(chunk)
                if progress:
                    progress(stage, done, total)
        bump(session)
        # The demo shop ships its quiz library (issue 3), published in this same transaction
        # so that a load gives a shop with both catalogue and quizzes, or neither.
        publish_library(session, schema=runtime.facet_schema)
        # Polish words for the English catalogue that no category's name gives ("chleb").
        seed_synonyms(session)
        seed_content(session, schema=runtime.facet_schema)
        seed_prompts(session, schema=runtime.facet_schema)
        seed_delivery(session)
        # The shop's campaigns, so that "Featured by the shop" shows on the storefront.
        seed_merchandising(session, schema=runtime.facet_schema)
        # Impressions and clicks of its recommendation rows, for the dashboard's statistics.
        seed_recommendation_stats(session, clicks=shop.behaviour.rec_clicks, seed=seed)
        seed_boxes(session, settings=runtime.settings, schema=runtime.facet_schema,
                   anchor=shop.anchor)
        session.flush()
        return _summary(session, loaded=True, seconds=time.perf_counter() - started)

"""The experiments' simulation shop: a small catalogue in categories and synthetic shoppers
(``prefero.experiments.simulated_shoppers``) as customers with tracking consent, their liked
category a declared like and their excluded one a "never" rule.

``temporary_runtime`` makes a throw-away SQLite shop under a folder, brought up by the real
migrations with keys of its own (nothing of the machine's own shop is read or written);
``fill_shop`` fills any migrated database (the tests fill theirs on SQLite and PostgreSQL)
through the real tables in bulk, as ``prefero.evaluation.replay_shop`` does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, insert

from prefero.catalog.models import Product
from prefero.catalog.revisions import bump
from prefero.config import Settings
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.db.base import Base
from prefero.db.migrate import upgrade
from prefero.experiments.simulated_shoppers import CATEGORIES, Shopper
from prefero.runtime import Runtime
from prefero.types import Purpose

__all__ = ["CONSENTS", "ShopKeys", "SimulatedShop", "fill_shop", "temporary_runtime"]

#: What every shopper has granted: behaviour may be linked to them (measured as a unit).
CONSENTS: tuple[Purpose, ...] = ("tracking", "personalization")
_CHUNK_ROWS = 5000


@dataclass(frozen=True)
class ShopKeys:
    """The throw-away shop's own API keys (for the runs through the HTTP API)."""

    admin: str
    read: str
    ingest: str


@dataclass(frozen=True)
class SimulatedShop:
    """A filled shop: its runtime, shoppers, products per category and prices."""

    runtime: Runtime
    shoppers: list[Shopper]
    catalogue: dict[str, list[str]]
    prices: dict[str, Decimal]


def temporary_runtime(folder: Path) -> tuple[Runtime, ShopKeys]:
    """A migrated, empty SQLite shop under ``folder`` with fresh keys and secrets.

    >>> # runtime, keys = temporary_runtime(Path(mkdtemp()))
    """
    folder.mkdir(parents=True, exist_ok=True)
    keys = ShopKeys(admin=secrets.token_hex(24), read=secrets.token_hex(24),
                    ingest=secrets.token_hex(24))
    settings = Settings(
        data_dir=folder, database_url=f"sqlite:///{(folder / 'simulation.db').resolve()}",
        artefact_store="directory", redis_url=None, admin_key=keys.admin,
        read_keys=[keys.read], ingest_keys=[keys.ingest],
        session_secret=secrets.token_hex(24), erasure_key=secrets.token_hex(24),
        token_keys=[secrets.token_hex(24)],
        # Every render of a run goes in with the run's flush; no batch waits for the clock.
        experiment_exposure_batch=5000)
    upgrade(settings.effective_database_url)
    return Runtime(settings), keys


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK_ROWS)):
        yield chunk


def fill_shop(runtime: Runtime, shoppers: Sequence[Shopper], *, created: datetime,
              products_per_category: int = 20, seed: int = 0) -> SimulatedShop:
    """Write the catalogue (``products_per_category`` in each of ``CATEGORIES``, prices
    from 20 to 400) and the shoppers, with their consents and declared preferences, all
    created at ``created`` (before the simulation's first window).

    >>> # shop = fill_shop(runtime, plant_shoppers(rng, count=6000), created=start)
    """
    schema = runtime.facet_schema
    rng = np.random.default_rng([seed, 1])
    catalogue: dict[str, list[str]] = {}
    prices: dict[str, Decimal] = {}
    products: list[dict[str, Any]] = []
    for c, category in enumerate(CATEGORIES):
        stored = schema.coerce("category", category)
        catalogue[category] = []
        for p in range(products_per_category):
            pid = f"sim-{c}-{p:03d}"
            price = Decimal(int(rng.integers(20, 401))).quantize(Decimal("0.01"))
            catalogue[category].append(pid)
            prices[pid] = price
            products.append({
                "id": pid, "title": f"{category.rsplit(' > ', 1)[-1]} {p + 1}",
                "description": "", "link": None, "image_link": None,
                "additional_image_links": [], "price": price,
                "currency": runtime.settings.shop_currency, "sale_price": None,
                "availability": "in_stock", "brand": None, "condition": None,
                "category": stored, "item_group_id": None, "active": True,
                "created_at": created, "updated_at": created,
                "facets": {"category": stored}})
    policy = runtime.settings.policy_version
    tables: list[tuple[type[Base], Iterable[dict[str, Any]]]] = [
        (Product, products),
        (Customer, ({"id": s.id, "anonymous": False, "level": None, "exploration": True,
                     "created_at": created, "updated_at": created} for s in shoppers)),
        (ConsentRecord, ({"customer_id": s.id, "purpose": purpose, "granted": True,
                          "source": "simulation", "policy_version": policy,
                          "idempotency_key": None, "recorded_at": created}
                         for s in shoppers for purpose in CONSENTS)),
        (Preference, (row for s in shoppers for row in (
            {"customer_id": s.id, "kind": "like", "facet": "category",
             "value": schema.coerce("category", s.liked), "weight": 1.0,
             "source": "declared", "created_at": created, "updated_at": created,
             "confirmed_at": created},
            {"customer_id": s.id, "kind": "never", "facet": "category",
             "value": schema.coerce("category", s.excluded), "weight": None,
             "source": "declared", "created_at": created, "updated_at": created,
             "confirmed_at": created}))),
    ]
    with runtime.session(write=True) as session:
        for model, rows in tables:
            for chunk in _chunks(rows):
                session.execute(insert(cast(Table, model.__table__)), chunk)
        bump(session)
    return SimulatedShop(runtime=runtime, shoppers=list(shoppers), catalogue=catalogue,
                         prices=prices)

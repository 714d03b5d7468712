"""Property: whatever the catalogue does and whatever customers follow, watch, like or put in
their cart, no trigger ever offers a customer a product that breaks their declared ``never``
rule or their budget."""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from trigger_shop import NOW, Recorder, follow, item, upsert

from factories import customer, events
from prefero.catalog.models import Product
from prefero.catalog.service import set_availability
from prefero.config import Settings
from prefero.messaging.scanners import Scanner
from prefero.messaging.triggers import registry
from prefero.messaging.triggers.watches import put_watch
from prefero.runtime import Runtime

BRANDS = ("Acme", "Bolt", "Cove")
CATEGORIES = ("Fashion > Shoes > Running", "Fashion > Shoes > Trail", "Home > Lamps")
PRODUCTS = [f"p{i}" for i in range(6)]

products = st.lists(st.tuples(st.sampled_from(BRANDS), st.sampled_from(CATEGORIES),
                              st.integers(10, 200), st.booleans()),
                    min_size=len(PRODUCTS), max_size=len(PRODUCTS))
people = st.lists(st.fixed_dictionaries({
    "never": st.sets(st.sampled_from(BRANDS), max_size=2),
    "budget": st.one_of(st.none(), st.integers(10, 200)),
    "follow_brands": st.sets(st.sampled_from(BRANDS), max_size=2),
    "follow_category": st.one_of(st.none(), st.sampled_from(("Fashion", "Home > Lamps"))),
    "likes": st.sets(st.sampled_from(BRANDS), max_size=2),
    "watches": st.sets(st.sampled_from(PRODUCTS), max_size=3),
    "cart": st.sets(st.sampled_from(PRODUCTS), max_size=2),
}), min_size=1, max_size=4)
# After the first import: a new price (maybe a cut), a restock, or new products.
moves = st.lists(st.tuples(st.sampled_from(PRODUCTS), st.integers(5, 200), st.booleans()),
                 max_size=6)


@pytest.fixture
def fresh(sqlite_template: Path, tmp_path: Path) -> object:
    def make() -> Runtime:
        path = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copy(sqlite_template, path)
        return Runtime(Settings(mode="demo", data_dir=tmp_path / "data",
                                database_url=f"sqlite:///{path}", default_level="balanced"))
    return make


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalogue=products, customers=people, changes=moves)
def test_no_trigger_offers_a_product_against_a_never_rule_or_the_budget(
        fresh: object, offers: Recorder,
        catalogue: list[tuple[str, str, int, bool]], customers: list[dict[str, object]],
        changes: list[tuple[str, int, bool]]) -> None:
    offers.clear()
    runtime: Runtime = fresh()  # type: ignore[operator]
    try:
        upsert(runtime, *(item(pid, brand=brand, category=category, price=f"{price}.00",
                               availability="in_stock" if stocked else "out_of_stock")
                          for pid, (brand, category, price, stocked)
                          in zip(PRODUCTS[:4], catalogue, strict=False)))
        rules: dict[str, tuple[set[str], int | None]] = {}
        with runtime.session() as session:
            for n, who in enumerate(customers):
                cid = f"c{n}"
                never = set(who["never"])  # type: ignore[call-overload]
                budget = who["budget"]
                rules[cid] = (never, budget)  # type: ignore[assignment]
                customer(session, cid,
                         never=[("brand", b.casefold()) for b in never],
                         likes=[("brand", b.casefold(), 0.9)
                                for b in who["likes"]],  # type: ignore[attr-defined]
                         budget_max=budget)  # type: ignore[arg-type]
                for pid in who["watches"]:  # type: ignore[attr-defined]
                    if pid in PRODUCTS[:4]:
                        put_watch(session, customer_id=cid, product_id=pid, what="both",
                                  now=NOW)
                for pid in who["cart"]:  # type: ignore[attr-defined]
                    if pid in PRODUCTS[:4]:
                        events(session, cid, [("add_to_cart", pid)], at=NOW - timedelta(hours=6))
        for n, who in enumerate(customers):
            for brand in who["follow_brands"]:  # type: ignore[attr-defined]
                follow(runtime, f"c{n}", "brand", brand)
            if who["follow_category"]:
                follow(runtime, f"c{n}", "category", str(who["follow_category"]))
        for pid, price, restock in changes:
            with runtime.session() as session:
                existing = session.get(Product, pid)
            if existing is None:
                upsert(runtime, item(pid, brand=BRANDS[price % 3], price=f"{price}.00"))
            elif restock:
                with runtime.session() as session:
                    set_availability(session, pid, availability="in_stock")
            else:
                upsert(runtime, item(pid, brand=existing.brand, category=existing.category,
                                     price=f"{existing.price}",
                                     sale_price=f"{min(Decimal(price), existing.price)}",
                                     availability=existing.availability))
        scanners: dict[str, Scanner] = registry.catalogue_and_cart()
        for scan in scanners.values():
            with runtime.session() as session:
                scan(session, NOW, runtime.settings)
        with runtime.session() as session:
            current = {p.id: p for p in session.scalars(select(Product))}
        for offered in offers.offers:
            never, budget = rules[offered.customer_id]
            for pid in offered.product_ids:
                product = current[pid]
                assert (product.brand or "") not in never, (offered, product.brand)
                assert budget is None or product.effective_price <= budget, offered
                assert product.availability != "out_of_stock", offered
    finally:
        runtime.close()

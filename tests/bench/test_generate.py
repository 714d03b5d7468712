"""``prefero bench generate``: a generated shop of the requested size, whole (every reference
resolves), the same for the same seed, and one the live service trains on and recommends
from. PostgreSQL only (the load is COPY); each test gets its own scratch database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from prefero.bench.generate import generate_shop
from prefero.bench.pipeline import bench_pipeline, database_runtime
from prefero.catalog.facets import load_facet_schema
from prefero.cli.app import app
from prefero.db.migrate import upgrade
from prefero.recommend.artefacts import load_current
from prefero.recommend.query import RecommendationQuery

POSTGRES_URL = os.environ.get("PREFERO_TEST_POSTGRES_URL")
ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)
SMALL: dict[str, Any] = {"products": 400, "customers": 300, "events": 4000, "seed": 11,
                         "anchor": ANCHOR}


@pytest.fixture
def scratch() -> Iterator[Any]:
    """Makes empty PostgreSQL databases for one test and drops them afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PREFERO_TEST_POSTGRES_URL is not set")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new() -> str:
        name = f"prefero_gen_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    try:
        yield new
    finally:
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows(url: str, sql: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def _one(url: str, sql: str) -> Any:
    return _rows(url, sql)[0][0]


def test_the_shop_has_the_requested_size_and_every_reference_resolves(scratch: Any) -> None:
    url = scratch()
    summary = generate_shop(url, **SMALL)
    assert (summary.products, summary.customers, summary.events) == (400, 300, 4000)
    for table, count in (("products", 400), ("customers", 300), ("events", 4000),
                         ("consent_records", summary.consents),
                         ("preferences", summary.preferences),
                         ("product_activity", summary.activity)):
        assert _one(url, f"SELECT count(*) FROM {table}") == count
    assert summary.database_bytes > 0 and summary.preferences > 0
    orphans = {
        "event product": "SELECT count(*) FROM events e LEFT JOIN products p "
                         "ON p.id = e.product_id WHERE p.id IS NULL",
        "event customer": "SELECT count(*) FROM events e LEFT JOIN customers c "
                          "ON c.id = e.customer_id WHERE c.id IS NULL",
        "counter product": "SELECT count(*) FROM product_activity a LEFT JOIN products p "
                           "ON p.id = a.product_id WHERE p.id IS NULL",
        "preference customer": "SELECT count(*) FROM preferences f LEFT JOIN customers c "
                               "ON c.id = f.customer_id WHERE c.id IS NULL",
        # Linked events belong to customers whose first tracking answer was a grant.
        "unconsented event": "SELECT count(*) FROM events e WHERE NOT (SELECT granted FROM "
                             "consent_records r WHERE r.customer_id = e.customer_id AND "
                             "r.purpose = 'tracking' ORDER BY r.id LIMIT 1)",
        "event before its product arrived": "SELECT count(*) FROM events e JOIN products p "
                                            "ON p.id = e.product_id "
                                            "WHERE e.occurred_at < p.created_at",
        "purchase without a price": "SELECT count(*) FROM events "
                                    "WHERE type = 'purchase' AND price IS NULL",
    }
    for name, sql in orphans.items():
        assert _one(url, sql) == 0, name
    # Every event counts in the anonymous counters (the unconsented ones only there).
    assert _one(url, "SELECT sum(count) FROM product_activity") > 4000
    first, last = _rows(url, "SELECT min(occurred_at), max(occurred_at) FROM events")[0]
    assert ANCHOR - timedelta(days=181) <= first and last < ANCHOR
    kinds = dict(_rows(url, "SELECT type, count(*) FROM events GROUP BY type"))
    assert kinds["view"] > kinds["add_to_cart"] > kinds["purchase"] > 0
    assert _one(url, "SELECT count(DISTINCT customer_id) FROM events") > 150


def test_the_load_leaves_what_the_live_service_expects(scratch: Any) -> None:
    fresh, url = scratch(), scratch()
    upgrade(fresh)
    generate_shop(url, **SMALL)
    indexes = ("SELECT indexdef FROM pg_indexes WHERE tablename IN "
               "('events', 'consent_records') ORDER BY indexname")
    assert _rows(url, indexes) == _rows(fresh, indexes)  # dropped for the load, built again
    foreign = ("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND "
               "conrelid IN ('events'::regclass, 'consent_records'::regclass) ORDER BY 1")
    assert _rows(url, foreign) == _rows(fresh, foreign)
    assert _rows(url, "SELECT DISTINCT tgenabled FROM pg_trigger "
                      "WHERE tgname LIKE '%profile_revision'") == [("O",)]
    assert _one(url, "SELECT value FROM revisions WHERE name = 'catalog'") == 1
    assert _one(url, "SELECT count(DISTINCT profile_revision) FROM customers "
                     "WHERE profile_revision > 0") == 1
    assert _one(url, "SELECT nextval(pg_get_serial_sequence('events', 'id'))") == 4001
    schema = load_facet_schema()
    for (facets,) in _rows(url, "SELECT facets FROM products ORDER BY id LIMIT 200"):
        assert {name: schema.coerce(name, value) for name, value in facets.items()} == facets


def _dump(url: str) -> dict[str, list[Any]]:
    queries = {
        "products": "SELECT * FROM products ORDER BY id",
        "customers": "SELECT id, level, budget_max, created_at FROM customers ORDER BY id",
        "consent_records": "SELECT * FROM consent_records ORDER BY id",
        "preferences": "SELECT * FROM preferences ORDER BY id",
        "events": "SELECT * FROM events ORDER BY id",
        "product_activity": "SELECT * FROM product_activity ORDER BY product_id, day, type",
    }
    return {table: _rows(url, sql) for table, sql in queries.items()}


def test_the_same_seed_gives_the_same_shop(scratch: Any) -> None:
    first, second, other = scratch(), scratch(), scratch()
    for url, seed in ((first, 11), (second, 11), (other, 12)):
        generate_shop(url, **{**SMALL, "seed": seed})
    assert _dump(first) == _dump(second)
    assert _dump(first)["events"] != _dump(other)["events"]


def test_the_live_service_trains_and_recommends_from_it(scratch: Any, tmp_path: Path) -> None:
    url = scratch()
    generate_shop(url, **SMALL)
    # What `prefero bench pipeline --database-url` does: train once, then serve.
    runtime = database_runtime(url, tmp_path)
    try:
        busy = _one(url, "SELECT customer_id FROM events GROUP BY customer_id "
                         "ORDER BY count(*) DESC, customer_id LIMIT 1")
        product = _one(url, "SELECT product_id FROM events GROUP BY product_id "
                            "ORDER BY count(*) DESC, product_id LIMIT 1")
        with runtime.session() as session:
            home = runtime.recommender.recommend(
                session, RecommendationQuery(customer_id=busy, placement="home", n=10))
            page = runtime.recommender.recommend(
                session, RecommendationQuery(customer_id=busy, placement="product", n=10,
                                             product_id=product))
        assert len(home.items) == 10 and len(page.items) == 10
        artefacts = load_current(runtime.settings.artefact_dir)
        assert artefacts is not None
        stats = artefacts.manifest["stats"]
        assert stats["purchase_baskets"] > 0 and stats["model_sequences"] > 150
        assert bench_pipeline(runtime, requests=30, warmup=3)["count"] == 30
    finally:
        runtime.close()


def test_sqlite_and_a_database_with_data_are_refused(scratch: Any, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        generate_shop(f"sqlite:///{tmp_path / 'shop.db'}", products=10, customers=10, events=10)
    url = scratch()
    generate_shop(url, products=20, customers=10, events=50, seed=1, anchor=ANCHOR)
    with pytest.raises(ValueError, match="already holds data"):
        generate_shop(url, products=20, customers=10, events=50, seed=1, anchor=ANCHOR)


def test_the_command_prints_the_figures(scratch: Any) -> None:
    url = scratch()
    result = CliRunner().invoke(app, [
        "bench", "generate", "--database-url", url, "--products", "30", "--customers", "20",
        "--events", "200", "--anchor", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "database on disk" in result.output and "200" in result.output
    assert _one(url, "SELECT count(*) FROM events") == 200

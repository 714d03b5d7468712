"""Fixtures shared by the whole suite: a migrated database per test on SQLite and, when
PREFERO_TEST_POSTGRES_URL is set, on PostgreSQL; a runtime and an API client on top."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY, TOKEN_KEY
from emptying import empty_postgres
from postgres_shop import scratch_database
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime

POSTGRES_URL = os.environ.get("PREFERO_TEST_POSTGRES_URL")
# CI checks this file to prove that the PostgreSQL half of the suite really ran.
POSTGRES_REPORT = os.environ.get("PREFERO_TEST_POSTGRES_REPORT")



@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away database on the server, migrated once per test process."""
    if not POSTGRES_URL:
        pytest.skip("PREFERO_TEST_POSTGRES_URL is not set")
    with scratch_database("prefero_test") as url:
        upgrade(url)
        yield url


@cache
def _engine(url: str) -> Engine:
    """One engine a database for the emptying between tests (a connection kept, not made
    anew for each test)."""
    return create_engine(url)


def _truncate_postgres(url: str) -> None:
    with _engine(url).begin() as connection:
        empty_postgres(connection)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for one test; every test that takes it runs on both."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "prefero.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    if POSTGRES_REPORT:
        with open(POSTGRES_REPORT, "a", encoding="utf-8") as report:
            report.write(request.node.nodeid + "\n")
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Demo mode: the web tests sign in as personas (/login exists only there), and the
    # built-in session secret and token key are allowed. Production mode has its own tests.
    return Settings(
        mode="demo",
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_key=ADMIN_KEY,
        ingest_keys=[INGEST_KEY],
        read_keys=[READ_KEY],
        token_issuer_keys=[TOKEN_KEY],
        default_level="balanced",
        # The limiter stays on (every test request passes through it), but the suite sends
        # wrong keys on purpose far more often than 20 a minute from one test client;
        # tests/api/test_rate_limit.py tests the real default.
        rate_limit_failed_auth="100000/minute",
        # A search is counted as it is answered (tests/search/test_popular.py tests the
        # batches).
        popular_search_batch=1,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """One small trained demo shop (400 products, 300 customers) for tests that need the
    whole request path with real models: the live measures' floors (``prefero bench live``
    on the full demo gives the recorded figures) and the fast path's equivalence checks."""
    path: Path = tmp_path_factory.mktemp("live")
    runtime = Runtime(Settings(data_dir=path / "shop"))
    load_demo(runtime, products=400, customers=300)
    train(runtime)
    runtime.recommender.refresh()
    return runtime

"""A scratch PostgreSQL database holding a small trained demo shop, for the tests that
start the deployment (nginx, several API processes) against it, and the skips they share.

Its own database, not the suite's ``postgres_database``: the processes under test keep
connections open across what would otherwise be another test's TRUNCATE."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from prefero.config import Settings
from prefero.demo import load_demo
from prefero.deploy.nginx import find_nginx
from prefero.recommend.training import train
from prefero.runtime import Runtime

POSTGRES_URL = os.environ.get("PREFERO_TEST_POSTGRES_URL")
# A database number no other test uses (tests/api/test_rate_limit.py uses 0), so that the
# rate-limit counters of these tests and theirs never meet.
REDIS_URL = "redis://127.0.0.1:6379/11"


def skip_without_deployment_services() -> None:
    """Skip unless PostgreSQL (PREFERO_TEST_POSTGRES_URL), nginx and Redis are there."""
    if not POSTGRES_URL:
        pytest.skip("PREFERO_TEST_POSTGRES_URL is not set")
    try:
        find_nginx()
    except FileNotFoundError:
        pytest.skip("nginx is not installed (make test installs nginx-light)")
    require_redis(REDIS_URL)


def require_redis(url: str) -> None:
    """Skip unless Redis answers at ``url``."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {url}")


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on the PREFERO_TEST_POSTGRES_URL server, dropped on
    exit even while processes still hold connections to it."""
    assert POSTGRES_URL is not None
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_shop(data_dir: Path, *, products: int = 300, customers: int = 150
                  ) -> Iterator[str]:
    """The URL of a fresh database with a trained demo shop (artefacts in ``data_dir``)."""
    with scratch_database("prefero_deploy") as url:
        runtime = Runtime(Settings(data_dir=data_dir, database_url=url))
        try:
            load_demo(runtime, products=products, customers=customers)
            train(runtime)
        finally:
            runtime.close()
        yield url

"""Before any API process starts: check what a multi-process deployment needs, then
migrate the database once.

Run as ``python -m prefero.deploy.prepare`` in exactly the environment the API processes
will get, so it judges the settings they will read (``deploy/up`` never parses them
itself). It prints one JSON line with the settings nginx must agree with (the body limits)
and exits 0, or names every problem on stderr and exits 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import redis
from pydantic import ValidationError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.recommend.artefacts import current_version

__all__ = ["main", "nginx_settings", "problems", "warnings"]

_CONNECT_TIMEOUT_S = 3


def _postgres_problem(url: str) -> str | None:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return "PREFERO_DATABASE_URL is not a database URL"
    if backend != "postgresql":
        # Several processes (and hosts) share one system of record; an SQLite file is one
        # machine's and takes one writer at a time.
        return ("PREFERO_DATABASE_URL must name a PostgreSQL database "
                "(postgresql+psycopg://user@host/db), every API process shares it")
    engine = create_engine(url, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S},
                           pool_pre_ping=False)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        # The driver's own first line ("connection refused", "database ... does not
        # exist") says more than SQLAlchemy's wrapper around it.
        cause = exc.__cause__ or exc
        first = str(cause).strip().splitlines()[:1] or [type(cause).__name__]
        return f"PostgreSQL does not answer at {url.split('@')[-1]}: {first[0]}"
    finally:
        engine.dispose()
    return None


def _redis_problem(url: str | None) -> str | None:
    if not url:
        # Per-process counters would let a client through N times its limit, one share per
        # process nginx spreads it over.
        return "PREFERO_REDIS_URL is unset: the processes must share their rate limits"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=_CONNECT_TIMEOUT_S,
                                      socket_timeout=_CONNECT_TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        return f"Redis does not answer at {url.split('@')[-1]}: {exc}"
    return None


def problems(settings: Settings) -> list[str]:
    """Everything that must be fixed before the API processes start, each as one sentence
    naming the variable to change (never a secret's value).

    >>> problems(Settings(mode="demo", database_url="sqlite:///x.db", redis_url=None))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['PREFERO_MODE is demo: a deployment runs in production mode',
     'PREFERO_DATABASE_URL must name a PostgreSQL database (postgresql+psycopg://user@host/db),
      every API process shares it',
     'PREFERO_REDIS_URL is unset: the processes must share their rate limits']
    """
    found = []
    if settings.mode != "production":
        found.append(f"PREFERO_MODE is {settings.mode}: a deployment runs in production mode")
    elif unsafe := settings.unsafe_secrets():
        found.append(f"{', '.join(unsafe)}: set your own key or secret (at least 32 "
                     "characters, not a built-in value), e.g. from `python -c 'import "
                     "secrets; print(secrets.token_urlsafe(32))'`")
    if not settings.database_url:
        found.append("PREFERO_DATABASE_URL is unset: a deployment needs PostgreSQL")
    elif (database := _postgres_problem(settings.database_url)) is not None:
        found.append(database)
    if (cache := _redis_problem(settings.redis_url)) is not None:
        found.append(cache)
    return found


def warnings(settings: Settings) -> list[str]:
    """What lets the processes start but is probably not meant. (With
    ``PREFERO_ARTEFACT_STORE=database`` the processes fetch artefacts from the database,
    so an empty local folder says nothing.)"""
    if settings.artefact_store == "directory" and current_version(settings.artefact_dir) is None:
        return [f"no trained artefacts in {settings.artefact_dir.resolve()}: the processes "
                "serve popular and editorial results only until `prefero train` runs "
                "(with the same PREFERO_DATA_DIR)"]
    return []


def nginx_settings(settings: Settings) -> dict[str, Any]:
    """The settings nginx's configuration follows.

    >>> nginx_settings(Settings(max_body_bytes=2048))["max_body_bytes"]
    2048
    """
    return {"max_body_bytes": settings.max_body_bytes,
            "max_events_body_bytes": settings.max_events_body_bytes,
            "max_import_body_bytes": settings.max_import_body_bytes}


def main(*, migrate: bool = True) -> int:
    """Check, migrate, print the JSON line; the exit status."""
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"the settings do not load:\n{exc}", file=sys.stderr)
        return 2
    if found := problems(settings):
        for problem in found:
            print(f"- {problem}", file=sys.stderr)
        return 2
    for warning in warnings(settings):
        print(f"warning: {warning}", file=sys.stderr)
    if migrate:
        assert settings.database_url is not None  # problems() refused it otherwise
        upgrade(settings.database_url)
    print(json.dumps(nginx_settings(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main(migrate="--no-migrate" not in sys.argv[1:]))

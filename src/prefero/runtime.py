"""The long-lived collaborators of one process: settings, engine, session factory, facet
schema and the recommendation engine. Built once by the API, the CLI and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.config import Settings
from prefero.currency import CurrencyConverter
from prefero.db.session import (
    WRITE,
    create_db_engine,
    is_sqlite_busy,
    make_session_factory,
    released_actions,
    session_scope,
)
from prefero.errors import Overloaded

if TYPE_CHECKING:
    from prefero.configurators.definition import ConfiguratorSet
    from prefero.experiments.running import Book
    from prefero.recommend.engine import RecommendationEngine

__all__ = ["Runtime"]


@dataclass
class Runtime:
    settings: Settings
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    write_sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        settings = self.settings
        # One connection for every request a worker serves at once, plus a few for readiness
        # probes and start-up: a request never waits for a connection another one holds.
        self.engine = create_db_engine(
            settings.effective_database_url, pool_size=settings.max_in_flight + 4,
            pool_timeout=settings.db_wait_seconds,
            busy_timeout_ms=int(settings.db_wait_seconds * 1000))
        self.sessions = make_session_factory(self.engine)
        self.write_sessions = make_session_factory(self.engine.execution_options(**{WRITE: True}))
        self._sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time. Threads of this process queue here (a blocking
        # wait) rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms
        # and serves no one in order; only one writer per process then meets the others.
        self._writer = threading.Lock()

    @cached_property
    def facet_schema(self) -> FacetSchema:
        return load_facet_schema(self.settings.facet_schema)

    @cached_property
    def configurators(self) -> ConfiguratorSet:
        """The shop's configurable products, read and checked once (``InvalidInput`` with
        the paths at fault for a broken file: the API refuses to start)."""
        from prefero.configurators.loader import load_configurators_file

        return load_configurators_file(self.settings.configurators_file,
                                       currency=self.settings.shop_currency)

    @property
    def shop_currency(self) -> str:
        """The ISO 4217 code every stored price and budget is in (``PREFERO_SHOP_CURRENCY``),
        for formatting prices and labelling answers."""
        return self.settings.shop_currency

    @cached_property
    def currency_converter(self) -> CurrencyConverter:
        """Brings prices in other currencies into the shop's (rates read once per process)."""
        return CurrencyConverter.from_settings(self.settings)

    @cached_property
    def recommender(self) -> RecommendationEngine:
        from prefero.recommend.engine import RecommendationEngine
        from prefero.search.prepare import prepare_search

        # Search's tables of a catalogue are built with its snapshot, before any shopper
        # reads it (the recommendation engine knows nothing of search).
        return RecommendationEngine(runtime=self, on_new_catalogue=(prepare_search,))

    @cached_property
    def experiments(self) -> Book:
        """The experiments running now, as this process holds them."""
        from prefero.experiments.running import Book

        return Book()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work (commit on success). ``write=True`` declares that it will write:
        on SQLite it then waits its turn for the write lock up front (BEGIN IMMEDIATE).

        Waiting longer than ``db_wait_seconds`` for a connection or for the write lock
        raises ``Overloaded`` (503 + Retry-After) instead of queueing without bound.
        """
        serialise = write and self._sqlite
        if serialise and not self._writer.acquire(timeout=self.settings.db_wait_seconds):
            raise Overloaded("the database is busy with other writes; retry shortly")
        try:
            with session_scope(self.write_sessions if write else self.sessions) as session:
                yield session
            follow_ups = released_actions(session)
        except PoolTimeout as exc:
            raise Overloaded("no database connection is free; retry shortly") from exc
        except OperationalError as exc:
            if is_sqlite_busy(exc):
                raise Overloaded("the database is busy with other writes; retry shortly"
                                 ) from exc
            raise
        finally:
            if serialise:
                self._writer.release()
        # Committed, and the writer lock is free again: see db.session.after_release.
        for action in follow_ups:
            action()

    def close(self) -> None:
        self.engine.dispose()

"""The long-lived collaborators of one process: settings, engine, session factory, facet
schema and the recommendation engine. Built once by the API, the CLI and benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.config import Settings
from prefero.db.session import create_db_engine, make_session_factory, session_scope

if TYPE_CHECKING:
    from prefero.recommend.engine import RecommendationEngine

__all__ = ["Runtime"]


@dataclass
class Runtime:
    settings: Settings
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_db_engine(self.settings.effective_database_url)
        self.sessions = make_session_factory(self.engine)

    @cached_property
    def facet_schema(self) -> FacetSchema:
        return load_facet_schema(self.settings.facet_schema)

    @cached_property
    def recommender(self) -> RecommendationEngine:
        from prefero.recommend.engine import RecommendationEngine

        return RecommendationEngine(runtime=self)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

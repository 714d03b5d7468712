"""Alembic environment: uses Prefero's engine factory so SQLite gets the same pragmas."""

from __future__ import annotations

from alembic import context

from prefero.db.models import Base
from prefero.db.session import create_db_engine

config = context.config
target_metadata = Base.metadata


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
          ) -> bool:
    """Autogenerate must not touch the full-text index, which the migrations manage by hand
    (FTS5 shadow tables on SQLite, a generated tsvector column on PostgreSQL)."""
    if type_ == "table" and name is not None and name.startswith("product_search"):
        return False
    return not (type_ == "column" and name == "search_vector")


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()

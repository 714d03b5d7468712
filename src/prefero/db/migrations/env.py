"""Alembic environment: uses Prefero's engine factory so SQLite gets the same pragmas."""

from __future__ import annotations

from alembic import context

from prefero.db.autogen import include_object
from prefero.db.models import Base
from prefero.db.session import create_db_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()

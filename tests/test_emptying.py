"""The suite's emptying between PostgreSQL tests (tests/emptying.py) leaves no row and no
moved counter behind: each test starts from the database a fresh migration gives."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from emptying import empty_postgres
from prefero.audit.models import AuditEntry
from prefero.customers.models import ConsentRecord, Customer
from prefero.db.models import Base


def test_every_row_and_every_counter_is_reset(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the emptying by TRUNCATE is PostgreSQL's (SQLite copies a template)")
    engine = create_engine(database_url)
    consent = {"customer_id": "c1", "purpose": "tracking", "granted": True,
               "source": "api", "policy_version": "1"}
    with engine.begin() as connection:
        connection.execute(Customer.__table__.insert(), {"id": "c1"})
        connection.execute(ConsentRecord.__table__.insert(), [consent, consent])
    entry = {"actor": "admin", "action": "create", "target_kind": "customer", "target": "c1"}
    with engine.connect() as connection:  # a counter moved by a write that was undone
        connection.execute(AuditEntry.__table__.insert(), entry)
        connection.rollback()
    with engine.begin() as connection:
        empty_postgres(connection)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            assert connection.scalar(select(func.count()).select_from(table)) == 0, table.name
        connection.execute(Customer.__table__.insert(), {"id": "c1"})
        connection.execute(ConsentRecord.__table__.insert(), consent)
        connection.execute(AuditEntry.__table__.insert(), entry)
        assert connection.scalar(select(ConsentRecord.id)) == 1
        assert connection.scalar(select(AuditEntry.id)) == 1
        assert connection.scalar(text("SELECT count(*) FROM pg_sequences "
                                      "WHERE last_value > 1")) == 0
    engine.dispose()

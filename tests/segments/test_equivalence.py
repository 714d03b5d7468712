"""The three readings of a condition agree: the naive one (tests/segment_population.py), the
in-memory evaluator and the SQL compiler, on SQLite and PostgreSQL, for random condition
trees over random small populations; and the compiled count is the number of members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from prefero.segments.compile import count_query, members_query
from prefero.segments.conditions import parse_condition
from prefero.segments.evaluate import evaluate
from prefero.segments.facts import load_facts
from segment_population import DEFAULTS, NOW, Person, conditions, naive, people, write


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=people(), raw=conditions())
def test_naive_in_memory_and_sql_agree(engine: Engine, population: list[Person],
                                       raw: dict[str, Any]) -> None:
    condition = parse_condition(raw)
    expected = {p.id for p in population if naive(raw, p)}
    with Session(engine) as session:
        # Never committed: each example starts from the empty database.
        write(session, population)
        facts = load_facts(session, [p.id for p in population],
                           events_since=NOW.replace(year=2024), now=NOW)
        in_memory = {cid for cid, f in facts.items()
                     if evaluate(condition, f, now=NOW, defaults=DEFAULTS)}
        dialect = engine.dialect.name
        compiled = set(session.scalars(members_query(condition, now=NOW, defaults=DEFAULTS,
                                                     dialect=dialect)))
        count = session.scalar(count_query(condition, now=NOW, defaults=DEFAULTS,
                                           dialect=dialect))
        session.rollback()
    event("some but not all meet it" if 0 < len(expected) < len(population) else "all or none")
    assert in_memory == expected
    assert compiled == expected
    assert count == len(expected)

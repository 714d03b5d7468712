"""The SQL compiler on a real database: a segment's count equals a direct SQL count written
by hand, the newest consent row wins over older ones and over the default, and quiz answers
are read from the latest stored session's JSON (SQLite's json_each, PostgreSQL's jsonb
containment). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, create_engine, text
from sqlalchemy.orm import Session

from prefero.db.base import UtcDateTime
from prefero.segments.compile import members_query
from prefero.segments.conditions import parse_condition
from prefero.segments.service import count_members
from segment_population import DEFAULTS, NOW, Person, write

THREE = {"type": "and", "conditions": [
    {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
    {"type": "consent", "purpose": "marketing_email", "granted": True},
    {"type": "behaviour", "event": "purchase", "min": 1, "days": 90}]}

# The same three conditions, by hand.
DIRECT = text("""
SELECT count(*) FROM customers c
WHERE EXISTS (SELECT 1 FROM preferences p WHERE p.customer_id = c.id AND p.kind = 'like'
              AND p.facet = 'diet' AND p.value = 'vegan' AND p.weight > 0)
  AND (SELECT r.granted FROM consent_records r WHERE r.customer_id = c.id
       AND r.purpose = 'marketing_email' ORDER BY r.id DESC LIMIT 1) = :yes
  AND (SELECT r.granted FROM consent_records r WHERE r.customer_id = c.id
       AND r.purpose = 'tracking' ORDER BY r.id DESC LIMIT 1) = :yes
  AND EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.type = 'purchase'
              AND e.occurred_at > :since AND e.occurred_at <= :now)
""").bindparams(bindparam("since", type_=UtcDateTime()), bindparam("now", type_=UtcDateTime()))


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine: Engine = create_engine(database_url)
    with Session(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


def members(session: Session, raw: dict[str, Any]) -> set[str]:
    return set(session.scalars(members_query(parse_condition(raw), now=NOW, defaults=DEFAULTS,
                                             dialect=session.get_bind().dialect.name)))


def test_the_count_equals_a_direct_sql_count(session: Session) -> None:
    population = []
    for n in range(40):
        person = Person(id=f"c{n:02}")
        if n % 2:
            person.preferences.append(("like", "diet", "vegan", 1.0 if n % 3 else -1.0))
        person.consents = [("tracking", n % 5 != 0), ("marketing_email", n % 7 != 0)]
        if n % 4 == 1:
            person.consents.append(("marketing_email", False))
        person.events = [("purchase", float(n * 3), None, None)]
        population.append(person)
    write(session, population)
    direct = session.scalar(DIRECT, {"yes": True, "since": NOW - timedelta(days=90),
                                     "now": NOW})
    counted = count_members(session, condition=parse_condition(THREE), now=NOW)
    assert counted == direct
    assert 0 < counted < 20


def test_the_newest_consent_row_wins(session: Session) -> None:
    write(session, [Person("granted-then-withdrawn",
                           consents=[("marketing_email", True), ("marketing_email", False)]),
                    Person("withdrawn-then-granted",
                           consents=[("marketing_email", False), ("marketing_email", True)]),
                    Person("never-answered")])
    email = {"type": "consent", "purpose": "marketing_email", "granted": True}
    personal = {"type": "consent", "purpose": "personalization", "granted": False}
    assert members(session, email) == {"withdrawn-then-granted"}
    assert members(session, {"type": "not", "condition": email}) == {
        "granted-then-withdrawn", "never-answered"}
    assert members(session, personal) == set()  # the default grants personalization


def test_quiz_answers_of_the_latest_stored_session(session: Session) -> None:
    write(session, [
        Person("retook", quizzes=[("s-old", True, 5.0, {"diet": ["meat"]}),
                                  ("s-new", True, 1.0, {"diet": ["vegan", "gluten-free"]})]),
        Person("unstored", quizzes=[("s-u", False, 1.0, {"diet": ["vegan"]})]),
        Person("changed-mind", quizzes=[("s-a", True, 5.0, {"diet": ["vegan"]}),
                                        ("s-b", True, 1.0, {"diet": ["meat"]})])])
    answer = {"type": "quiz_answer", "quiz_id": "q1", "question": "diet"}
    assert members(session, {**answer, "option": "vegan"}) == {"retook"}
    assert members(session, {**answer, "option": "gluten-free"}) == {"retook"}
    assert members(session, {**answer, "option": "meat"}) == {"changed-mind"}
    assert members(session, {**answer, "question": "budget", "option": "vegan"}) == set()

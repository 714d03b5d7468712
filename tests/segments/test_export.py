"""Exports hold only known customers who consent to the channel at export time, one id and
the channel per line, in CSV or JSON Lines; a withdrawal drops the customer from the next
export. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from prefero.customers.models import ConsentRecord
from prefero.segments.conditions import parse_condition
from prefero.segments.export import Channel, ExportFormat, export_lines, spreadsheet_safe
from segment_population import DEFAULTS, NOW, Person, write

VEGAN = parse_condition({"type": "declared", "kind": "must", "facet": "diet",
                         "value": "vegan"})


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_engine(database_url)
    with Session(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


def exported(session: Session, channel: Channel = "marketing_email",
             output: ExportFormat = "csv") -> str:
    return "".join(export_lines(session, VEGAN, channel=channel, output=output, now=NOW,
                                defaults=DEFAULTS))


def test_only_consenting_known_members_are_exported(session: Session) -> None:
    vegan = [("must", "diet", "vegan", None)]
    write(session, [
        Person("a,1", preferences=vegan, consents=[("marketing_email", True)]),
        Person("b", preferences=vegan, consents=[("marketing_push", True)]),
        Person("c", preferences=vegan),
        Person("anon-d", anonymous=True, preferences=vegan,
               consents=[("marketing_email", True)]),
        Person("e", consents=[("marketing_email", True)]),
        Person("f", preferences=vegan, consents=[("marketing_email", True),
                                                  ("marketing_push", True)]),
    ])
    rows = list(csv.reader(io.StringIO(exported(session))))
    assert rows == [["customer_id", "channel"], ["a,1", "marketing_email"],
                    ["f", "marketing_email"]]
    lines = [json.loads(line) for line in exported(session, "marketing_push", "jsonl")
             .splitlines()]
    assert lines == [{"customer_id": "b", "channel": "marketing_push"},
                     {"customer_id": "f", "channel": "marketing_push"}]
    session.add(ConsentRecord(customer_id="f", purpose="marketing_email", granted=False,
                              policy_version="test"))
    session.flush()
    assert exported(session) == 'customer_id,channel\n"a,1",marketing_email\n'


# Ids a spreadsheet would run as formulas, and two it must leave alone.
FORMULAS = ["=1+1", "+49123", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"]


def test_a_csv_cell_a_spreadsheet_would_run_starts_with_a_quote(session: Session) -> None:
    vegan: list[tuple[str, str, str, float | None]] = [("must", "diet", "vegan", None)]
    ids = [*FORMULAS, "c-1", "plain"]
    write(session, [Person(cid, preferences=vegan, consents=[("marketing_email", True)])
                    for cid in ids])
    # newline="": a quoted cell may hold a carriage return, as the csv module reads it.
    rows = list(csv.reader(io.StringIO(exported(session), newline="")))
    cells = {row[0] for row in rows[1:]}
    assert cells == {"'=1+1", "'+49123", "'-2+3", "'@SUM(A1)", "'\t=cmd", "'\r=cmd",
                     "c-1", "plain"}
    assert all(row[1] == "marketing_email" for row in rows[1:])
    # JSON Lines are for programs: every id exactly as stored.
    lines = [json.loads(line) for line in exported(session, output="jsonl").splitlines()]
    assert {line["customer_id"] for line in lines} == set(ids)


@given(st.text(min_size=1, max_size=30))
def test_no_csv_cell_starts_a_formula_and_the_quote_is_all_that_is_added(cell: str) -> None:
    safe = spreadsheet_safe(cell)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe == cell or safe == "'" + cell
    assert (safe != cell) == cell.startswith(("=", "+", "-", "@", "\t", "\r"))

"""Exporting a segment for a marketing channel: the members who consent to that channel now,
streamed as CSV or JSON Lines.

Each line holds the customer id and the channel, nothing else personal: a mailing tool
matches the id against its own list. The condition and the consent are both read at export
time (the compiled query, not the stored membership), so a withdrawal is honoured by the
next export. Anonymous visitors are left out: their ids reach nobody.

A CSV file is opened in spreadsheets, which run a cell that starts with ``=``, ``+``, ``-``
or ``@`` (or a tab or carriage return before one) as a formula. Customer ids come from the
shop's own systems and may start with anything, so a CSV cell that starts with one of these
is written with a single quote before it (OWASP's advice on CSV injection); JSON Lines are
read by programs and carry every id exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from prefero.customers.models import Customer
from prefero.segments.compile import compile_condition
from prefero.segments.conditions import Condition, ConsentCondition

__all__ = ["CHANNELS", "FORMATS", "Channel", "ExportFormat", "export_lines", "export_query",
           "spreadsheet_safe"]

Channel = Literal["marketing_email", "marketing_push"]
ExportFormat = Literal["csv", "jsonl"]
CHANNELS: tuple[Channel, ...] = ("marketing_email", "marketing_push")
FORMATS: dict[str, str] = {"csv": "text/csv; charset=utf-8",
                           "jsonl": "application/jsonl; charset=utf-8"}
# Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
_FETCH = 2000


def export_query(condition: Condition, *, channel: Channel, now: datetime,
                 defaults: Mapping[str, bool], dialect: str) -> Select[str]:
    """The ids to export, in id order: known customers meeting ``condition`` who consent
    to ``channel`` now. A household profile's row is not a contact of its own (messages for
    it go to the account holder), so it is never exported."""
    consented = ConsentCondition(type="consent", purpose=channel, granted=True)
    return (select(Customer.id)
            .where(and_(Customer.anonymous.is_(False),
                        Customer.household_owner_id.is_(None),
                        compile_condition(consented, now=now, defaults=defaults,
                                          dialect=dialect),
                        compile_condition(condition, now=now, defaults=defaults,
                                          dialect=dialect)))
            .order_by(Customer.id))


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as a spreadsheet shows it without running it: a single quote before a cell
    that would start a formula, every other cell unchanged.

    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("c-1")
    ("'=1+1", "'@SUM(A1)", 'c-1')
    """
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def _csv_line(*values: str) -> str:
    cells = [spreadsheet_safe(v) for v in values]
    buffer = io.StringIO()
    # The writer quotes a cell holding its own line ending ("\n"), not one holding a
    # carriage return, which a reader takes for the end of the line: quote that line whole.
    if any("\r" in cell for cell in cells):
        csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(cells)
    else:
        csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def export_lines(session: Session, condition: Condition, *, channel: Channel,
                 output: ExportFormat, now: datetime, defaults: Mapping[str, bool]
                 ) -> Iterator[str]:
    """The export, line by line (CSV starts with its header), read in batches.

    >>> "".join(export_lines(session, condition, channel="marketing_email", output="csv",
    ...                      now=utcnow(), defaults={}))  # doctest: +SKIP
    'customer_id,channel\\nc1,marketing_email\\n'
    """
    if output == "csv":
        yield _csv_line("customer_id", "channel")
    query = export_query(condition, channel=channel, now=now, defaults=defaults,
                         dialect=session.get_bind().dialect.name)
    rows = session.execute(query.execution_options(yield_per=_FETCH)).scalars()
    for customer_id in rows:
        if output == "csv":
            yield _csv_line(customer_id, channel)
        else:
            yield json.dumps({"customer_id": customer_id, "channel": channel},
                             ensure_ascii=False) + "\n"

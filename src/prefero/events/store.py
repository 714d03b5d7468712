"""Where an ingested batch lands: its rows, one statement per table, behind one small
interface with two implementations.

``PortableStore`` (here) sends each table's rows as an executemany of one Core statement; it
runs on every database and is what SQLite uses. ``PostgresStore``
(``prefero.events.store_postgres``) sends each column as one array parameter, for one
execution per table and batch. Both write exactly the same rows: tests/events/test_store.py
holds them to one contract, test_ingest_reference.py to a naive one-event-at-a-time
reference.

The caller hands rows in a fixed order (keys, customers, dismissals and counters sorted),
so that concurrent batches lock the rows they share in the same order and never deadlock.
Nothing is committed here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.events.schemas import EventIn
from prefero.events.store_postgres import PostgresStore
from prefero.events.tables import COUNTERS, CUSTOMERS, EVENTS, PREFERENCES, RECEIPTS

__all__ = ["BatchStore", "Counts", "PortableStore", "PostgresStore", "store_for"]

#: (product, UTC day, event type) -> how many events of the batch it gains.
Counts = Mapping[tuple[str, date, str], int]

# Bound on the ids in one IN (...) list: far below SQLite's and PostgreSQL's parameter
# limits, and large enough that a 1,000-event batch takes one or two queries.
_IN_CHUNK = 900
_T = TypeVar("_T")


class BatchStore(Protocol):
    """The writes of one ingested batch, in the caller's transaction."""

    def claim(self, session: Session, keys: Sequence[str], *, now: datetime) -> set[str]:
        """Insert a receipt for each key (sorted, unique) unless it exists; return the keys
        inserted by this call. A concurrent transaction holding one of the keys is waited
        for: once it commits the key is not ours, if it rolls back it is."""
        ...

    def existing_receipts(self, session: Session, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are stored receipts (for the legacy, unkeyed form)."""
        ...

    def ensure_customers(self, session: Session, ids: Mapping[str, bool], *,
                         now: datetime) -> None:
        """Create the customers in ``ids`` (id -> anonymous?, sorted) that do not exist,
        with the columns ``prefero.customers.repository.ensure_customers`` gives them."""
        ...

    def add_events(self, session: Session, events: Sequence[EventIn], *,
                   now: datetime) -> None:
        """Store ``events`` against their person, in order."""
        ...

    def dismiss(self, session: Session, dismissals: Sequence[tuple[str, str]], *,
                now: datetime) -> None:
        """Record "not for me" for each (person, product), sorted and unique; dismissing
        again only refreshes when it last happened."""
        ...

    def add_counts(self, session: Session, counts: Counts) -> None:
        """Add ``counts`` (keys sorted) to the anonymous per-product counters."""
        ...


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _insert(session: Session) -> Any:
    # Both dialects spell the upsert alike; only the import differs.
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert




class PortableStore:
    """An executemany of one Core statement per table: SQLite, and any other database."""

    def __repr__(self) -> str:
        return "PortableStore()"

    def claim(self, session: Session, keys: Sequence[str], *, now: datetime) -> set[str]:
        if not keys:
            return set()
        # ON CONFLICT DO NOTHING + RETURNING reports exactly the keys this statement
        # inserted; a concurrent batch with the same id waits on the key and then sees it
        # as a duplicate.
        statement = (
            _insert(session)(RECEIPTS)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(RECEIPTS.c.key)
        )
        rows = [{"key": key, "received_at": now} for key in keys]
        return set(session.scalars(statement, rows))

    def existing_receipts(self, session: Session, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys, _IN_CHUNK):
            found.update(session.scalars(
                select(RECEIPTS.c.key).where(RECEIPTS.c.key.in_(chunk))))
        return found

    def ensure_customers(self, session: Session, ids: Mapping[str, bool], *,
                         now: datetime) -> None:
        if not ids:
            return
        # ``ensure_customers``'s insert, stamped with the batch's time and sent as an
        # executemany: one statement to compile, however many customers.
        rows = [{"id": cid, "anonymous": anonymous, "exploration": True, "created_at": now,
                 "updated_at": now} for cid, anonymous in ids.items()]
        statement = _insert(session)(CUSTOMERS).on_conflict_do_nothing(index_elements=["id"])
        session.execute(statement, rows)

    def add_events(self, session: Session, events: Sequence[EventIn], *,
                   now: datetime) -> None:
        if not events:
            return
        rows = [{"customer_id": e.person, "type": e.type.value, "product_id": e.product_id,
                 "quantity": e.quantity, "price": e.price, "rating": e.rating,
                 "query": e.query, "placement": e.placement, "reason": e.reason,
                 "session_id": e.session_id,
                 "order_id": e.order_id, "size": e.size, "occurred_at": e.occurred_at,
                 "received_at": now}
                for e in events]
        session.execute(EVENTS.insert(), rows)

    def dismiss(self, session: Session, dismissals: Sequence[tuple[str, str]], *,
                now: datetime) -> None:
        if not dismissals:
            return
        rows = [{"customer_id": person, "kind": "dismiss", "facet": "product",
                 "value": product, "weight": None, "source": "dismiss", "created_at": now,
                 "updated_at": now} for person, product in dismissals]
        statement = _insert(session)(PREFERENCES)
        # Dismissing again is not news; only refresh when it last happened.
        statement = statement.on_conflict_do_update(
            index_elements=["customer_id", "kind", "facet", "value"],
            set_={"updated_at": statement.excluded.updated_at},
        )
        session.execute(statement, rows)

    def add_counts(self, session: Session, counts: Counts) -> None:
        if not counts:
            return
        rows = [{"product_id": p, "day": d, "type": t, "count": n}
                for (p, d, t), n in counts.items()]
        statement = _insert(session)(COUNTERS)
        statement = statement.on_conflict_do_update(
            index_elements=["product_id", "day", "type"],
            set_={"count": COUNTERS.c.count + statement.excluded.count},
        )
        session.execute(statement, rows)


_PORTABLE = PortableStore()
_POSTGRES = PostgresStore()


def store_for(session: Session) -> BatchStore:
    """The store for the database ``session`` is bound to: the array one for PostgreSQL
    through psycopg 3 (it relies on psycopg's binary arrays), else the portable one.

    >>> store_for(session)  # doctest: +SKIP
    PostgresStore()
    """
    dialect = session.get_bind().dialect
    if (dialect.name, dialect.driver) == ("postgresql", "psycopg"):
        return _POSTGRES
    return _PORTABLE

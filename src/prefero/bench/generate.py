"""Scale data: a generated shop of any size loaded into PostgreSQL with COPY
(``prefero bench generate``), for measuring the database, training and the request path at
the sizes a real shop reaches (100,000 products, a million customers, millions of events).

Unlike the demo shop (``prefero.demo``), whose behaviour simulation acts out one customer at
a time in Python, everything here is drawn as NumPy arrays (``scale_catalog``,
``scale_people``, ``scale_events``) and written as COPY text in chunks. The load is one
transaction, so it completes or leaves the database as it was, and it leaves the database as
the live service expects it: the catalogue revision moved, the anonymous per-product
counters filled from every event (linked or not), each customer's ``profile_revision`` the
loading transaction's id (what the profile triggers would have written; they are paused
during the load so that a million consent rows do not each update their customer), the
event id sequence past the last id, and statistics gathered.

The events table is filled without its secondary indexes and foreign key, which are built
again afterwards from their own definitions: one sort per index instead of a b-tree insert
per row, and one join instead of a look-up per row.

Same seed, sizes and anchor → the same shop, row for row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy.engine import make_url

from prefero.bench.scale_catalog import NULL, PRODUCT_COLUMNS, generate_catalog, timestamps
from prefero.bench.scale_events import EVENT_TYPES, PURCHASE, EventBlock, event_blocks
from prefero.bench.scale_people import (
    CONSENT_COLUMNS,
    CUSTOMER_COLUMNS,
    PREFERENCE_COLUMNS,
    generate_people,
)
from prefero.catalog.revisions import CATALOG
from prefero.db.migrate import upgrade

__all__ = ["EVENT_COLUMNS", "GenerateSummary", "Progress", "generate_shop", "psycopg_conninfo"]

IntArray = npt.NDArray[np.int64]
#: ``progress(stage, done, total)``, as the demo loader reports.
Progress = Callable[[str, int, int], None]

#: Rows per COPY chunk: big enough to amortise the Python formatting, small enough that a
#: chunk's text stays a few tens of megabytes.
CHUNK_ROWS = 200_000
#: Days of behaviour ending at the anchor.
WINDOW_DAYS = 180
EVENT_COLUMNS = ("id", "customer_id", "type", "product_id", "quantity", "price", "placement",
                 "session_id", "occurred_at", "received_at")
ACTIVITY_COLUMNS = ("product_id", "day", "type", "count")
#: Tables whose user triggers (the profile revision stamp) are paused during the load.
_STAMPED = ("preferences", "consent_records")
#: Tables loaded in the order their foreign keys need, for the emptiness check.
_LOADED = ("products", "customers", "consent_records", "preferences", "events",
           "product_activity")


@dataclass(frozen=True)
class GenerateSummary:
    """Row counts, seconds per stage and the database's size on disk after the load."""

    products: int
    customers: int
    consents: int
    preferences: int
    events: int
    activity: int
    seconds: dict[str, float] = field(default_factory=dict)
    database_bytes: int = 0


def psycopg_conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (its driver name dropped).

    >>> psycopg_conninfo("postgresql+psycopg://postgres@127.0.0.1:5432/shop")
    'postgresql://postgres@127.0.0.1:5432/shop'
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"scale data is loaded with PostgreSQL's COPY; {url.drivername!r} "
                         "is not PostgreSQL (the embedded SQLite database is for the demo)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class _Clock:
    """Seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0)
                                       + time.perf_counter() - started, 3)


def _copy(cursor: psycopg.Cursor[tuple[object, ...]], table: str, columns: Iterable[str],
          lines: Iterable[str], *, stage: str, total: int, progress: Progress) -> int:
    """COPY ``lines`` (text format) into ``table`` in chunks; returns the rows written. The
    writer thread sends one chunk while the next is formatted."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    done = 0
    chunk: list[str] = []
    progress(stage, 0, total)
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= CHUNK_ROWS:
                copy.write("".join(chunk).encode())
                done += len(chunk)
                chunk = []
                progress(stage, done, total)
        if chunk:
            copy.write("".join(chunk).encode())
            done += len(chunk)
    progress(stage, done, max(total, done))
    return done


@contextmanager
def _bulk_mode(cursor: psycopg.Cursor[tuple[object, ...]], table: str, clock: _Clock
               ) -> Iterator[None]:
    """Drop ``table``'s secondary indexes and foreign keys for the load and build them
    again from their own definitions afterwards (whatever migrations declared)."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname", (table,))
    indexes = [(str(name), str(definition)) for name, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", (table,))
    foreign = [(str(name), str(definition)) for name, definition in cursor.fetchall()]
    for name, _ in foreign:
        cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            sql.Identifier(table), sql.Identifier(name)))
    for name, _ in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    with clock.stage(f"index {table}"):
        for _, definition in indexes:
            cursor.execute(definition.encode())
        for name, definition in foreign:
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                sql.Identifier(table), sql.Identifier(name)) + sql.SQL(definition))


class _Activity:
    """Per (product, day, type) counts over every block, merged at the end."""

    def __init__(self, *, first_day: int, days: int) -> None:
        self.first_day = first_day
        self.days = days
        self._keys: list[IntArray] = []
        self._counts: list[IntArray] = []

    def add(self, block: EventBlock) -> None:
        day = block.time_s // 86_400 - self.first_day
        key = (block.product * self.days + day) * len(EVENT_TYPES) + block.type
        keys, counts = np.unique(key, return_counts=True)
        self._keys.append(keys)
        self._counts.append(counts.astype(np.int64))

    def totals(self) -> tuple[IntArray, IntArray]:
        if not self._keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys, inverse = np.unique(np.concatenate(self._keys), return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate(self._counts))
        return keys, counts.astype(np.int64)

    def lines(self, product_ids: list[str]) -> Iterator[str]:
        keys, counts = self.totals()
        for start in range(0, len(keys), CHUNK_ROWS):
            part = keys[start:start + CHUNK_ROWS]
            rest, kind = np.divmod(part, len(EVENT_TYPES))
            product, day = np.divmod(rest, self.days)
            dates = (day + self.first_day).astype("datetime64[D]").astype(str).tolist()
            for p, d, k, c in zip(product.tolist(), dates, kind.tolist(),
                                  counts[start:start + CHUNK_ROWS].tolist(), strict=True):
                yield f"{product_ids[p]}\t{d}\t{EVENT_TYPES[k]}\t{c}\n"


@dataclass(frozen=True)
class _Linked:
    """The linked events of every block, in one set of arrays sorted by time."""

    customer: IntArray
    product: IntArray
    type: IntArray
    time_s: IntArray
    session: IntArray

    @classmethod
    def of(cls, block: EventBlock) -> _Linked:
        """The block's linked events in compact types (about 21 bytes an event)."""
        kept = block.linked
        return cls(customer=block.customer[kept].astype(np.int32),
                   product=block.product[kept].astype(np.int32),
                   type=block.type[kept].astype(np.int8), time_s=block.time_s[kept],
                   session=block.session[kept].astype(np.int32))

    @classmethod
    def gather(cls, parts: list[_Linked]) -> _Linked:
        """Every part's events in one set of arrays, sorted by time: rows go in in time
        order, as a live shop appends them, so that the table's physical order matches the
        time index as it would in production."""
        def joined(name: str) -> IntArray:
            arrays = [getattr(part, name) for part in parts]
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

        time_s = joined("time_s")
        order = np.argsort(time_s, kind="stable")
        return cls(customer=joined("customer")[order], product=joined("product")[order],
                   type=joined("type")[order], time_s=time_s[order],
                   session=joined("session")[order])

    @property
    def size(self) -> int:
        return len(self.time_s)

    def lines(self, customer_ids: list[str], product_ids: list[str],
              prices: list[str]) -> Iterator[str]:
        quantity = [NULL, "1", "1", NULL]
        placement = [NULL, NULL, NULL, "home"]
        for start in range(0, self.size, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.size)
            seconds = self.time_s[start:stop]
            occurred = timestamps(seconds)
            # Clients batch events: they reach the server a little after they happen.
            received = timestamps(seconds + 2)
            rows = zip(range(start + 1, stop + 1), self.customer[start:stop].tolist(),
                       self.product[start:stop].tolist(), self.type[start:stop].tolist(),
                       self.session[start:stop].tolist(), occurred, received, strict=True)
            for event_id, c, p, k, s, at, got in rows:
                who = customer_ids[c]
                price = prices[p] if k == PURCHASE else NULL
                yield (f"{event_id}\t{who}\t{EVENT_TYPES[k]}\t{product_ids[p]}\t{quantity[k]}\t"
                       f"{price}\t{placement[k]}\t{who}-s{s}\t{at}\t{got}\n")


def _ensure_empty(cursor: psycopg.Cursor[tuple[object, ...]]) -> None:
    for table in _LOADED:
        cursor.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table)))
        row = cursor.fetchone()
        if row is not None and row[0]:
            raise ValueError(f"the database already holds data (table {table} is not "
                             "empty); scale data goes into an empty database")


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def generate_shop(database_url: str, *, products: int = 100_000, customers: int = 1_000_000,
                  events: int = 5_000_000, seed: int = 0, anchor: datetime | None = None,
                  window_days: int = WINDOW_DAYS, currency: str = "PLN",
                  policy_version: str = "2026-01", progress: Progress | None = None
                  ) -> GenerateSummary:
    """Migrate the PostgreSQL database at ``database_url`` and load a generated shop into
    it: ``products`` products, ``customers`` customers and exactly ``events`` events linked
    to the customers who consented to tracking, over ``window_days`` days up to ``anchor``
    (now by default).

    >>> generate_shop("postgresql+psycopg://postgres@127.0.0.1/scale", products=1_000,
    ...               customers=5_000, events=20_000, seed=1).events  # doctest: +SKIP
    20000
    """
    if products < 1 or customers < 1 or events < 0:
        raise ValueError("scale data needs at least one product and one customer")
    conninfo = psycopg_conninfo(database_url)
    report = progress or _quiet
    clock = _Clock()
    anchor_s = int((anchor or datetime.now(UTC)).timestamp())
    with clock.stage("migrate"):
        upgrade(database_url)
    catalog_rng, people_rng, events_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(3))
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        _ensure_empty(cursor)
        connection.rollback()
        with clock.stage("generate"):
            catalog = generate_catalog(catalog_rng, products, anchor_s=anchor_s)
            people = generate_people(people_rng, customers, catalog=catalog,
                                     anchor_s=anchor_s, window_days=window_days)
            first_day = (anchor_s - window_days * 86_400) // 86_400 - 1
            activity = _Activity(first_day=first_day, days=window_days + 3)
            parts: list[_Linked] = []
            drawn = 0
            for block in event_blocks(events_rng, events=events, people=people,
                                      catalog=catalog, anchor_s=anchor_s,
                                      window_days=window_days):
                activity.add(block)
                parts.append(_Linked.of(block))
                drawn += len(block.customer)
                report("generate", drawn, 0)
            linked = _Linked.gather(parts)
            del parts
        # Index builds at the end of the load sort in memory rather than on disk.
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SELECT txid_current()")
        stamp = cursor.fetchone()
        revision = int(stamp[0]) if stamp is not None else 0
        for table in _STAMPED:
            cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(
                sql.Identifier(table)))
        counts: dict[str, int] = {}
        with clock.stage("copy products"):
            counts["products"] = _copy(
                cursor, "products", PRODUCT_COLUMNS,
                catalog.copy_lines(0, catalog.size, currency=currency,
                                   link="https://scale.prefero.dev"),
                stage="products", total=catalog.size, progress=report)
        with clock.stage("copy customers"):
            counts["customers"] = _copy(
                cursor, "customers", CUSTOMER_COLUMNS,
                people.customer_lines(0, people.size, revision=revision),
                stage="customers", total=people.size, progress=report)
        with _bulk_mode(cursor, "consent_records", clock), clock.stage("copy consents"):
            counts["consents"] = _copy(
                cursor, "consent_records", CONSENT_COLUMNS,
                people.consent_lines(0, people.size, policy_version=policy_version),
                stage="consents", total=0, progress=report)
        with clock.stage("copy preferences"):
            counts["preferences"] = _copy(
                cursor, "preferences", PREFERENCE_COLUMNS,
                people.preference_lines(0, people.size, catalog=catalog),
                stage="preferences", total=0, progress=report)
        prices = [f"{price:.2f}" for price in catalog.effective_price.tolist()]
        with _bulk_mode(cursor, "events", clock):
            with clock.stage("copy events"):
                counts["events"] = _copy(
                    cursor, "events", EVENT_COLUMNS,
                    linked.lines(people.ids, catalog.ids, prices),
                    stage="events", total=linked.size, progress=report)
            # Ids were given in time order; the sequence continues after them.
            cursor.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), "
                           "GREATEST(%s, 1), %s)", (counts["events"], counts["events"] > 0))
        with clock.stage("copy activity"):
            counts["activity"] = _copy(cursor, "product_activity", ACTIVITY_COLUMNS,
                                       activity.lines(catalog.ids), stage="activity",
                                       total=0, progress=report)
        for table in _STAMPED:
            cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(
                sql.Identifier(table)))
        cursor.execute("INSERT INTO revisions (name, value) VALUES (%s, 1) "
                       "ON CONFLICT (name) DO UPDATE SET value = revisions.value + 1",
                       (CATALOG,))
        with clock.stage("commit"):
            connection.commit()
    with clock.stage("analyze"), psycopg.connect(conninfo, autocommit=True) as connection:
        # Fresh statistics for the planner and a visibility map for index-only scans.
        for table in _LOADED:
            connection.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return GenerateSummary(
        products=counts["products"], customers=counts["customers"],
        consents=counts["consents"], preferences=counts["preferences"],
        events=counts["events"], activity=counts["activity"], seconds=clock.seconds,
        database_bytes=int(size[0]) if size is not None else 0)

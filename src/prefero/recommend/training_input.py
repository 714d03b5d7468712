"""Training's input, streamed: the linked events of consenting customers read once, in the
table's own order, into integer-coded NumPy arrays, then sorted and cut into what the
models learn from (each customer's journey) and what co-occurrence counts (baskets).

Read in the order the database sorted them and kept as Python objects (a tuple per row, a
set per basket, a list per journey), the events cost a scan of the table in customer order
(its heap read at random) and a Python loop over every row; as arrays they take about 33
bytes each plus the session ids, the database streams them from a plain sequential scan
through a server-side cursor, and the sort happens here, in NumPy, on integers (50 million
events: 393 s at a 7.1 GiB peak, docs/benchmarks.md "Data at scale").

The result is exactly what the row-by-row reading gave: customers in the code-point order
of their ids (what ``ORDER BY customer_id`` gives on a C-collated PostgreSQL and on
SQLite), each customer's events in time order with the event id breaking ties, baskets in
the order their first event appears in that stream.

Refunds are not steps of a journey. A refunded order line is no evidence of what is bought
together: the purchases a refund covers (same customer and order; its product, or every
product for a whole-order refund; its quantity, or more) are found by one join, and their
products leave the purchase basket they were bought in. What the customer looked at and
chose stays in the journey and the browsing baskets: a refund does not undo interest.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import psycopg
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.events.models import Event

__all__ = ["Baskets", "Behaviour", "read_behaviour"]

IntArray = npt.NDArray[np.int64]

#: Rows fetched from the server-side cursor at a time.
FETCH_ROWS = 50_000
#: Event types as small codes; every other type (a rating, "not for me"...) is still a step
#: of the journey but fills no basket.
_VIEW, _REC_CLICK, _CART, _PURCHASE, _OTHER = range(5)
_TYPE_CODES = {"view": _VIEW, "rec_click": _REC_CLICK, "add_to_cart": _CART,
               "purchase": _PURCHASE}
#: Which types fill which baskets.
PURCHASE_TYPES = (_CART, _PURCHASE)
VIEW_TYPES = (_VIEW, _REC_CLICK, _CART, _PURCHASE)


@dataclass(frozen=True)
class Baskets:
    """Baskets of two or more distinct items, as one flat array: basket ``b`` holds
    ``items[indptr[b]:indptr[b + 1]]``, ascending. Baskets are in the order their first
    event appears in the customers' time-ordered stream.

    >>> Baskets(indptr=np.array([0, 2, 5]), items=np.array([1, 4, 0, 2, 3])).as_lists()
    [[1, 4], [0, 2, 3]]
    """

    indptr: IntArray
    items: IntArray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def rows(self) -> IntArray:
        """The basket of every entry of ``items``."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.indptr))

    def as_lists(self) -> list[list[int]]:
        flat = self.items.tolist()
        bounds = self.indptr.tolist()
        return [flat[start:stop] for start, stop in itertools.pairwise(bounds)]


@dataclass(frozen=True)
class Behaviour:
    """What consenting customers' linked events give training.

    ``journeys``: each customer's products in time order, where the same product twice in
    a row counts once (a view followed by a purchase of it is one step of the journey);
    ``customers[u]`` is the customer whose journey ``journeys[u]`` is.
    ``purchase`` / ``view``: one basket per customer and session (or day, for events without
    a session), from add-to-cart and purchase events / from every browsing event."""

    journeys: list[IntArray]
    customers: list[str]
    purchase: Baskets
    view: Baskets
    events: int  # linked events of consenting customers with a known product


class _Column:
    """An array that grows by doubling as chunks arrive. Its storage is always one large
    block, which the allocator maps and unmaps whole; thousands of chunk-sized arrays kept
    until the end would instead stay in the process's heap after they were freed, and the
    models fitted next would find several GiB of the machine already taken (measured at 50
    million events)."""

    def __init__(self, dtype: str) -> None:
        self._data = np.zeros(1 << 16, dtype=dtype)
        self._size = 0

    def extend(self, values: npt.NDArray[Any]) -> None:
        end = self._size + len(values)
        if end > len(self._data):
            grown = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:end] = values
        self._size = end

    def take(self, dtype: str) -> npt.NDArray[Any]:
        """The values as ``dtype``; the column is empty afterwards."""
        values = self._data[:self._size].astype(dtype)
        self._data = np.zeros(0, dtype=self._data.dtype)
        self._size = 0
        return values


class _Columns:
    """The rows read so far, column by column, in compact types."""

    def __init__(self) -> None:
        self.columns = {"customer": _Column("int32"), "item": _Column("int32"),
                        "kind": _Column("int8"), "time": _Column("float64"),
                        "event_id": _Column("int64"), "basket": _Column("int64")}

    def add(self, known: npt.NDArray[np.bool_], **arrays: npt.NDArray[Any]) -> None:
        for name, values in arrays.items():
            self.columns[name].extend(values[known])

    def joined(self, name: str, dtype: str) -> npt.NDArray[Any]:
        return self.columns[name].take(dtype)


def read_behaviour(session: Session, position: dict[str, int], settings: Settings, *,
                   fetch_rows: int = FETCH_ROWS) -> Behaviour:
    """Read every linked event with a product of the catalogue (``position``: product id →
    item index) once and build journeys and baskets. Events of customers who have since
    withdrawn tracking consent are left out: a withdrawal ends the use of their behaviour,
    in models as on the request path.

    >>> # behaviour = read_behaviour(session, {"p1": 0, "p2": 1}, settings)
    """
    customers: dict[str, int] = {}
    sessions: dict[str, int] = {}
    columns = _Columns()
    for rows in _event_rows(session, fetch_rows):
        count = len(rows)
        # Column by column: indexing rows is several times cheaper than zip(*rows).
        item = np.fromiter((position.get(r[5], -1) for r in rows), dtype=np.int32,
                           count=count)
        columns.add(
            item >= 0,
            item=item,
            customer=np.fromiter((customers.setdefault(r[1], len(customers)) for r in rows),
                                 dtype=np.int32, count=count),
            kind=np.fromiter((_TYPE_CODES.get(r[4], _OTHER) for r in rows), dtype=np.int8,
                             count=count),
            time=np.fromiter((r[3].timestamp() for r in rows), dtype=np.float64, count=count),
            event_id=np.fromiter((r[0] for r in rows), dtype=np.int64, count=count),
            # A basket is a customer's session, or their (UTC) day when it has none.
            basket=np.fromiter(
                (sessions.setdefault(r[2] or r[3].astimezone(UTC).date().isoformat(),
                                     len(sessions)) for r in rows),
                dtype=np.int64, count=count))
    refunded = _refunded_purchases(session)
    people_ids = list(customers)
    customers.clear()
    consents = purpose_consents(session, people_ids, purpose="tracking", settings=settings)
    granted = np.fromiter((consents[c] for c in people_ids), dtype=bool,
                          count=len(people_ids))
    by_rank = np.array(sorted(range(len(people_ids)), key=people_ids.__getitem__),
                       dtype=np.int64)
    rank = np.empty(len(people_ids), dtype=np.int64)
    rank[by_rank] = np.arange(len(people_ids))
    n_sessions = max(len(sessions), 1)
    sessions.clear()
    customer = columns.joined("customer", "int64")
    keep = granted[customer] if len(people_ids) else np.zeros(0, dtype=bool)
    customer = rank[customer[keep]]
    event_id = columns.joined("event_id", "int64")[keep]
    order = np.lexsort((event_id, columns.joined("time", "float64")[keep], customer))
    customer = customer[order]
    event_id = event_id[order]
    item = columns.joined("item", "int64")[keep][order]
    kind = columns.joined("kind", "int64")[keep][order]
    basket = customer * n_sessions + columns.joined("basket", "int64")[keep][order]
    del keep, order
    bought = np.isin(kind, PURCHASE_TYPES)
    if refunded.size:
        bought &= ~_refunded_lines(basket, item, np.isin(event_id, refunded))
    del event_id
    behaviour = Behaviour(journeys=_journeys(customer, item),
                          customers=[people_ids[c]
                                     for c in by_rank[_owners(customer)].tolist()],
                          purchase=_baskets(basket, item, bought),
                          view=_baskets(basket, item, np.isin(kind, VIEW_TYPES)),
                          events=len(item))
    del customer, item, kind, basket, bought
    _release_free_memory()
    return behaviour


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        library = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return library if library is not None and hasattr(library, "malloc_trim") else None


def _release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Reading leaves the chunks' freed buffers scattered through the heap, which
    glibc keeps: at 50 million events several GiB that the models fitted next could not
    use, so the process's peak grew by that much."""
    library = _libc()
    if library is not None:
        library.malloc_trim(0)


def _refunded_purchases(session: Session) -> IntArray:
    """The ids of the purchase events a refund covers: the same customer and order, and
    the refund's product (for its quantity or more; no quantity: the whole line) or, for
    a refund without one, every product of the order."""
    purchase, refund = aliased(Event), aliased(Event)
    statement = (
        select(purchase.id).distinct()
        .join(refund, and_(refund.customer_id == purchase.customer_id,
                           refund.order_id == purchase.order_id))
        .where(purchase.type == "purchase", refund.type == "refund",
               or_(refund.product_id.is_(None),
                   and_(refund.product_id == purchase.product_id,
                        func.coalesce(refund.quantity, purchase.quantity, 1)
                        >= func.coalesce(purchase.quantity, 1)))))
    return np.fromiter(session.scalars(statement), dtype=np.int64)


def _refunded_lines(basket: IntArray, item: IntArray, refunded: npt.NDArray[np.bool_]
                    ) -> npt.NDArray[np.bool_]:
    """The rows of the (basket, item) pairs of the ``refunded`` rows: the cart additions
    and purchases of a refunded line, whatever event said it.

    >>> _refunded_lines(np.array([1, 1, 1, 2]), np.array([5, 5, 6, 5]),
    ...                 np.array([False, True, False, False])).tolist()
    [True, True, False, False]
    """
    width = int(item.max()) + 1 if item.size else 1
    pairs = basket * width + item
    found: npt.NDArray[np.bool_] = np.isin(pairs, pairs[refunded])
    return found


def _event_rows(session: Session, fetch_rows: int) -> Iterator[Sequence[Sequence[Any]]]:
    """(id, customer, session, time, type, product) of every event with a product but a
    refund, in chunks, in the table's order. On PostgreSQL straight from a server-side
    cursor of the session's own connection (same transaction): the ORM's per-row processing
    cost three times the fetch itself; elsewhere through the ORM."""
    statement = (select(Event.id, Event.customer_id, Event.session_id, Event.occurred_at,
                        Event.type, Event.product_id)
                 .where(Event.product_id.is_not(None), Event.type != "refund"))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = cast(psycopg.Connection[Any], connection.connection.dbapi_connection)
        with raw.cursor(name="prefero_training_events") as cursor:
            cursor.itersize = fetch_rows
            cursor.execute(str(statement.compile(dialect=connection.dialect,
                                                 compile_kwargs={"literal_binds": True})))
            while rows := cursor.fetchmany(fetch_rows):
                yield rows
        return
    result = session.execute(statement.execution_options(yield_per=fetch_rows))
    yield from result.partitions()


def _journeys(customer: IntArray, item: IntArray) -> list[IntArray]:
    """Each customer's items (rows sorted by customer, then time), repeats in a row merged.

    >>> [j.tolist() for j in _journeys(np.array([0, 0, 0, 1]), np.array([5, 5, 6, 5]))]
    [[5, 6], [5]]
    """
    if not len(item):
        return []
    first = np.ones(len(item), dtype=bool)
    first[1:] = customer[1:] != customer[:-1]
    step = first.copy()
    step[1:] |= item[1:] != item[:-1]
    starts = np.flatnonzero(first[step])
    return np.split(item[step].astype(np.int64), starts[1:])


def _owners(customer: IntArray) -> IntArray:
    """The customer of each journey ``_journeys`` cuts from the same rows, in its order.

    >>> _owners(np.array([0, 0, 2, 2, 5])).tolist()
    [0, 2, 5]
    """
    first = np.ones(len(customer), dtype=bool)
    first[1:] = customer[1:] != customer[:-1]
    return customer[first]


def _baskets(key: IntArray, item: IntArray, selected: npt.NDArray[np.bool_]) -> Baskets:
    """The distinct items per basket ``key`` among the ``selected`` rows, baskets in order
    of their first selected row, only those with two or more items.

    >>> b = _baskets(np.array([7, 3, 7, 3, 9]), np.array([2, 1, 0, 1, 4]),
    ...              np.array([True, True, True, True, True]))
    >>> b.as_lists()
    [[0, 2]]
    """
    keys, items = key[selected], item[selected]
    if not len(keys):
        return Baskets(indptr=np.zeros(1, dtype=np.int64), items=np.zeros(0, dtype=np.int64))
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.empty(len(first), dtype=np.int64)
    order[np.argsort(first, kind="stable")] = np.arange(len(first))
    width = int(items.max()) + 1
    pairs = np.unique(order[inverse] * width + items)
    owner, members = np.divmod(pairs, width)
    sizes = np.bincount(owner, minlength=len(first))
    kept = sizes > 1
    return Baskets(indptr=np.concatenate(([0], np.cumsum(sizes[kept]))).astype(np.int64),
                   items=members[kept[owner]].astype(np.int64))

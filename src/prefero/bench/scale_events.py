"""The behaviour of a generated shop at scale: every customer's sessions as whole NumPy
arrays, one block of customers at a time, with no Python object per event.

A customer's events fall into sessions (a new one starts with probability
``1 / SESSION_MEAN`` at each event), spread over the window with more of them recent (the
shop grows). A session lands in one of the customer's two home leaf categories, or
wherever a popular product leads; most of its views stay in that leaf, drawn by product
popularity (a long tail), some wander off to anything popular, and some look at the same
product again. A share of sessions ends with one to three products put in the cart, and
some of those are bought. Nothing is viewed before it arrived in the shop.

Counts are exact: the events a customer has are fixed first (a multinomial draw over
customers by how much each shops), then laid out into sessions, so the generated shop has
exactly the number of linked events asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from prefero.bench.scale_catalog import LEAVES, ScaleCatalog
from prefero.bench.scale_people import ScalePeople

__all__ = ["EVENT_TYPES", "EventBlock", "Samplers", "event_blocks"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EVENT_TYPES = ("view", "add_to_cart", "purchase", "rec_click")
VIEW, CART, PURCHASE, REC_CLICK = range(len(EVENT_TYPES))
SESSION_MEAN = 6.0
#: A session lands in one of the customer's home leaves (else where popularity leads).
P_HOME = 0.7
#: A view stays in the session's leaf (else anything popular).
P_IN_LEAF = 0.75
#: A view repeats the product viewed just before.
P_REPEAT = 0.1
#: A session ends with products in the cart; of those, the share that is bought.
P_CART = 0.35
P_BUY = 0.6
#: How many products go in a cart: one, two or three.
CART_SIZES = (0.6, 0.28, 0.12)
#: A view came from a click on a recommendation ("home" placement).
P_REC_CLICK = 0.02
#: Seconds between events of a session: exponential with this mean, plus a floor.
GAP_MEAN_S = 55.0
GAP_FLOOR_S = 8


@dataclass(frozen=True)
class EventBlock:
    """Events of a block of customers, grouped by customer, each customer's in time order.

    ``linked`` marks the events of customers who consented to tracking: only those are
    stored as ``events`` rows; every event counts in the anonymous product counters."""

    customer: IntArray
    product: IntArray
    type: IntArray
    time_s: IntArray
    session: IntArray  # session number within the customer, from 1
    linked: BoolArray


class Samplers:
    """Draws of products by popularity: anywhere, within a leaf, or among products that
    were in the shop for the whole window (to replace a product drawn before it arrived)."""

    def __init__(self, catalog: ScaleCatalog, *, window_start_s: int) -> None:
        weights = catalog.popularity
        self.cumulative = np.cumsum(weights) / weights.sum()
        # Products sorted by leaf; leaf l's normalised cumulative weights span [l, l + 1].
        self.by_leaf = np.argsort(catalog.leaf, kind="stable")
        leaf_sorted = catalog.leaf[self.by_leaf]
        counts = np.bincount(leaf_sorted, minlength=len(LEAVES))
        self.leaf_end = np.cumsum(counts)
        self.leaf_start = self.leaf_end - counts
        w = weights[self.by_leaf]
        totals = np.bincount(leaf_sorted, weights=w, minlength=len(LEAVES))
        running = np.cumsum(w) - np.repeat(np.cumsum(totals) - totals, counts)
        self.leaf_cumulative = leaf_sorted + running / totals[leaf_sorted]
        old = np.flatnonzero(catalog.created_s <= window_start_s)
        if old.size == 0:
            old = np.array([int(np.argmin(catalog.created_s))])
        self.old = old
        self.old_cumulative = np.cumsum(weights[old]) / weights[old].sum()
        self.leaf = catalog.leaf
        self.created_s = catalog.created_s

    @staticmethod
    def _pick(cumulative: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> IntArray:
        found = np.searchsorted(cumulative, u, side="right")
        return np.minimum(found, len(cumulative) - 1).astype(np.int64)

    def anywhere(self, rng: np.random.Generator, size: int) -> IntArray:
        return self._pick(self.cumulative, rng.random(size))

    def within(self, rng: np.random.Generator, leaves: IntArray) -> IntArray:
        position = np.searchsorted(self.leaf_cumulative, leaves + rng.random(leaves.size),
                                   side="right")
        # Rounding can leave a draw just past its leaf's last product: keep it inside.
        position = np.clip(position, self.leaf_start[leaves], self.leaf_end[leaves] - 1)
        return self.by_leaf[position].astype(np.int64)

    def established(self, rng: np.random.Generator, size: int) -> IntArray:
        return self.old[self._pick(self.old_cumulative, rng.random(size))]


def _sessions(rng: np.random.Generator, counts: IntArray, *, anchor_s: int, window_s: int
              ) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Lay each customer's events out into sessions and time them. Returns, per event, its
    customer (block-local), session (block-wide index), session number within the
    customer and time; per session its first event and length."""
    n = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    offsets = np.cumsum(counts) - counts
    position = np.arange(n) - offsets[owner]
    new = (position == 0) | (rng.random(n) < 1.0 / SESSION_MEAN)
    session = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    length = np.diff(np.append(first, n))
    session_owner = owner[first]
    per_customer = np.bincount(session_owner, minlength=len(counts))
    number = np.arange(first.size) - (np.cumsum(per_customer) - per_customer)[session_owner] + 1
    # Session starts, more of them recent; a customer's sessions numbered oldest first.
    ago = window_s * rng.random(first.size) ** 1.3 + 3600.0
    ago = ago[np.lexsort((-ago, session_owner))]
    start = anchor_s - ago.astype(np.int64)
    gaps = (rng.exponential(GAP_MEAN_S, n) + GAP_FLOOR_S).astype(np.int64)
    gaps[new] = 0
    elapsed = np.cumsum(gaps)
    time_s = start[session] + elapsed - elapsed[first[session]]
    time_s = np.minimum(time_s, anchor_s - 1)
    return owner, session, number[session], time_s, first, length


def _block(rng: np.random.Generator, counts: IntArray, first_customer: int, *,
           people: ScalePeople, samplers: Samplers, anchor_s: int, window_s: int
           ) -> EventBlock:
    owner, session, number, time_s, first, length = _sessions(
        rng, counts, anchor_s=anchor_s, window_s=window_s)
    n = owner.size
    customer = owner + first_customer
    n_sessions = first.size
    # Where each session lands: a home leaf, or the leaf of a popular product.
    home = people.home_leaves[customer[first], rng.integers(0, 2, n_sessions)]
    roaming = samplers.leaf[samplers.anywhere(rng, n_sessions)]
    session_leaf = np.where(rng.random(n_sessions) < P_HOME, home, roaming)
    in_leaf = rng.random(n) < P_IN_LEAF
    drawn = np.empty(n, dtype=np.int64)
    drawn[in_leaf] = samplers.within(rng, session_leaf[session[in_leaf]])
    drawn[~in_leaf] = samplers.anywhere(rng, int((~in_leaf).sum()))
    too_new = samplers.created_s[drawn] > time_s
    drawn[too_new] = samplers.established(rng, int(too_new.sum()))
    # A repeat shows the product of the last event that was not a repeat.
    starts = np.zeros(n, dtype=bool)
    starts[first] = True
    repeat = ~starts & (rng.random(n) < P_REPEAT)
    product = drawn[np.maximum.accumulate(np.where(repeat, 0, np.arange(n)))]
    # Cart tails: c products added (and, when bought, c purchases) after at least c views,
    # each being a product viewed just before the tail.
    buys = (rng.random(n_sessions) < P_BUY).astype(np.int64)
    size = rng.choice(np.arange(1, len(CART_SIZES) + 1), size=n_sessions, p=CART_SIZES)
    size = np.minimum(size, length // (2 + buys))
    carts = (rng.random(n_sessions) < P_CART) & (size >= 1)
    tail = np.where(carts, size * (1 + buys), 0)
    head = (length - tail)[session]  # events of the session before its tail
    step = np.arange(n) - first[session] - head
    in_tail = step >= 0
    cart_size = size[session]
    bought = in_tail & (step >= cart_size)
    which = np.where(bought, step - cart_size, step)
    source = np.where(in_tail, first[session] + head - 1 - which, np.arange(n))
    product = product[source]
    kind = np.full(n, VIEW, dtype=np.int64)
    kind[in_tail] = CART
    kind[bought] = PURCHASE
    kind[~in_tail & (rng.random(n) < P_REC_CLICK)] = REC_CLICK
    return EventBlock(customer=customer, product=product, type=kind, time_s=time_s,
                      session=number, linked=people.linked[customer])


def event_blocks(rng: np.random.Generator, *, events: int, people: ScalePeople,
                 catalog: ScaleCatalog, anchor_s: int, window_days: int,
                 block_customers: int = 100_000) -> Iterator[EventBlock]:
    """Every customer's behaviour, ``block_customers`` customers at a time: ``events``
    linked events in all, and the same rate of counter-only events for the customers who
    did not consent.

    >>> from prefero.bench.scale_catalog import generate_catalog
    >>> from prefero.bench.scale_people import generate_people
    >>> anchor = 1_767_225_600
    >>> catalog = generate_catalog(np.random.default_rng(1), 200, anchor_s=anchor)
    >>> people = generate_people(np.random.default_rng(2), 50, catalog=catalog,
    ...                          anchor_s=anchor, window_days=90)
    >>> blocks = list(event_blocks(np.random.default_rng(3), events=400, people=people,
    ...                            catalog=catalog, anchor_s=anchor, window_days=90))
    >>> sum(int(block.linked.sum()) for block in blocks)
    400
    """
    window_s = window_days * 86_400
    samplers = Samplers(catalog, window_start_s=anchor_s - window_s)
    linked = people.linked
    weights = people.activity
    counts = np.zeros(people.size, dtype=np.int64)
    if linked.any():
        share = weights * linked
        counts[linked] = rng.multinomial(events, share[linked] / share[linked].sum())
        # Those who did not consent shop at the same rate; their events only feed counters.
        anonymous = ~linked
        if anonymous.any():
            per_weight = events / share.sum()
            total = round(float(per_weight * weights[anonymous].sum()))
            counts[anonymous] = rng.multinomial(
                total, weights[anonymous] / weights[anonymous].sum())
    for start in range(0, people.size, block_customers):
        stop = min(start + block_customers, people.size)
        yield _block(rng, counts[start:stop], start, people=people, samplers=samplers,
                     anchor_s=anchor_s, window_s=window_s)

"""The shop's pins, placed into a row the pipeline has ranked: each pin shows one product it
names at its slot, if the customer may see it (``usable``: the customer's rules, hidden
products, the page's own products and, on a search, the hits). A pinned product excluded by
the customer's rules is simply not shown; a slot two pins want goes to the first, the other
takes the next free one; a slot past the row's end shows nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from prefero.merchandising.compiled import Pin
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray, IntArray

__all__ = ["REACH", "place_pins"]

#: A pin by a facet's values picks the best-scored of at most this many of its products (the
#: most popular): a pin on a whole department must not score the department per request.
REACH = 200


def _choice(pin: Pin, usable: BoolArray, scores: FloatArray, popularity: FloatArray,
            score: Callable[[IntArray], None]) -> int | None:
    choices = pin.choices[usable[pin.choices]]
    if not choices.size:
        return None
    if pin.by_order:
        return int(choices[0])
    if choices.size > REACH:
        choices = choices[np.argpartition(-popularity[choices], REACH)[:REACH]]
    score(choices)
    # Ties to the lower position: the same answer for the same request.
    best = np.flatnonzero(scores[choices] == scores[choices].max())
    return int(choices[best].min())


def place_pins(index: CatalogIndex, picked: Sequence[int], pins: Sequence[Pin], *,
               usable: BoolArray, n: int, scores: FloatArray, popularity: FloatArray,
               score: Callable[[IntArray], None], keep_last: int | None = None
               ) -> tuple[list[int], set[int]]:
    """``picked`` with the pins placed (at most ``n`` items), and the pinned positions.
    ``score`` writes the scores of the positions it is given into ``scores``;
    ``keep_last``: an item of ``picked`` that stays last (the exploration slot) unless a pin
    takes that slot or its family.

    >>> # place_pins(index, [4, 5, 6], pins, usable=allowed, n=3, ...) -> ([9, 4, 5], {9})
    """
    usable = usable.copy()
    taken: dict[int, int] = {}  # slot → pinned position
    for pin in pins:
        choice = _choice(pin, usable, scores, popularity, score)
        if choice is None:
            continue
        slot = pin.slot
        while slot in taken:
            slot += 1
        if slot >= n:
            continue
        taken[slot] = choice
        # One product per family in a row, and a product pinned once.
        usable[index.in_group(choice)] = False
    if not taken:
        return list(picked), set()
    families = {int(index.groups[p]) for p in taken.values()}
    rest = [p for p in picked if int(index.groups[p]) not in families]
    last = keep_last if keep_last in rest else None
    queue = [p for p in rest if p != last]
    row: list[int] = []
    for slot in range(n):
        if slot in taken:
            row.append(taken[slot])
        elif queue:
            row.append(queue.pop(0))
        elif not any(later > slot for later in taken):
            break
    if last is not None:
        if len(row) < n:
            row.append(last)
        elif row[-1] not in taken.values():
            row[-1] = last
    return row, set(taken.values())

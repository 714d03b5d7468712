"""Pins placed into a ranked row: a family shown once, a short row closes up, the
exploration slot stays last unless a pin takes it, a slot past the row shows nothing."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from prefero.catalog.facets import load_facet_schema
from prefero.merchandising.compiled import Pin
from prefero.recommend.catalog_index import IntArray, ProductRow, index_products
from prefero.recommend.featuring import place_pins

# p0..p5; p1 and p4 are two sizes of one model.
INDEX = index_products([
    ProductRow(f"p{i}", f"P{i}", Decimal(5), None, True, "in_stock", "Shop", None, {}, None,
               item_group_id="m" if i in (1, 4) else None) for i in range(6)],
    schema=load_facet_schema())
EVERYTHING = np.ones(INDEX.size, dtype=bool)


def pin(slot: int, *positions: int, by_order: bool = True) -> Pin:
    return Pin(slot=slot - 1, choices=np.asarray(positions, dtype=np.int64), by_order=by_order)


def place(picked: list[int], pins: list[Pin], *, n: int, usable: np.ndarray = EVERYTHING,
          keep_last: int | None = None, scores: np.ndarray | None = None
          ) -> tuple[list[int], set[int]]:
    scored = scores if scores is not None else np.zeros(INDEX.size)
    seen: list[IntArray] = []
    return place_pins(INDEX, picked, pins, usable=usable, n=n, scores=scored,
                      popularity=np.zeros(INDEX.size), score=seen.append, keep_last=keep_last)


def test_a_pin_takes_its_slot_and_its_family_leaves_the_rest() -> None:
    assert place([0, 1, 2, 3], [pin(2, 4)], n=4) == ([0, 4, 2, 3], {4})
    assert place([0, 2, 3], [pin(1, 2)], n=3) == ([2, 0, 3], {2})  # moved, not repeated


def test_unusable_choices_are_skipped_and_a_conflict_moves_down() -> None:
    usable = EVERYTHING.copy()
    usable[5] = False
    assert place([0, 1, 2], [pin(1, 5, 3)], n=3, usable=usable) == ([3, 0, 1], {3})
    assert place([0, 1, 2], [pin(1, 5)], n=3, usable=usable) == ([0, 1, 2], set())
    assert place([0, 1, 2], [pin(1, 3), pin(1, 5)], n=3) == ([3, 5, 0], {3, 5})
    assert place([0, 1, 2], [pin(4, 3)], n=3) == ([0, 1, 2], set())


def test_a_short_row_closes_up_and_the_exploration_slot_stays_last() -> None:
    assert place([0], [pin(5, 3)], n=6) == ([0, 3], {3})
    assert place([0, 1, 2, 5], [pin(1, 3)], n=4, keep_last=5) == ([3, 0, 1, 5], {3})
    assert place([0, 1, 2, 5], [pin(4, 3)], n=4, keep_last=5) == ([0, 1, 2, 3], {3})


def test_a_pin_by_facet_takes_its_best_scored_product() -> None:
    scores = np.zeros(INDEX.size)
    scores[[3, 5]] = (0.2, 0.9)
    assert place([0, 1], [pin(1, 3, 5, by_order=False)], n=2, scores=scores) == (
        [5, 0], {5})

"""The candidate sources read from a precomputed order choose what a partial sort of the
request's allowed items chooses: the same items, ties at the cut aside."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.recommend.candidates import first_allowed, top_in_order, top_positions


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.7, 1.0]), min_size=1,
                       max_size=60),
       seed=st.integers(0, 2**16), k=st.integers(0, 70))
def test_the_order_gives_the_k_best_allowed_positive_items(values: list[float], seed: int,
                                                           k: int) -> None:
    scores = np.array(values)
    allowed = np.random.default_rng(seed).random(scores.size) < 0.7
    order = np.argsort(-scores, kind="stable")
    got = top_in_order(order, scores, allowed, k)
    want = top_positions(scores, allowed, k)
    assert got.size == want.size
    assert np.all(allowed[got]) and np.all(scores[got] > 0)
    # The same values chosen; which of several tied items makes the cut may differ.
    np.testing.assert_array_equal(np.sort(scores[got]), np.sort(scores[want]))
    if np.unique(scores[allowed & (scores > 0)]).size == np.count_nonzero(allowed & (scores > 0)):
        np.testing.assert_array_equal(np.sort(got), np.sort(want))  # no ties: the same items


@given(values=st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.5]), min_size=1, max_size=80),
       k=st.integers(min_value=1, max_value=30), data=st.data())
def test_the_first_allowed_of_an_order_are_the_stable_sort_of_the_allowed(
    values: list[float], k: int, data: st.DataObject
) -> None:
    appeal = np.array(values)
    candidates = np.array(sorted(data.draw(st.sets(
        st.integers(min_value=0, max_value=len(values) - 1), min_size=1))))
    allowed = np.zeros(appeal.size, dtype=bool)
    allowed[candidates] = True
    expected = candidates[np.argsort(-appeal[candidates], kind="stable")][:k]
    order = np.argsort(-appeal, kind="stable")
    assert first_allowed(order, allowed, k).tolist() == expected.tolist()

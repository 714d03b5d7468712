"""Holm and Benjamini-Hochberg: statsmodels' multipletests on fixed and on generated
p-values, and the properties every adjustment keeps (never below the raw value, never
above 1, order preserved; BH never above Holm)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from prefero.experiments.multiplicity import benjamini_hochberg, holm

FIXED = [[0.01, 0.04, 0.03, 0.2], [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205],
         [0.5], [0.02, 0.02, 0.02, 0.9], [0.0, 1.0, 0.3, 0.3], [0.8, 0.6, 0.7]]
METHODS = [(holm, "holm"), (benjamini_hochberg, "fdr_bh")]


@pytest.fixture
def no_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """statsmodels' Holm branch runs gc.collect() on every call, a good part of a second in
    a test process with a large heap; collecting garbage changes no figure."""
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)


@pytest.mark.parametrize("p_values", FIXED)
@pytest.mark.parametrize(("adjust", "method"), METHODS)
@pytest.mark.usefixtures("no_collection")
def test_equals_statsmodels(p_values: list[float],
                            adjust: Callable[[list[float]], list[float]], method: str) -> None:
    _, expected, _, _ = multipletests(p_values, method=method)
    assert adjust(p_values) == pytest.approx(list(expected), rel=1e-12, abs=1e-15)


p_lists = st.lists(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.01, 0.05, 1.0])),
                   min_size=1, max_size=30)


@pytest.mark.usefixtures("no_collection")
def test_generated_p_values_equal_statsmodels() -> None:
    rng = np.random.default_rng(3)
    for size in rng.integers(1, 40, size=300).tolist():
        # Some exact ties and round values among uniform and small p-values.
        p_values = np.concatenate([rng.uniform(size=size) ** 3,
                                   rng.choice([0.0, 0.01, 0.05, 1.0], size=size // 3)])
        for adjust, method in METHODS:
            _, expected, _, _ = multipletests(p_values, method=method)
            assert adjust(p_values.tolist()) == pytest.approx(list(expected), rel=1e-12,
                                                              abs=1e-15)


@settings(max_examples=300, deadline=None)
@given(p_lists)
def test_adjustments_keep_their_properties(p_values: list[float]) -> None:
    by_holm, by_bh = holm(p_values), benjamini_hochberg(p_values)
    for adjusted in (by_holm, by_bh):
        assert len(adjusted) == len(p_values)
        assert all(raw <= value <= 1.0 for raw, value in zip(p_values, adjusted, strict=True))
        ranked = sorted(zip(p_values, adjusted, strict=True))
        assert all(first[1] <= second[1] for first, second in pairwise(ranked))
    assert all(bh <= h for bh, h in zip(by_bh, by_holm, strict=True))


def test_nothing_to_adjust() -> None:
    assert holm([]) == [] and benjamini_hochberg([]) == []


@pytest.mark.parametrize("bad", [[0.1, 1.5], [-0.01], [float("nan")]])
def test_values_outside_zero_one_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError, match=r"p-values must be numbers in \[0, 1\]"):
        holm(bad)
    with pytest.raises(ValueError, match=r"p-values must be numbers in \[0, 1\]"):
        benjamini_hochberg(bad)

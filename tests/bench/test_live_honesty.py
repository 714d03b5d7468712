"""Explanation honesty on a small demo shop: every reason given to the personas and a sample
of customers, on every placement, passes the independent checker."""

from __future__ import annotations

from prefero.bench.live_honesty import explanation_honesty
from prefero.runtime import Runtime


def test_no_reason_the_checker_cannot_verify(demo_shop: Runtime) -> None:
    figures = explanation_honesty(demo_shop, customers=20, anchors=2)
    assert figures["reasons"] > 1000
    assert set(figures["by_placement"]) == {"home", "product", "cart", "checkout", "search"}
    assert figures["unverified"] == 0, figures["examples"]

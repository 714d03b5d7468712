"""``prefero bench live`` on a small demo shop: the floors the live figures must hold
(issue 11's measures; the full figures are in docs/evaluation.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from prefero.bench.live import ContextEvidence, context_relevance
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture(scope="module")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    path: Path = tmp_path_factory.mktemp("live")
    runtime = Runtime(Settings(data_dir=path / "shop"))
    load_demo(runtime, products=400, customers=300)
    train(runtime)
    runtime.recommender.refresh()
    return runtime


def test_product_and_cart_rows_stay_with_the_page_for_customers_with_likes(
    demo_shop: Runtime,
) -> None:
    figures = context_relevance(demo_shop, pairs=40, seed=0)
    for placement in ("product", "cart"):
        row = figures[placement]
        assert row["items"] >= 40 * 5, row
        assert row["share"] >= 0.9, row


def test_the_evidence_check_can_say_no(demo_shop: Runtime) -> None:
    with demo_shop.session() as session:
        index, model = demo_shop.recommender.snapshot(session)
    evidence = ContextEvidence(index, model)
    anchor = 0
    same = np.flatnonzero(index.vertical_code == index.vertical_code[anchor])
    assert evidence.related(int(same[-1]), [anchor])
    linked = set(model.observed_after(anchor, k=10_000).tolist())
    for kind in ("purchase", "view"):
        linked |= set(model.neighbours(anchor, kind)[0].tolist())
    strangers = [int(p) for p in np.flatnonzero(index.vertical_code != index.vertical_code[anchor])
                 if int(p) not in linked and anchor not in model.neighbours(int(p), "purchase")[0]
                 and anchor not in model.neighbours(int(p), "view")[0]]
    assert strangers, "the demo has items in other aisles with no tie to the anchor"
    assert not any(evidence.related(item, [anchor]) for item in strangers[:50])

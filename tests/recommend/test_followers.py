"""Each item's followers, worked out at training, are what the request path would work out:
the same items and the same scores for every product of a trained shop, through a catalogue
that moved since training too; they survive the artefact's round trip; catalogues above the
bound are left to the request path."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from prefero.catalog.schemas import ProductIn
from prefero.catalog.service import upsert_products
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.artefacts import load_current
from prefero.recommend.followers import FOLLOWERS_K, followers_table, mean_lifted
from prefero.recommend.models import ModelView, build_model_view, served_models
from prefero.recommend.training import TrainingConfig, train
from prefero.runtime import Runtime


def _same_followers(table_view: ModelView, request_view: ModelView, size: int) -> int:
    """Compares every item's followers of the two views; returns how many items have any."""
    with_followers = 0
    for position in range(size):
        (stored, stored_scores), = table_view.followers([position], k=FOLLOWERS_K)
        (worked, worked_scores), = request_view.followers([position], k=FOLLOWERS_K)
        np.testing.assert_array_equal(stored, worked)
        # Training scores a batch of items per matrix product, a request a few: the same
        # arithmetic up to the last bits of a float64.
        np.testing.assert_allclose(stored_scores, worked_scores, rtol=1e-12, atol=1e-12)
        with_followers += bool(stored.size)
    return with_followers


def test_the_table_holds_what_the_request_path_works_out(demo_shop: Runtime) -> None:
    with demo_shop.session() as session:
        index, view = demo_shop.recommender.snapshot(session)
    assert view.artefacts is not None and view.artefacts.followers is not None
    request_view = build_model_view(index, replace(view.artefacts, followers=None))
    assert _same_followers(view, request_view, index.size) > index.size // 2


def test_a_table_reads_through_a_catalogue_that_moved_since_training(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path / "shop"))
    load_demo(runtime, products=120, customers=90)
    # Every model served, so that the item-to-item ones are there to name followers: on so
    # small a shop the choice of models may well serve a factorisation alone.
    train(runtime, config=TrainingConfig(min_tuning_users=10**9))
    with runtime.session(write=True) as session:
        # Sorted among the trained products: every catalogue position after it moves.
        upsert_products(session, [ProductIn(id="p00050a", title="Late arrival",
                                            price=Decimal("9.90"),
                                            currency=runtime.shop_currency)],
                        schema=runtime.facet_schema, converter=runtime.currency_converter)
    runtime.recommender.refresh()
    with runtime.session() as session:
        index, view = runtime.recommender.snapshot(session)
    assert view.artefacts is not None and view.artefacts.followers is not None
    assert not view._aligned  # the catalogue is not the artefact's item order any more
    late = index.position["p00050a"]
    assert view.followers([late], k=FOLLOWERS_K)[0][0].size == 0  # never seen by training
    request_view = build_model_view(index, replace(view.artefacts, followers=None))
    assert _same_followers(view, request_view, index.size) > 0


def test_the_table_is_mean_lifted_read_at_the_observed_items(demo_shop: Runtime) -> None:
    artefacts = load_current(demo_shop.settings.artefact_dir)
    assert artefacts is not None and artefacts.followers is not None
    # The served history models with their weights; the form model takes no part.
    history, weights, _form = served_models(artefacts)
    models = list(history.values())
    n = len(artefacts.item_ids)
    rebuilt = followers_table(models, n_items=n, weights=weights)
    saved = artefacts.followers.arrays()
    for name, array in rebuilt.arrays().items():
        if name.endswith("scores"):
            # BLAS may sum in another order where this process runs it on another number
            # of threads than training did (a server worker pins one): the last bits move.
            np.testing.assert_allclose(array, saved[name], rtol=1e-12, atol=1e-15,
                                       err_msg=name)
        else:
            np.testing.assert_array_equal(array, saved[name], err_msg=name)
    item = int(np.argmax(np.diff(rebuilt.indptr)))
    items, scores = rebuilt.of(item)
    alone = mean_lifted(models, [np.array([item])], n_items=n, weights=weights)[0]
    np.testing.assert_allclose(scores, alone[items], rtol=1e-12, atol=1e-12)
    assert np.all((scores >= 0) & (scores <= 1))


def test_catalogues_above_the_bound_are_left_to_the_request_path(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path / "shop"))
    load_demo(runtime, products=60, customers=40)
    said: list[str] = []
    train(runtime, config=TrainingConfig(followers_up_to=59), progress=said.append)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None and artefacts.models
    assert artefacts.followers is None
    assert any("followers left to the request path" in line for line in said)


@pytest.mark.parametrize("k", [FOLLOWERS_K - 1, FOLLOWERS_K + 1])
def test_another_depth_is_worked_out_not_read(demo_shop: Runtime, k: int) -> None:
    with demo_shop.session() as session:
        index, view = demo_shop.recommender.snapshot(session)
    assert view.artefacts is not None and view.artefacts.followers is not None
    fresh = build_model_view(index, view.artefacts)
    request_view = build_model_view(index, replace(view.artefacts, followers=None))
    busiest = int(np.argmax(np.diff(np.asarray(view.artefacts.followers.indptr))))
    (got, got_scores), = fresh.followers([busiest], k=k)
    (want, want_scores), = request_view.followers([busiest], k=k)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_scores, want_scores)
    assert fresh._followers  # worked out and kept, not read from the table

"""A like that the customer has not confirmed for windows on end weighs less, and gets its
weight back the moment it is confirmed, on both databases and through the declared cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from factories import activity, add_products, customer, product
from prefero.customers.confirmation import ValueRef, confirm_values
from prefero.customers.models import Preference
from prefero.recommend.declared_cache import Declared
from prefero.recommend.declared_shared import decode, encode
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.runtime import Runtime

CAMERAS = "Electronics > Photo > Cameras"
NOW = datetime.now(UTC)


def _shop(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [
            product("cam-canon", category=CAMERAS, price=3000, brand="Canon"),
            product("cam-sony", category=CAMERAS, price=3000, brand="Sony"),
        ])
        activity(s, {"cam-canon": 50, "cam-sony": 50})
        # Canon is loved, Sony merely liked: fresh, Canon comes first.
        customer(s, "c1", level="declared", likes=[("brand", "canon", 1.0),
                                                   ("brand", "sony", 0.6)])
    train(runtime)


def _ranked(runtime: Runtime, *, now: datetime) -> list[str]:
    """The request as the engine serves it (its declared cache in use), at ``now``."""
    with runtime.session() as s:
        profile = runtime.recommender.profile(s, "c1", now=now)
        result = runtime.recommender.recommend(
            s, RecommendationQuery(customer_id="c1", n=2, exploration=False), profile=profile)
    return [item.product_id for item in result.items]


def test_a_stale_like_ranks_lower_and_recovers_when_confirmed(runtime: Runtime) -> None:
    _shop(runtime)
    assert _ranked(runtime, now=NOW) == ["cam-canon", "cam-sony"]
    with runtime.session() as s:  # Canon confirmed 795 days ago, two windows past: 1.0 / 4
        s.execute(update(Preference).where(Preference.value == "canon")
                  .values(confirmed_at=NOW - timedelta(days=3 * 365 - 300)))
    assert _ranked(runtime, now=NOW) == ["cam-sony", "cam-canon"]
    with runtime.session() as s:
        confirm_values(s, customer_id="c1", now=NOW, values=[
            ValueRef(kind="like", facet="brand", value="canon")])
    assert _ranked(runtime, now=NOW) == ["cam-canon", "cam-sony"]


def test_time_alone_decays_a_cached_like(runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session() as s:  # both fresh today; Canon was confirmed 300 days earlier
        s.execute(update(Preference).where(Preference.value == "canon")
                  .values(confirmed_at=NOW - timedelta(days=300)))
        s.execute(update(Preference).where(Preference.value == "sony")
                  .values(confirmed_at=NOW))
    assert _ranked(runtime, now=NOW) == ["cam-canon", "cam-sony"]  # and now cached
    # Nothing is written, so the cached entry stands: 431 days on, Canon is in its third
    # window (1.0 / 4) and Sony in its second (0.6 / 2).
    assert _ranked(runtime, now=NOW + timedelta(days=431)) == ["cam-sony", "cam-canon"]


def test_the_shared_cache_keeps_the_confirmation_times() -> None:
    declared = Declared(revision=3, consents={}, likes=(("brand", "canon", 1.0),),
                        confirmed={("brand", "canon"): NOW})
    assert decode(encode(declared)) == declared

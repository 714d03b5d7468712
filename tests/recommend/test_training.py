"""Offline training: what goes into the artefacts, and what must stay out."""

from __future__ import annotations

from factories import activity, add_products, consent, customer, events, product
from prefero.recommend.artefacts import KEEP_VERSIONS, load_current
from prefero.recommend.training import train
from prefero.runtime import Runtime


def _neighbours(runtime: Runtime, item: str) -> list[str]:
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    row = artefacts.co_purchase_idx[artefacts.item_ids.index(item)]
    return [artefacts.item_ids[i] for i in row if i >= 0]


def test_popularity_and_trending_come_from_the_anonymous_counters(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("old-hit", "rising", "none")])
        activity(s, {"old-hit": 100}, kind="view", days_ago=60)
        activity(s, {"rising": 30}, kind="view", days_ago=1)
    train(runtime)
    artefacts = load_current(runtime.settings.artefact_dir)
    assert artefacts is not None
    pop = dict(zip(artefacts.item_ids, artefacts.popularity.tolist(), strict=True))
    trend = dict(zip(artefacts.item_ids, artefacts.trending.tolist(), strict=True))
    assert pop["old-hit"] > pop["rising"] > pop["none"] == 0
    assert trend["rising"] > trend["old-hit"] == 0  # 60 days ago is outside the window


def test_co_purchase_uses_only_customers_who_still_consent(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c")])
        for who, pair in (("keeps", ("a", "b")), ("leaves", ("a", "c"))):
            customer(s, who)
            consent(s, who, "tracking", True)
            events(s, who, [("purchase", pair[0]), ("purchase", pair[1])], session_id=who)
    train(runtime)
    assert set(_neighbours(runtime, "a")) == {"b", "c"}
    with runtime.session() as s:
        consent(s, "leaves", "tracking", False)
    train(runtime)
    assert _neighbours(runtime, "a") == ["b"]


def test_each_training_publishes_a_version_and_keeps_only_the_last_few(
    runtime: Runtime,
) -> None:
    with runtime.session() as s:
        add_products(s, [product("a", category="Shop")])
    versions = [train(runtime) for _ in range(KEEP_VERSIONS + 2)]
    assert len(set(versions)) == len(versions)
    current = load_current(runtime.settings.artefact_dir)
    assert current is not None and current.version == versions[-1]
    kept = sorted(p.name for p in runtime.settings.artefact_dir.iterdir() if p.is_dir()
                  and not p.name.startswith("."))
    assert kept == versions[-KEEP_VERSIONS:]

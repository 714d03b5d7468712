"""The demo shop's campaigns: stored once; on its storefront a running shoe is pinned at slot 4
of the home row and eco-friendly products are featured on cart pages, each claim borne out by
the independent checker."""

from __future__ import annotations

from prefero.demo.merchandising import DEMO_CAMPAIGNS, seed_merchandising
from prefero.merchandising.service import list_rules
from prefero.recommend.honesty import unverified
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.runtime import Runtime


def test_the_demo_campaigns_show_and_are_verified(demo_shop: Runtime) -> None:
    engine = demo_shop.recommender
    with demo_shop.session() as session:
        assert [rule.name for rule in list_rules(session)] == [c.name for c in DEMO_CAMPAIGNS]
        assert seed_merchandising(session, schema=demo_shop.facet_schema) == 0  # once only
        index, model = engine.snapshot(session)
        rules = engine.merchandising(session).source.rules
        profile = engine.profile(session, None)

        def checked(query: RecommendationQuery) -> RecommendationResult:
            result = engine.recommend(session, query)
            assert unverified(result, query=query, index=index, model=model, profile=profile,
                              rules=rules) == []
            return result

        home = checked(RecommendationQuery(n=10))
        fourth = home.items[3]
        assert fourth.category.startswith("Fashion > Shoes > Running")
        assert [i for i, item in enumerate(home.items)
                if item.reasons[0].code == "featured"] == [3]
        shirt = next(p for p in range(index.size) if index.eligible[p]
                     and index.categories[p].startswith("Fashion > Tops"))
        cart = checked(RecommendationQuery(placement="cart", cart=(index.ids[shirt],), n=10))
        featured = [item for item in cart.items if item.reasons[0].code == "featured"]
        assert featured
        for item in featured:
            assert index.facet_values[index.position[item.product_id]].get("eco") is True

"""The independent reason checker: it refuses claims the evidence does not bear out, and over
random catalogues, artefacts, profiles and histories every reason the pipeline gives passes
it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.recommend.catalog_index import ProductRow, index_products
from prefero.recommend.config import PipelineConfig
from prefero.recommend.honesty import unverified
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile, HistoryItem
from prefero.recommend.query import (
    LikedValue,
    Reason,
    ReasonParams,
    RecommendationQuery,
    RecommendationResult,
    RecommendedItem,
)
from recommend.test_constraint_properties import (
    SCHEMA,
    catalogs,
    profiles,
    queries,
    random_model,
)

NOW = datetime(2026, 11, 2, tzinfo=UTC).timestamp()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_reason_the_pipeline_gives_is_verified(data: st.DataObject) -> None:
    rows = sorted(data.draw(catalogs()), key=lambda r: r.id)
    index = index_products(rows, schema=SCHEMA)
    ids = [r.id for r in rows]
    profile = data.draw(profiles(ids))
    query = data.draw(queries(ids))
    model = random_model(index, data.draw(st.integers(0, 2**16)))
    show_all = data.draw(st.booleans())
    result = run_pipeline(index=index, model=model, profile=profile, query=query,
                          config=PipelineConfig(), apply_preferences=not show_all, now=NOW)
    assert unverified(result, query=query, index=index, model=model, profile=profile,
                      now=NOW) == []


def _one(reason: Reason, product_id: str = "p00") -> RecommendationResult:
    item = RecommendedItem(product_id=product_id, score=1.0, title="Item", price=10.0,
                           currency="PLN", category="Food > Bread", reasons=[reason],
                           basis="declared")
    return RecommendationResult(customer_id="c1", placement="home", level="full",
                                effective_level="full", basis="declared", items=[item],
                                artefact_version=None, config_digest="x")


def test_fabricated_claims_are_caught() -> None:
    rows = [ProductRow(id=f"p{i:02d}", title=f"Item {i}", price=Decimal(10 + i),
                       sale_price=None, active=True, availability="in_stock",
                       category="Food > Bread", brand="acme",
                       facets={"category": "Food > Bread", "brand": "acme"}, created_at=None)
            for i in range(3)]
    index = index_products(rows, schema=SCHEMA)
    model = random_model(index, 1)
    profile = CustomerProfile(
        customer_id="c1", level="full",
        consents={"tracking": True, "personalization": True, "context": True,
                  "marketing_email": False, "marketing_push": False},
        likes=(("brand", "acme", 1.0),), budget_max=5.0,
        history=(HistoryItem("p01", "view", datetime(2026, 11, 1, tzinfo=UTC)),))
    query = RecommendationQuery(customer_id="c1", n=3)

    def why(reason: Reason) -> list[str]:
        return [u.why for u in unverified(_one(reason), query=query, index=index,
                                          model=model, profile=profile, now=NOW)]

    assert why(Reason(code="declared_like", text="", params=ReasonParams(
        likes=(LikedValue(facet="brand", value="acme", label="Acme"),)))) == []
    assert why(Reason(code="declared_like", text="", params=ReasonParams(
        likes=(LikedValue(facet="brand", value="bolt", label="Bolt"),))))
    assert why(Reason(code="within_budget", text="", params=ReasonParams(amount=5.0)))
    assert why(Reason(code="co_purchase", text="", params=ReasonParams(
        product_id="p01", product_title="Item 1")))  # viewed, never bought
    assert why(Reason(code="also_chosen", text="", params=ReasonParams(
        product_id="p01", product_title="Item 1")))  # not on the page
    assert why(Reason(code="made_up", text=""))
    withdrawn = CustomerProfile(customer_id="c1", level="full",
                                consents={"tracking": False, "personalization": True},
                                history=profile.history)
    assert unverified(_one(Reason(code="co_view", text="", params=ReasonParams(
        product_id="p01", product_title="Item 1"))), query=query, index=index, model=model,
        profile=withdrawn, now=NOW)

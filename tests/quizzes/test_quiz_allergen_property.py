"""Property: whatever the catalogue and the answers, no quiz result (pick or add-on service)
ever contains an allergen the customer excluded — in the quiz or in their own profile — even
when other answers push exactly those products up; nor, then, a grocery or cosmetic that
states no allergens (unknown is not safe)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.results import quiz_results
from prefero.recommend.catalog_index import ProductRow, index_products
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()
ALLERGENS = ["gluten", "nuts", "lactose", "soy"]
CATEGORIES = ["Groceries > Bread", "Groceries > Snacks", "Groceries > Services",
              "Cosmetics > Creams", "Fashion > Shirts"]
CONSENTS: Any = {"tracking": False, "personalization": True, "context": False,
                 "marketing_email": False, "marketing_push": False}


def _quiz(policy: str, n: int) -> QuizDefinition:
    avoid = [{"id": a, "label": a.title(), "effects": [
        {"type": "constraint", "op": "never", "facet": "allergens", "values": [a]}]}
        for a in ALLERGENS]
    # Answers that pull the excluded products up: a leak would surface first.
    crave = [{"id": a, "label": f"Love {a}", "effects": [
        {"type": "upvote", "where": {"facet": "allergens", "values": [a]}, "strength": 10},
        {"type": "set_weight", "facet": "allergens", "value": a, "weight": 1},
        {"type": "include", "where": {"facet": "allergens", "values": [a]}}]}
        for a in ALLERGENS]
    return QuizDefinition.model_validate({
        "id": "allergy", "kind": "guided_selling", "title": "Allergies",
        "scope": {"facet": "category", "values": ["Groceries", "Cosmetics"]},
        "results": {"n": n, "policy": policy},
        "questions": [
            {"id": "avoid", "type": "multiple", "text": "Avoid?", "required": False,
             "options": avoid},
            {"id": "crave", "type": "multiple", "text": "Love?", "required": False,
             "options": crave},
            {"id": "help", "type": "single", "text": "Help?", "options": [
                {"id": "yes", "label": "Yes", "wants_assistance": True},
                {"id": "no", "label": "No"}]},
        ]})


@st.composite
def catalogues(draw: st.DrawFn) -> list[ProductRow]:
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=25))):
        facets: dict[str, Any] = {}
        if draw(st.booleans()):
            facets["allergens"] = draw(st.lists(st.sampled_from(ALLERGENS), unique=True))
        if draw(st.booleans()):
            facets["tags"] = ["service"]
        rows.append(ProductRow(
            id=f"p{i:02d}", title=f"Item {i}", price=Decimal(draw(st.integers(1, 200))),
            sale_price=None, active=draw(st.booleans()) or draw(st.booleans()),
            availability=draw(st.sampled_from(["in_stock", "in_stock", "out_of_stock"])),
            category=draw(st.sampled_from(CATEGORIES)), brand=None, facets=facets,
            created_at=None))
    return rows


@settings(max_examples=60, deadline=None)
@given(rows=catalogues(), avoid=st.lists(st.sampled_from(ALLERGENS), unique=True),
       crave=st.lists(st.sampled_from(ALLERGENS), unique=True),
       declared=st.lists(st.sampled_from(ALLERGENS), unique=True, max_size=2),
       policy=st.sampled_from(["fill", "exact_only"]), n=st.integers(1, 10),
       help_=st.booleans())
def test_no_result_contains_an_excluded_allergen(
        rows: list[ProductRow], avoid: list[str], crave: list[str], declared: list[str],
        policy: str, n: int, help_: bool) -> None:
    index = index_products(rows, schema=SCHEMA)
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=tuple(("allergens", a) for a in declared),
                         likes=tuple(("allergens", a, 1.0) for a in ALLERGENS))
    answers = [Answer("avoid", tuple(avoid)), Answer("crave", tuple(crave)),
               Answer("help", ("yes" if help_ else "no",))]
    found = quiz_results(index, _quiz(policy, n), answers, customer=me, schema=SCHEMA)

    banned = set(avoid) | set(declared)
    by_id = {row.id: row for row in rows}
    shown = [p.product_id for p in found.picks] + [s.product_id
                                                   for s in found.add_on_services]
    for product_id in shown:
        row = by_id[product_id]  # checked on the raw rows, not through the index
        assert not banned & set(row.facets.get("allergens", [])), (product_id, banned)
        if banned and "allergens" not in row.facets:
            assert not row.category.startswith(("Groceries", "Cosmetics")), product_id
        assert row.active and row.availability != "out_of_stock"
    assert len(found.picks) <= n
    assert not {p.product_id for p in found.picks} & {s.product_id
                                                      for s in found.add_on_services}
    if not help_:
        assert found.add_on_services == ()

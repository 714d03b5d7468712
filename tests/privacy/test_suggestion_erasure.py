"""Suggestion decisions are part of what the customer sees about themselves, and erasure
removes them along with everything else."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import add_products, customer, events, product
from prefero.catalog.models import Product
from prefero.customers.models import SuggestionDecision
from prefero.customers.suggestions import accept, reject, suggestions
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime


def _others() -> list[Product]:
    """Products the customers do not buy: a value every product carries suggests nothing."""
    return [product(f"q{i}", category="Groceries > Bakery", brand="Plain") for i in range(5)]


def decide_everything(runtime: Runtime, cid: str) -> None:
    with runtime.session() as s:
        customer(s, cid)
        events(s, cid, [("purchase", f"p{i}") for i in range(5)])
    with runtime.session() as s:
        found = suggestions(s, customer_id=cid, settings=runtime.settings)
        assert len(found) >= 2
        accept(s, customer_id=cid, suggestion_id=found[0].id, settings=runtime.settings,
               schema=runtime.facet_schema)
        reject(s, customer_id=cid, suggestion_id=found[1].id, settings=runtime.settings,
               schema=runtime.facet_schema)


def decisions_of(runtime: Runtime, cid: str) -> int:
    with runtime.session() as s:
        return int(s.scalar(select(func.count()).select_from(SuggestionDecision)
                            .where(SuggestionDecision.customer_id == cid)) or 0)


def test_erasure_removes_suggestion_decisions(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(f"p{i}", category="Groceries > Snacks", brand="Acme",
                                 facets={"organic": True}) for i in range(5)]
                     + _others())
    decide_everything(runtime, "erase-me-77")
    decide_everything(runtime, "bystander-3")
    assert decisions_of(runtime, "erase-me-77") == 2

    with runtime.session() as s:
        receipt = erase_customer(s, customer_id="erase-me-77", settings=runtime.settings)

    assert receipt.deleted["suggestion_decisions"] == 2
    assert decisions_of(runtime, "erase-me-77") == 0
    assert decisions_of(runtime, "bystander-3") == 2


def test_data_export_lists_suggestion_decisions(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(f"p{i}", category="Groceries > Snacks", brand="Acme",
                                 facets={"organic": True}) for i in range(5)]
                     + _others())
    decide_everything(runtime, "asks-77")
    with runtime.session() as s:
        data = customer_data(s, customer_id="asks-77", settings=runtime.settings)
    assert sorted(d.decision for d in data.suggestion_decisions) == ["accepted", "rejected"]

"""The sign-in page's personas say what each declared, and nothing it did not."""

from __future__ import annotations

from decimal import Decimal

from prefero.customers.schemas import Budget, Constraint, Like, PreferencesOut, SizeSet
from prefero.demo import load_demo
from prefero.demo.personas import demo_personas, persona_of
from prefero.runtime import Runtime


def test_a_persona_is_its_strongest_likes_and_its_rules() -> None:
    profile = PreferencesOut(
        customer_id="c1", effective_level="declared",
        likes=[Like(facet="brand", value=v, weight=w)
               for v, w in (("a", 0.2), ("b", 0.9), ("c", 0.5), ("d", 0.7), ("e", -1.0))],
        constraints=[Constraint(facet="allergens", op="never", values=["gluten", "milk"]),
                     Constraint(facet="diet", op="must", values=["vegan", "organic"])],
        budget=Budget(max=Decimal("300")),
        sizes=[SizeSet(category="Fashion > Shoes", values=["42"]),
               SizeSet(category="Fashion > Shoes", values=["43"])])
    persona = persona_of(profile, tracking=False)
    assert persona.likes == (("brand", "b"), ("brand", "d"), ("brand", "c"))
    assert persona.more_likes == 1  # "a"; the dislike "e" is not a like
    assert persona.never == (("allergens", "gluten"), ("allergens", "milk"))
    assert persona.must == (("diet", "vegan"),) and persona.more_rules == 1
    assert (persona.budget_min, persona.budget_max) == (None, Decimal("300"))
    assert persona.sized_categories == 1 and persona.tracking is False
    assert persona.level == "declared" and persona.declared


def test_a_persona_that_declared_nothing_says_so() -> None:
    persona = persona_of(PreferencesOut(customer_id="c2", effective_level="off"),
                         tracking=True)
    assert not persona.declared and persona.likes == () and persona.never == ()


def test_the_named_personas_come_first_and_visitors_never(runtime: Runtime) -> None:
    load_demo(runtime, products=120, customers=60)
    with runtime.session() as session:
        found = demo_personas(session, settings=runtime.settings)
    ids = [p.customer_id for p in found]
    assert ids[:2] == ["c00001", "c00002"] and len(ids) == len(set(ids)) <= 8
    gluten = found[0]
    assert ("allergens", "gluten") in gluten.never and gluten.likes and gluten.tracking
    assert found[1].level == "off" and not found[1].tracking

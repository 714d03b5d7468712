"""Unknown is not safe for safety facets: under a "never" rule on allergens (or diet), a
product in a category the facet covers that states nothing is hidden, counted apart from the
rule's own hits, explained the same way, and shown again when the customer asks for all."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.errors import InvalidInput
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.constraints import (
    ConstraintLeak,
    HiddenCount,
    allowed_mask,
    assert_allowed,
    hidden_by_rule,
    violations,
)
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()


def _row(pid: str, category: str, **facets: Any) -> ProductRow:
    return ProductRow(pid, pid, Decimal(5), None, True, "in_stock", category, None,
                      {"category": category, **facets}, None)


ROWS = [
    _row("bread-gluten", "Groceries > Bakery > Bread", allergens=["gluten"]),
    _row("bread-none", "Groceries > Bakery > Bread", allergens=[], diet=[]),
    _row("bread-unlabelled", "Groceries > Bakery > Bread"),  # a feed import: no allergen data
    _row("cream-unlabelled", "Cosmetics > Face"),
    _row("cream-nuts", "Cosmetics > Face", allergens=["nuts"]),
    _row("tee", "Fashion > Tops"),  # allergens say nothing about a T-shirt
    _row("phone-case", "Electronics", allergens=["latex"]),
]


def _index(rows: list[ProductRow] = ROWS) -> CatalogIndex:
    return index_products(sorted(rows, key=lambda r: r.id), schema=SCHEMA)


def _never(*rules: tuple[str, str]) -> CustomerProfile:
    return CustomerProfile(customer_id="c1", level="balanced", consents={}, never=rules)


def _shown(index: CatalogIndex, mask: np.ndarray[Any, Any]) -> set[str]:
    return {index.ids[p] for p in np.flatnonzero(mask).tolist()}


def test_a_never_allergen_rule_hides_unlabelled_products_where_allergens_apply() -> None:
    index = _index()
    profile = _never(("allergens", "gluten"))
    assert _shown(index, allowed_mask(index, profile)) == {
        "bread-none", "cream-nuts", "tee", "phone-case"}
    # "show everything" lifts it like any rule
    assert _shown(index, allowed_mask(index, profile, apply_preferences=False)) == set(index.ids)


def test_the_unlabelled_are_counted_apart_from_the_rule_itself() -> None:
    index = _index()
    profile = _never(("allergens", "gluten"), ("allergens", "nuts"))
    counts = hidden_by_rule(index, profile, index.eligible)
    assert counts == [
        HiddenCount("never:allergens=gluten", "never allergens: gluten", 1),
        HiddenCount("never:allergens=nuts", "never allergens: nuts", 1),
        # one group for the facet, however many of its values the customer excludes
        HiddenCount("missing:allergens", "no information on allergens", 2,
                    missing_information=True),
    ]


def test_the_product_itself_says_why_it_is_hidden() -> None:
    index = _index()
    profile = _never(("allergens", "gluten"))
    assert violations(index, index.position["bread-unlabelled"], profile) == [
        "missing:allergens"]
    assert violations(index, index.position["bread-gluten"], profile) == [
        "never:allergens=gluten"]
    assert violations(index, index.position["bread-none"], profile) == []
    assert violations(index, index.position["tee"], profile) == []
    with pytest.raises(ConstraintLeak, match="missing:allergens"):
        assert_allowed(index, [index.position["cream-unlabelled"]], profile)
    assert_allowed(index, [index.position["cream-unlabelled"]], profile,
                   apply_preferences=False)


def test_diet_is_a_safety_facet_for_groceries_only() -> None:
    index = _index()
    profile = _never(("diet", "keto"))
    hidden = set(index.ids) - _shown(index, allowed_mask(index, profile))
    # diet covers Groceries: an unlabelled cream is not hidden by a diet rule
    assert hidden == {"bread-gluten", "bread-unlabelled"}


def test_must_and_like_rules_are_unchanged() -> None:
    index = _index()
    likes = CustomerProfile(customer_id="c1", level="balanced", consents={},
                            likes=(("allergens", "gluten", -1.0),))
    assert _shown(index, allowed_mask(index, likes)) == set(index.ids)
    assert hidden_by_rule(index, likes, index.eligible) == []


def test_a_schema_without_safety_facets_keeps_unknown_visible(tmp_path: Path) -> None:
    path = tmp_path / "facets.yaml"
    path.write_text(
        "facets:\n"
        "  - {name: category, type: category_path, label: Category, preferable: true}\n"
        "  - {name: allergens, type: multi, label: Allergens, preferable: true,\n"
        "     applies_to: [Groceries]}\n", "utf-8")
    index = index_products(sorted(ROWS, key=lambda r: r.id), schema=load_facet_schema(path))
    profile = _never(("allergens", "gluten"))
    assert set(index.ids) - _shown(index, allowed_mask(index, profile)) == {"bread-gluten"}
    assert violations(index, index.position["bread-unlabelled"], profile) == []


@pytest.mark.parametrize("facet, message", [
    ("{name: allergens, type: multi, label: A, safety: true}", "needs applies_to"),
    ("{name: kcal, type: numeric, label: K, safety: true, applies_to: [Food]}",
     "cannot be a safety facet"),
])
def test_a_safety_facet_must_say_where_it_applies(tmp_path: Path, facet: str,
                                                   message: str) -> None:
    path = tmp_path / "facets.yaml"
    path.write_text("facets:\n  - {name: category, type: category_path, label: Category}\n"
                    f"  - {facet}\n", "utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_facet_schema(path)
    assert message in str(raised.value.errors)


def test_none_states_that_a_product_has_no_allergens() -> None:
    assert SCHEMA.coerce("allergens", "None") == []
    assert SCHEMA.coerce("allergens", ["NONE"]) == []
    assert SCHEMA.coerce("color", "none") == ["none"]  # only safety facets read it so
    with pytest.raises(ValueError, match="cannot stand with other values"):
        SCHEMA.coerce("allergens", "none, gluten")

"""Reasons worded for shoppers in English and Polish: labels, not raw values; money with its
currency; titles as the shop wrote them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.query import LikedValue, ReasonParams
from prefero.recommend.wording import MESSAGES, word

SCHEMA = load_facet_schema()
RAW = re.compile(r"\b(true|false|None)\b|\de[+-]?\d|\{\w*\}")


def _likes(*pairs: tuple[str, str]) -> ReasonParams:
    return ReasonParams(likes=tuple(LikedValue(facet=f, value=v, label=v) for f, v in pairs))


def test_liked_values_read_as_labels_in_both_languages() -> None:
    params = _likes(("skin_type", "combination"), ("sugar_free", "true"),
                    ("condition", "new"))
    assert word("declared_like", params, schema=SCHEMA, language="en") == (
        "Matches your preferences (Skin type: combination, Sugar-free, Condition: new)")
    polish = word("declared_like", params, schema=SCHEMA, language="pl")
    assert polish.startswith("Pasuje do Twoich preferencji (Typ skóry: mieszana, ")
    assert not RAW.search(polish) and "new" not in polish


def test_a_brand_keeps_the_shops_spelling_and_is_said_once() -> None:
    params = ReasonParams(likes=(LikedValue(facet="brand", value="h&m", label="H&M"),
                                 LikedValue(facet="ecosystem", value="h&m", label="h&m")))
    assert word("declared_like", params, schema=SCHEMA, language="pl") == (
        "Pasuje do Twoich preferencji (H&M)")


def test_a_budget_carries_its_currency_and_never_an_exponent() -> None:
    params = ReasonParams(amount=1_000_000.0, currency="PLN")
    assert word("within_budget", params, schema=SCHEMA, language="pl") == (
        "Mieści się w Twoim budżecie: 1\u00a0000\u00a0000,00\u00a0zł")
    assert "1,000,000.00" in word("within_budget", params, schema=SCHEMA, language="en")


def test_titles_stay_as_the_shop_wrote_them() -> None:
    params = ReasonParams(product_id="p1", product_title="Lindt Excellence 70%")
    assert word("similar", params, schema=SCHEMA, language="pl") == (
        "Podobne do: Lindt Excellence 70%")


def test_a_product_without_a_category_is_popular_in_the_shop() -> None:
    assert word("popular", ReasonParams(), schema=SCHEMA, language="en") == (
        "Popular in our shop")
    assert word("popular", ReasonParams(category="Groceries > Sweets > Chocolate"),
                schema=SCHEMA, language="pl") == "Popularne w kategorii Czekolada"


@pytest.mark.parametrize("code", sorted(MESSAGES))
@pytest.mark.parametrize("language", ["en", "pl"])
def test_every_code_is_worded_without_raw_values(code: str, language: str) -> None:
    params = ReasonParams(product_id="p1", product_title="Tee",
                          likes=(LikedValue(facet="vegan", value="true", label="true"),),
                          category="Fashion > Tops > T-Shirts", amount=50.0, currency="PLN")
    text = word(code, params, schema=SCHEMA, language=language)
    assert text and not RAW.search(text)
    if language == "pl":
        assert text != MESSAGES[code]  # translated, not the English message


@given(amount=st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_any_budget_reads_as_money(amount: float) -> None:
    text = word("within_budget", ReasonParams(amount=amount, currency="EUR"), schema=SCHEMA,
                language="pl")
    assert text.endswith("€") and not RAW.search(text)

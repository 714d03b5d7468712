"""JSON Lines feeds: ProductIn keys and Merchant Center names, one object per line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.catalog.feeds import FeedError, FeedFormat, ParsedRow, RowError, parse_feed

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def schema() -> FacetSchema:
    return load_facet_schema()


def _rows(text: str, schema: FacetSchema) -> list[ParsedRow]:
    return list(parse_feed(text.encode(), schema=schema, format="jsonl"))


def test_jsonl_feed_parses_exactly(schema: FacetSchema) -> None:
    feed = parse_feed((DATA / "pantry.jsonl").read_bytes(), schema=schema,
                      filename="pantry.jsonl")
    rows = list(feed)
    assert feed.format is FeedFormat.JSONL
    assert [row.line for row in rows] == [1, 3, 4]  # line 2 is blank
    bar, oat, buckwheat = (row.product for row in rows)
    assert bar is not None and oat is not None and buckwheat is not None

    assert (bar.id, bar.price, bar.currency) == ("V-1", Decimal("2.49"), "EUR")
    assert bar.facets == {"diet": ["vegan"], "allergens": ["soy", "nuts"],
                          "category": "Food > Snacks"}

    assert (oat.id, oat.title, oat.price, oat.availability) == ("V-2", "Oat drink 1 l",
                                                                Decimal("1.79"), "in_stock")
    assert oat.category == "Food > Drinks"
    assert oat.additional_image_links == ["https://shop.example.com/oat-1.jpg",
                                          "https://shop.example.com/oat-2.jpg"]
    assert oat.facets == {"diet": ["vegan", "lactose free"], "organic": True,
                          "category": "Food > Drinks"}

    assert buckwheat.title == "Гречка органическая"
    assert buckwheat.description == "Без глютена"
    assert (buckwheat.price, buckwheat.currency) == (Decimal("3.20"), "EUR")
    assert buckwheat.facets == {"sugar_free": True, "brand": "поле"}
    assert feed.warnings == [
        "availability is missing: imported as in stock (lines 1, 4)",
        "key 'calories' is neither a product field nor a facet of the schema; ignored",
    ]


def test_jsonl_row_errors(schema: FacetSchema) -> None:
    text = "\n".join([
        '{"id": "A", "title": "ok", "price": "1 EUR"}',
        '{"id": "B", "title": "broken", "price": 1,}',
        '["not", "an", "object"]',
        '{"id": "C", "title": "T", "price": 5}',
        '{"id": "D", "title": "T", "price": "5 EUR", "facets": {"megapixels": "x", "fizz": 1}}',
        '{"id": 7, "title": ["a"], "price": NaN, "currency": "EUR"}',
        '{"id": "E", "title": "T", "price": "2 EUR", "facets": "vegan"}',
        '{"id": "F", "title": "T", "price": "2 EUR", "active": "perhaps", "brand": {"x": 1}}',
    ])
    errors = [error for row in _rows(text, schema) for error in row.errors]
    assert errors == [
        RowError(2, None, "not valid JSON: Expecting property name enclosed in double quotes "
                 "(column 43)"),
        RowError(3, None, "expected a JSON object, got an array"),
        RowError(4, "price", "has no currency code; write it like '12.99 USD' or give a currency",
                 "C"),
        RowError(5, "facets.megapixels", "expected a number, got 'x'", "D"),
        RowError(5, "facets.fizz", "unknown facet 'fizz'; the facet schema does not define it",
                 "D"),
        RowError(6, None, "not valid JSON: NaN is not a JSON number"),
        RowError(7, "facets", "expected an object of facet values, got text", "E"),
        RowError(8, "active", "expected yes or no, got 'perhaps'", "F"),
        RowError(8, "brand", "expected text, got an object", "F"),
    ]


def test_numbers_become_ids_and_exact_prices(schema: FacetSchema) -> None:
    rows = _rows('{"id": 1042, "title": "T", "price": 19.90, "currency": "usd"}', schema)
    product = rows[0].product
    assert product is not None
    assert (product.id, str(product.price), product.currency) == ("1042", "19.90", "USD")


def test_a_json_array_file_is_refused_with_a_hint(schema: FacetSchema) -> None:
    with pytest.raises(FeedError) as caught:
        _rows('\n[{"id": "A"}]', schema)
    assert caught.value.line == 2
    assert caught.value.reason == (
        "the file is one JSON array; JSON Lines needs one product object per line"
    )

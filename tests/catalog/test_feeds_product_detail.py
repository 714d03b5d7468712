"""Allergen and diet data in Merchant feeds, which have no field for them: ``product_detail``
entries (XML sub-elements, the text form "section:name:value", JSON objects) and custom
attributes named after the facet. "none" states that a product has no allergens; an empty
or missing value stays unknown, and unknown is not safe (tests/recommend/test_constraints.py)."""

from __future__ import annotations

import json

import pytest

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.catalog.feeds import ParsedRow, parse_feed

G = 'xmlns:g="http://base.google.com/ns/1.0"'


@pytest.fixture(scope="module")
def schema() -> FacetSchema:
    return load_facet_schema()


def _rows(data: bytes, schema: FacetSchema, format: str) -> list[ParsedRow]:
    return list(parse_feed(data, schema=schema, format=format))


def _detail(section: str, name: str, value: str) -> str:
    return (f"<g:product_detail><g:section_name>{section}</g:section_name>"
            f"<g:attribute_name>{name}</g:attribute_name>"
            f"<g:attribute_value>{value}</g:attribute_value></g:product_detail>")


def _item(pid: str, *extra: str) -> str:
    return (f"<item><g:id>{pid}</g:id><title>Loaf {pid}</title><g:price>6.50 PLN</g:price>"
            f"<g:product_type>Groceries &gt; Bakery</g:product_type>{''.join(extra)}</item>\n")


def test_xml_product_details_become_allergens_and_diet(schema: FacetSchema) -> None:
    xml = (f'<rss {G}><channel>\n'
           + _item("wheat", _detail("Allergens", "Allergens", "Gluten, Milk"),
                   _detail("Dietary", "Diet", "vegetarian"),
                   _detail("General", "Product Type", "Bread"))
           + _item("rye", "<g:allergens>none</g:allergens>")
           + _item("feed-only")
           + "</channel></rss>").encode()
    feed = parse_feed(xml, schema=schema, format="xml")
    wheat, rye, plain = (row.product for row in feed)
    assert wheat is not None and rye is not None and plain is not None
    assert wheat.facets["allergens"] == ["gluten", "milk"]  # normalised like other values
    assert wheat.facets["diet"] == ["vegetarian"]
    assert rye.facets["allergens"] == []  # "none" is a statement
    assert "allergens" not in plain.facets  # nothing said: unknown, hidden where unsafe
    assert "product detail 'Product Type' names no facet of the schema; ignored" in feed.warnings


def test_text_feed_product_details_with_quotes_and_header_order(schema: FacetSchema) -> None:
    tsv = (b"id\ttitle\tprice\tproduct_detail\tproduct_detail(attribute_name:attribute_value)\n"
           b'b1\tBread\t5 PLN\tAllergens:Contains:"gluten, sesame",General:Type:Loaf'
           b"\tdiet:vegan|gluten free\n"
           b"b2\tRice\t5 PLN\tAllergens:Allergens:None\t\n")
    first, second = _rows(tsv, schema, "tsv")
    assert first.errors == () and second.errors == ()
    assert first.product is not None and second.product is not None
    assert first.product.facets["allergens"] == ["gluten", "sesame"]
    assert first.product.facets["diet"] == ["vegan", "gluten free"]
    assert second.product.facets["allergens"] == []


def test_an_unquoted_comma_is_a_row_error_not_a_silent_guess(schema: FacetSchema) -> None:
    tsv = b"id\ttitle\tprice\tproduct_detail\nb1\tBread\t5 PLN\tAllergens:Allergens:gluten, milk\n"
    (row,) = _rows(tsv, schema, "tsv")
    assert row.product is None
    assert "quote a value holding a comma" in row.errors[0].reason


def test_a_facet_column_and_details_add_up_and_conflicts_are_refused(
        schema: FacetSchema) -> None:
    tsv = (b"id\ttitle\tprice\tallergens\tsugar_free\tproduct_detail\n"
           b"b1\tBar\t5 PLN\tsoy\tno\tAllergens:Allergens:nuts,Info:Sugar-free:yes\n"
           b"b2\tBar\t5 PLN\t\t\tAllergens:Allergens:none,Allergens:May contain:nuts\n"
           b"b3\tBar\t5 PLN\tnone\t\tAllergens:Allergens:gluten\n")
    first, second, third = _rows(tsv, schema, "tsv")
    assert first.product is not None
    # every allergen named anywhere counts; a single-valued facet keeps its own column
    assert first.product.facets["allergens"] == ["soy", "nuts"]
    assert first.product.facets["sugar_free"] is False
    assert second.product is not None and second.product.facets["allergens"] == ["nuts"]
    assert third.product is not None and third.product.facets["allergens"] == ["gluten"]


def test_json_lines_details_and_an_explicit_empty_list(schema: FacetSchema) -> None:
    lines = [
        {"id": "j1", "title": "Oat bar", "price": "3 PLN",
         "product_detail": [{"section_name": "Allergens", "attribute_name": "Allergens",
                             "attribute_value": "oats"}]},
        {"id": "j2", "title": "Rice", "price": "3 PLN",
         "productDetails": [{"attributeName": "Diet", "attributeValue": ["vegan", "keto"]}]},
        {"id": "j3", "title": "Salt", "price": "3 PLN", "allergens": []},
        {"id": "j4", "title": "Sugar", "price": "3 PLN", "allergens": ""},
        {"id": "j5", "title": "Tea", "price": "3 PLN", "facets": {"allergens": []}},
        {"id": "j6", "title": "Jam", "price": "3 PLN",
         "product_detail": {"attribute_name": "Allergens"}},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    rows = {row.product_id: row for row in _rows(data, schema, "jsonl")}
    facets = {pid: row.product.facets for pid, row in rows.items() if row.product}
    assert facets["j1"]["allergens"] == ["oats"]
    assert facets["j2"]["diet"] == ["vegan", "keto"]
    assert facets["j3"]["allergens"] == []  # the API's own "none" survives a round trip
    assert "allergens" not in facets["j4"]  # an empty string says nothing
    assert facets["j5"]["allergens"] == []
    assert "needs an attribute_name and an attribute_value" in rows["j6"].errors[0].reason


def test_none_with_other_allergens_is_refused(schema: FacetSchema) -> None:
    tsv = b"id\ttitle\tprice\tallergens\nb1\tBread\t5 PLN\tnone|gluten\n"
    (row,) = _rows(tsv, schema, "tsv")
    assert row.product is None
    assert "cannot stand with other values" in row.errors[0].reason

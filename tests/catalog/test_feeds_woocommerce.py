"""A WooCommerce product export (a file of our own in its shape) is read as one: a variable
product's variations become products with the parent's texts, categories, brand and images
and their own prices and attributes; simple products are one row each; the shop's currency
is used, as the export names none."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from prefero.catalog.facets import load_facet_schema
from prefero.catalog.feeds import ParsedRow, parse_feed

DATA = Path(__file__).parent / "data"
SCHEMA = load_facet_schema()


def _read() -> tuple[list[ParsedRow], list[str]]:
    feed = parse_feed((DATA / "woocommerce_products.csv").read_bytes(), schema=SCHEMA,
                      filename="wc-product-export.csv", currency="PLN")
    return list(feed), feed.warnings


def test_variations_take_the_parent_and_keep_their_own_prices_and_attributes() -> None:
    rows, _ = _read()
    products = {row.product.id: row.product for row in rows if row.product is not None}
    moss = products["HOOD-S-MOSS"]
    assert moss.title == "Trail Hoodie - S, Moss"
    assert (moss.price, moss.sale_price, moss.currency) == (
        Decimal("249.00"), Decimal("199.00"), "PLN")
    assert (moss.item_group_id, moss.brand, moss.category) == (
        "HOOD", "Fjellvind", "Clothing > Hoodies")
    assert moss.description == "Brushed fleece inside."
    assert moss.facets["size"] == ["s"] and moss.facets["color"] == ["moss"]
    assert moss.facets["material"] == ["cotton"] and moss.facets["tags"] == ["outdoor"]
    assert moss.image_link == "https://img.example.test/hood-s-moss.jpg"
    assert moss.additional_image_links == ["https://img.example.test/hood-1.jpg",
                                           "https://img.example.test/hood-2.jpg"]
    # No SKU: the parent's and its own id; the parent named by SKU; none in stock.
    slate = products["HOOD-103"]
    assert (slate.item_group_id, slate.availability) == ("HOOD", "out_of_stock")
    assert slate.facets["size"] == ["m"] and slate.facets["color"] == ["slate"]


def test_simple_products_are_one_row_and_the_variable_parent_is_none() -> None:
    rows, _ = _read()
    products = {row.product.id: row.product for row in rows if row.product is not None}
    assert sorted(products) == ["HOOD-103", "HOOD-S-MOSS", "MUG-01", "woo-107"]
    mug = products["MUG-01"]
    assert (mug.title, mug.price, mug.active) == ("Enamel Mug, 350 ml", Decimal("39.00"), False)
    assert mug.category == "Kitchen, Dining > Mugs"  # an escaped comma inside a name
    assert mug.availability == "backorder"  # none in stock, backorders allowed
    assert mug.facets["material"] == ["enamel"] and mug.item_group_id is None


def test_a_variation_without_its_parent_is_an_error_and_grouped_products_are_left() -> None:
    rows, warnings = _read()
    [broken] = [row for row in rows if row.product is None]
    assert (broken.line, [(e.column, e.reason) for e in broken.errors]) == (
        7, [("Parent", "names no variable product written before this row")])
    assert warnings == [
        "column 'Meta: _supplier_code' names no facet of the schema; ignored",
        "grouped products only list other products; not imported",
    ]

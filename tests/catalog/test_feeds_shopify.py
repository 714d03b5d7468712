"""A Shopify product export (a file of our own in its shape) is read as one: a product's
rows become its variants, with the product's own columns, options and metafields as facets
and the shop's currency; image-only rows add images; nothing needs renaming by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from prefero.catalog.facets import load_facet_schema
from prefero.catalog.feeds import ParsedRow, parse_feed

DATA = Path(__file__).parent / "data"
SCHEMA = load_facet_schema()


def _read(data: bytes) -> tuple[list[ParsedRow], list[str]]:
    feed = parse_feed(data, schema=SCHEMA, filename="products_export.csv", currency="PLN")
    return list(feed), feed.warnings


def test_a_shopify_export_gives_one_product_per_variant() -> None:
    rows, _ = _read((DATA / "shopify_products.csv").read_bytes())
    products = {row.product.id: row.product for row in rows if row.product is not None}
    assert sorted(products) == ["LS-M-SAND", "LS-S-SAND", "enamel-mug", "linen-shirt-m-navy"]
    small = products["LS-S-SAND"]
    assert small.title == "Linen Shirt – S / Sand"
    assert small.description.startswith("Breathable linen.")
    assert small.description.endswith("Relaxed fit & wooden buttons.")  # decoded once
    assert (small.brand, small.item_group_id, small.currency) == ("Nordlys", "linen-shirt", "PLN")
    assert small.category == "Apparel & Accessories > Clothing > Shirts & Tops"
    # The compare-at price is the regular price; the variant's price is the sale.
    assert (small.price, small.sale_price) == (Decimal("79.00"), Decimal("59.00"))
    assert small.gtin == "5901234123457"
    assert small.facets["size"] == ["s"] and small.facets["color"] == ["sand"]
    assert small.facets["material"] == ["linen"] and small.facets["tags"] == ["summer", "linen"]
    assert small.image_link == "https://cdn.example.test/linen-front.jpg"
    assert small.additional_image_links == ["https://cdn.example.test/linen-back.jpg"]
    assert (small.availability, small.active) == ("in_stock", True)


def test_variant_rows_inherit_the_product_and_keep_their_own_stock_and_image() -> None:
    rows, _ = _read((DATA / "shopify_products.csv").read_bytes())
    products = {row.product.id: row.product for row in rows if row.product is not None}
    medium = products["LS-M-SAND"]
    assert medium.title == "Linen Shirt – M / Sand" and medium.brand == "Nordlys"
    assert medium.availability == "out_of_stock"  # none left, and the policy is deny
    assert medium.image_link == "https://cdn.example.test/linen-m.jpg"
    navy = products["linen-shirt-m-navy"]  # no SKU: the handle and its options
    assert navy.availability == "in_stock"  # none left, but it sells on (policy continue)
    assert (navy.price, navy.sale_price) == (Decimal("59.00"), None)
    mug = products["enamel-mug"]
    # One variant, "Default Title": the plain title, no group, no option facets.
    assert (mug.title, mug.item_group_id, mug.active) == ("Enamel Mug", None, False)
    assert mug.category == "Kitchen" and "size" not in mug.facets


def test_problems_name_the_row_and_column_and_unknown_columns_are_warned_once() -> None:
    rows, warnings = _read((DATA / "shopify_products.csv").read_bytes())
    [broken] = [row for row in rows if row.product is None]
    assert (broken.line, [(e.column, e.reason) for e in broken.errors]) == (
        7, [("Variant Price", "is required but empty")])
    assert warnings == [
        "metafield column 'Fabric care (product.metafields.custom.care)' names no facet of "
        "the schema; ignored",
        "option 'Denomination' names no facet of the schema; ignored",
    ]


def test_without_stock_columns_every_variant_is_in_stock_and_the_import_says_so() -> None:
    data = (b"Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n"
            b"cap,Cap,Size,One size,CAP-1,19.90\n")
    rows, warnings = _read(data)
    assert [(row.product.id, row.product.availability) for row in rows if row.product] == [
        ("CAP-1", "in_stock")]
    assert warnings == ["the export states no stock: every variant is imported as in stock"]

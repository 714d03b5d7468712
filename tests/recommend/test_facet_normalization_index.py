"""Review of issue 10: a facet's ``normalize`` applies on the product side too, so a rule
stored by the schema's setting matches the product it names (brand 'nfkc', a tag 'casefold',
category 'casefold')."""

from __future__ import annotations

from decimal import Decimal

from prefero.catalog.facets import Facet, FacetSchema
from prefero.catalog.schemas import ProductIn, normalize_product
from prefero.customers.preferences import normalize_preference_value
from prefero.recommend.catalog_index import ProductRow, index_products

SCHEMA = FacetSchema(facets=(
    Facet(name="category", type="category_path", label="Category", preferable=True,
          normalize="casefold"),
    Facet(name="brand", type="categorical", label="Brand", preferable=True, normalize="nfkc"),
    Facet(name="tags", type="multi", label="Tags", preferable=True, normalize="casefold"),
))


def _row(item: ProductIn, *, keep_brand_facet: bool = True) -> ProductRow:
    stored = normalize_product(item, schema=SCHEMA)
    facets = dict(stored.facets)
    if not keep_brand_facet:
        facets.pop("brand", None)  # a row written before the brand was mirrored
    return ProductRow(stored.id, stored.title, Decimal(stored.price), None, True, "in_stock",
                      stored.category, stored.brand, facets, None)


def test_rules_match_products_by_the_schemas_normalization() -> None:
    item = ProductIn(id="p1", title="Mug", price=Decimal("5"), currency="EUR",
                     brand="ＡＣＭＥ Ware", category="Home/Kitchen Mugs",
                     facets={"tags": "Eco|ＨＡＮＤＭＡＤＥ"})
    for keep in (True, False):
        index = index_products([_row(item, keep_brand_facet=keep)], schema=SCHEMA)
        brand = normalize_preference_value(SCHEMA, "brand", "ACME Ware")
        assert brand == "ACME Ware"  # case kept: nfkc only
        assert index.mask_for("brand", brand).tolist() == [True]
        assert index.mask_for("brand", "acme ware").tolist() == [False]
        tag = normalize_preference_value(SCHEMA, "tags", "handmade")
        assert index.mask_for("tags", tag).tolist() == [True]
        category = normalize_preference_value(SCHEMA, "category", "HOME > kitchen mugs")
        assert index.mask_for("category", category).tolist() == [True]
        assert index.mask_for("category", normalize_preference_value(
            SCHEMA, "category", "Home")).tolist() == [True]

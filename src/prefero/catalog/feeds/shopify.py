"""Shopify's product CSV export, read as it comes: one product is a run of rows sharing a
``Handle``; the first carries the product's own columns (title, body, vendor, category,
status) and its first variant, the next rows further variants (their option values,
price, SKU, stock) or only one more image. Each variant becomes a product of ours, grouped
by the handle (``item_group_id``), with the product's columns, its options and metafields
as facets where the facet schema has them, and the shop's currency (the export has none).

Mapping:

=========================  ===================================================================
Variant SKU                id (the handle and the option values when empty)
Title                      title, with the variant's option values when there are several
Body (HTML)                description
Vendor                     brand
Product Category, Type     category (Shopify's taxonomy path), else the product type
Variant Price,             price, and sale_price when the compare-at price is higher (the
Variant Compare At Price   compare-at price is then the regular price)
Variant Barcode            gtin
Variant Inventory Qty,     availability: in stock with stock left, or when the policy is
Variant Inventory Policy,  ``continue`` or stock is not tracked; else out of stock
Variant Inventory Tracker
Status, Published          active: status ``active`` (or none) and not unpublished
Tags                       the ``tags`` facet, when the schema has it
Image Src, Variant Image   image_link (the variant's own image first), additional images
OptionN Name / Value       the facet the option names (``Size`` → size), if the schema has it
... (product.metafields.   the facet the metafield's key or label names (list values split
namespace.key)             as the schema splits them)
=========================  ===================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds.base import ParsedRow, RowError, Warnings
from prefero.catalog.feeds.mapping import Cell, build_row, facet_named
from prefero.catalog.feeds.platform import PlatformHeader

__all__ = ["recognises", "shopify_rows"]

#: Columns that say a header is Shopify's product export.
_SIGNATURE = ("handle", "variant price")
#: Shopify's own columns read here or deliberately left (no warning for those).
_LEFT = frozenset({
    "published", "variant grams", "variant fulfillment service",
    "variant requires shipping", "variant taxable", "image position", "image alt text",
    "gift card", "seo title", "seo description", "variant weight unit", "variant tax code",
    "cost per item", "included / international", "price / international",
    "compare at price / international", "google shopping / google product category",
    "google shopping / gender", "google shopping / age group", "google shopping / mpn",
    "google shopping / condition", "google shopping / custom product",
    "google shopping / custom label 0", "google shopping / custom label 1",
    "google shopping / custom label 2", "google shopping / custom label 3",
    "google shopping / custom label 4", "google shopping / adwords grouping",
    "google shopping / adwords labels", "variant inventory tracker",
})
_READ = frozenset({
    "handle", "title", "tags", "body (html)", "vendor", "product category", "type", "status",
    "variant sku", "variant price", "variant compare at price", "variant barcode",
    "variant inventory qty", "variant inventory policy", "image src", "variant image",
    *(f"option{i} {part}" for i in (1, 2, 3) for part in ("name", "value")),
})
_METAFIELD = re.compile(r"(?:^|\()\s*(?:product|variant)\.metafields\.[^.()]+\.([^.()]+)\s*\)?$",
                        re.IGNORECASE)
#: The option Shopify writes for a product without variants.
_NO_OPTION = ("title", "default title")


def recognises(columns: list[str]) -> bool:
    """Whether a CSV header is Shopify's product export.

    >>> recognises(["Handle", "Title", "Variant Price"]), recognises(["id", "title", "price"])
    (True, False)
    """
    names = {column.strip().lstrip("\ufeff").casefold() for column in columns}
    return all(name in names for name in _SIGNATURE)


@dataclass
class _Product:
    """The rows of one handle, as read."""

    handle: str
    line: int
    own: dict[str, Cell]  # the product's columns, from its first row
    variants: list[dict[str, Cell]] = field(default_factory=list)
    images: list[Cell] = field(default_factory=list)


def _header(columns: list[str], schema: FacetSchema, warnings: Warnings) -> PlatformHeader:
    """The export's header, its metafield columns filling the facets they name."""
    header = PlatformHeader(columns)
    for position, (column, key) in enumerate(zip(header.columns, header.keys, strict=True)):
        found = _METAFIELD.search(column)
        if found is not None:
            label = column[:found.start()].strip() if found.start() else ""
            facet = facet_named(schema, found.group(1)) or facet_named(schema, label)
            if facet is not None:
                header.facets[position] = facet.name
            else:
                warnings.add(f"metafield column {column!r} names no facet of the schema; "
                             "ignored")
        elif key and key not in _READ and key not in _LEFT:
            warnings.add(f"column {column!r} is not read from a Shopify export; ignored")
    return header


def _is_variant(cells: dict[str, Cell]) -> bool:
    return any(key in cells for key in ("variant price", "variant sku", "option1 value",
                                        "option2 value", "option3 value"))


def shopify_rows(records: Iterator[tuple[int, list[str]] | ParsedRow], columns: list[str], *,
                 schema: FacetSchema, warnings: Warnings, currency: str | None
                 ) -> Iterator[ParsedRow]:
    """The export's variants as rows (``records``: each record with the line it starts on,
    or a row already found broken, passed on)."""
    header = _header(columns, schema, warnings)
    if "variant inventory qty" not in header.keys:
        warnings.add("the export states no stock: every variant is imported as in stock")
    current: _Product | None = None
    for record in header.read(records):
        if isinstance(record, ParsedRow):
            yield record
            continue
        line, cells = record
        handle = cells.get("handle")
        if handle is None:
            yield ParsedRow(line, None, (RowError(line, "Handle", "is required but empty"),))
            continue
        if current is None or handle.value.strip() != current.handle:
            if current is not None:
                yield from _variants(current, schema=schema, warnings=warnings,
                                     currency=currency)
            current = _Product(handle.value.strip(), line, cells)
        if _is_variant(cells):
            current.variants.append(cells)
        if "image src" in cells:
            current.images.append(cells["image src"])
    if current is not None:
        yield from _variants(current, schema=schema, warnings=warnings, currency=currency)


def _slug(text: str) -> str:
    """An option value as a piece of an id.

    >>> _slug(" Navy Blue / 42 ")
    'navy-blue-42'
    """
    return "-".join(re.findall(r"\w+", text.casefold()))


def _more(cell: Cell, than: Cell) -> bool:
    """Whether ``cell``'s amount is above ``than``'s (either unreadable: no)."""
    try:
        return Decimal(cell.value.strip()) > Decimal(than.value.strip())
    except InvalidOperation:
        return False


def _availability(variant: dict[str, Cell], line: int) -> Cell:
    quantity = variant.get("variant inventory qty")
    if quantity is None:  # no stock in the export: said once for the feed
        return Cell("Variant Inventory Qty", "availability", "in_stock", line)
    policy = variant.get("variant inventory policy")
    try:
        left = Decimal(quantity.value.strip()) > 0
    except InvalidOperation:
        return Cell(quantity.column, "availability", quantity.value, quantity.line)
    sells_anyway = policy is not None and policy.value.strip().casefold() == "continue"
    return Cell(quantity.column, "availability",
                "in_stock" if left or sells_anyway else "out_of_stock", line)


def _active(own: dict[str, Cell], line: int) -> Cell | None:
    status, published = own.get("status"), own.get("published")
    if status is not None:
        return Cell(status.column, "active", status.value.strip().casefold() == "active", line)
    if published is not None:
        return Cell(published.column, "active", published.value, line)
    return None


def _variants(product: _Product, *, schema: FacetSchema, warnings: Warnings,
              currency: str | None) -> Iterator[ParsedRow]:
    own = product.own
    if not product.variants:
        yield ParsedRow(product.line, None, (RowError(
            product.line, "Variant Price", "the product has no variant row with a price",
            product.handle),), product.handle)
        return
    facets: dict[int, str] = {}
    for i in (1, 2, 3):
        name = own.get(f"option{i} name")
        if name is None or name.value.strip().casefold() in _NO_OPTION:
            continue
        facet = facet_named(schema, name.value)
        if facet is None:
            warnings.add(f"option {name.value.strip()!r} names no facet of the schema; ignored")
        else:
            facets[i] = facet.name
    several = len(product.variants) > 1
    images = [image.value.strip() for image in product.images]
    for variant in product.variants:
        line = variant["handle"].line
        options = [variant.get(f"option{i} value") for i in (1, 2, 3)]
        named = [option.value.strip() for option in options if option is not None
                 and option.value.strip().casefold() not in _NO_OPTION]
        cells: list[Cell] = []
        sku = variant.get("variant sku")
        generated = "-".join([product.handle, *map(_slug, named)])
        cells.append(Cell(sku.column, "id", sku.value, line) if sku is not None
                     else Cell(variant["handle"].column, "id", generated, line))
        title = own.get("title")
        if title is not None:
            text = f"{title.value.strip()} – {' / '.join(named)}" if several and named \
                else title.value
            cells.append(Cell(title.column, "title", text, title.line))
        tags = own.get("tags")
        if tags is not None and schema.get("tags") is not None:
            cells.append(Cell(tags.column, "tags", [tag.strip() for tag in tags.value.split(",")
                                                    if tag.strip()], tags.line))
        for key, field_name in (("body (html)", "description"), ("vendor", "brand"),
                                ("product category", "category"), ("type", "product_type")):
            if key in own:
                cells.append(Cell(own[key].column, field_name, own[key].value, own[key].line))
        if several:
            cells.append(Cell(own["handle"].column, "item_group_id", product.handle,
                              product.line))
        price, compare = variant.get("variant price"), variant.get("variant compare at price")
        if price is not None and compare is not None and _more(compare, price):
            cells += [Cell(compare.column, "price", compare.value, compare.line),
                      Cell(price.column, "sale_price", price.value, price.line)]
        else:  # an empty price is reported against the column the shop fills in
            cells.append(Cell(price.column, "price", price.value, price.line) if price
                         else Cell("Variant Price", "price", "", line))
        if currency is not None:
            cells.append(Cell("(the shop's currency)", "currency", currency, line))
        if "variant barcode" in variant:
            barcode = variant["variant barcode"]
            cells.append(Cell(barcode.column, "gtin", barcode.value, barcode.line))
        for extra in (_availability(variant, line), _active(own, product.line)):
            if extra is not None:
                cells.append(extra)
        own_image = variant.get("variant image")
        shown = [own_image.value.strip()] if own_image is not None else []
        shown += [image for image in images if image not in shown]
        if shown:
            column = own_image.column if own_image is not None else "Image Src"
            cells.append(Cell(column, "image_link", shown[0], line))
            if shown[1:]:
                cells.append(Cell("Image Src", "additional_image_link", shown[1:], line))
        for i, facet_name in facets.items():
            option = options[i - 1]
            if option is not None:
                cells.append(Cell(option.column, facet_name, option.value, option.line))
        metafields = {key: cell for key, cell in own.items() if key.startswith("facet:")}
        metafields.update({key: cell for key, cell in variant.items()
                           if key.startswith("facet:")})
        cells += metafields.values()
        yield build_row(cells, line=line, schema=schema, warnings=warnings, kind="column")

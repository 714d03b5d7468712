"""WooCommerce's product CSV export, read as it comes. Simple (and external) products are
one row each. A variable product is a row that sells nothing itself: its variations, rows
of type ``variation`` naming it in ``Parent`` (``id:<ID>`` or its SKU) and written after
it, carry the prices and each attribute's own value, and take the product's name, texts,
categories, brand, tags and images. Each becomes a product of ours, grouped by the parent
(``item_group_id``), with the attributes and ``Meta:`` columns as facets where the facet
schema has them, and the shop's currency (the export has none).

Mapping:

=======================  ==================================================================
SKU                      id (``woo-<ID>`` when empty; a variation: ``<parent>-<ID>``)
Name                     title (a variation's own name, else the parent's with its values)
Description, Short d.    description (the long one first)
Regular price,           price, sale_price
Sale price
Categories               category: the first one (``A > B, C``: ``A > B``; ``\\,`` escapes
                         a comma in a name)
Brands                   brand
Tags                     the ``tags`` facet, when the schema has it
Images                   image_link and additional images (comma-separated)
In stock?, Stock,        availability: 1 in stock, 0 out of stock, ``backorder``; a stock
Backorders allowed?      of 0 without backorders is out of stock
Published                active: 1 (not draft 0, not private -1)
Attribute N name,        the facet the attribute names, if the schema has it (several
Attribute N value(s)     values comma-separated)
Meta: key                the facet the key names
GTIN, UPC, EAN or ISBN   gtin (WooCommerce 9.2+)
=======================  ==================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds.base import ParsedRow, RowError, Warnings
from prefero.catalog.feeds.mapping import Cell, build_row, facet_named
from prefero.catalog.feeds.platform import PlatformHeader

__all__ = ["recognises", "woocommerce_rows"]

_SIGNATURE = ("type", "name", "regular price", "parent")
_ATTRIBUTE = re.compile(r"attribute (\d+) (name|value\(s\))")
_META = re.compile(r"meta:\s*_*(.+)", re.IGNORECASE)
_GTIN = "gtin, upc, ean, or isbn"


def recognises(columns: list[str]) -> bool:
    """Whether a CSV header is WooCommerce's product export.

    >>> recognises(["ID", "Type", "SKU", "Name", "Regular price", "Parent"])
    True
    """
    names = {column.strip().lstrip("\ufeff").casefold() for column in columns}
    return all(name in names for name in _SIGNATURE)


def split_list(text: str) -> list[str]:
    """A comma-separated WooCommerce list, where ``\\,`` is a comma inside one entry.

    >>> split_list(r"Home > Mugs, Gifts\\, small, Sale")
    ['Home > Mugs', 'Gifts, small', 'Sale']
    """
    parts = re.split(r"(?<!\\),", text)
    return [part.replace("\\,", ",").strip() for part in parts if part.strip()]


@dataclass(frozen=True)
class _Parent:
    """What a variable product hands its variations."""

    group: str
    cells: dict[str, Cell]


def _header(columns: list[str], schema: FacetSchema, warnings: Warnings) -> PlatformHeader:
    """The export's header, its ``Meta:`` columns filling the facets they name. The many
    other columns (tax, shipping, downloads...) mean nothing here and are left without a
    word; a Meta: column is a shop's own data, worth one."""
    header = PlatformHeader(columns)
    for position, column in enumerate(header.columns):
        meta = _META.fullmatch(column)
        if meta is None:
            continue
        facet = facet_named(schema, meta.group(1))
        if facet is not None:
            header.facets[position] = facet.name
        else:
            warnings.add(f"column {column!r} names no facet of the schema; ignored")
    return header


def _attributes(cells: dict[str, Cell], schema: FacetSchema, warnings: Warnings
                ) -> dict[str, Cell]:
    """The row's attributes as facet cells, by facet name (several values as a list)."""
    found: dict[str, Cell] = {}
    for key, cell in cells.items():
        match = _ATTRIBUTE.fullmatch(key)
        if match is None or match.group(2) != "name":
            continue
        values = cells.get(f"attribute {match.group(1)} value(s)")
        facet = facet_named(schema, cell.value)
        if facet is None:
            warnings.add(f"attribute {cell.value.strip()!r} names no facet of the schema; "
                         "ignored")
            continue
        if values is not None:
            listed = split_list(values.value)
            found[facet.name] = Cell(values.column, facet.name,
                                     listed if len(listed) > 1 else listed[0], values.line)
    return found


def _availability(cells: dict[str, Cell], line: int) -> Cell | None:
    flag, stock = cells.get("in stock?"), cells.get("stock")
    backorders = cells.get("backorders allowed?")
    if flag is not None:
        text = flag.value.strip().casefold()
        value = {"1": "in_stock", "0": "out_of_stock"}.get(text, flag.value)
        return Cell(flag.column, "availability", value, flag.line)
    if stock is not None and stock.value.strip() in ("0", "0.0"):
        allowed = backorders is not None and backorders.value.strip() in ("1", "notify")
        return Cell(stock.column, "availability", "backorder" if allowed else "out_of_stock",
                    line)
    return None


def woocommerce_rows(records: Iterator[tuple[int, list[str]] | ParsedRow], columns: list[str],
                     *, schema: FacetSchema, warnings: Warnings, currency: str | None
                     ) -> Iterator[ParsedRow]:
    """The export's products as rows (``records``: each record with the line it starts on,
    or a row already found broken, passed on)."""
    header = _header(columns, schema, warnings)
    parents: dict[str, _Parent] = {}
    for record in header.read(records):
        if isinstance(record, ParsedRow):
            yield record
            continue
        line, cells = record
        kinds = {kind.strip().casefold()
                 for kind in (cells["type"].value if "type" in cells else "simple").split(",")}
        if "variable" in kinds:
            variable = _Parent(_own_id(cells), cells)
            if "id" in cells:
                parents[f"id:{cells['id'].value.strip()}"] = variable
            if "sku" in cells:
                parents[cells["sku"].value.strip()] = variable
            continue
        if "grouped" in kinds:
            warnings.add("grouped products only list other products; not imported")
            continue
        parent: _Parent | None = None
        if "variation" in kinds:
            named = cells.get("parent")
            parent = parents.get(named.value.strip()) if named is not None else None
            if parent is None:
                yield ParsedRow(line, None, (RowError(
                    line, named.column if named is not None else "Parent",
                    "names no variable product written before this row"),))
                continue
        yield _product(cells, parent, line=line, schema=schema, warnings=warnings,
                       currency=currency)


def _own_id(cells: dict[str, Cell]) -> str:
    if "sku" in cells:
        return " ".join(cells["sku"].value.split())
    return f"woo-{cells['id'].value.strip()}" if "id" in cells else ""


def _product(cells: dict[str, Cell], parent: _Parent | None, *, line: int,
             schema: FacetSchema, warnings: Warnings, currency: str | None) -> ParsedRow:
    inherited = parent.cells if parent is not None else {}
    row: list[Cell] = []
    own_id = _own_id(cells)
    if parent is not None and "sku" not in cells and "id" in cells:
        own_id = f"{parent.group}-{cells['id'].value.strip()}"
    row.append(Cell(cells["sku"].column if "sku" in cells else "ID", "id", own_id, line))
    attributes = {**_attributes(inherited, schema, warnings), **_attributes(cells, schema,
                                                                             warnings)}
    name = cells.get("name")
    if name is not None:
        row.append(Cell(name.column, "title", name.value, name.line))
    elif "name" in inherited:
        values = [cell.value for key, cell in _attributes(cells, schema, warnings).items()
                  if isinstance(cell.value, str)]
        title = inherited["name"].value.strip()
        row.append(Cell(inherited["name"].column, "title",
                        f"{title} – {' / '.join(values)}" if values else title, line))
    for key, field_name in (("description", "description"),
                            ("short description", "description"), ("brands", "brand"),
                            ("regular price", "price"), ("sale price", "sale_price"),
                            (_GTIN, "gtin")):
        source = cells.get(key) or (inherited.get(key) if key not in
                                    ("regular price", "sale price", _GTIN) else None)
        if source is not None and field_name not in {cell.name for cell in row}:
            row.append(Cell(source.column, field_name, source.value, source.line))
    if not any(cell.name == "price" for cell in row):
        row.append(Cell("Regular price", "price", "", line))
    categories = cells.get("categories") or inherited.get("categories")
    if categories is not None and split_list(categories.value):
        row.append(Cell(categories.column, "category", split_list(categories.value)[0],
                        categories.line))
    tags = cells.get("tags") or inherited.get("tags")
    if tags is not None and schema.get("tags") is not None:
        row.append(Cell(tags.column, "tags", split_list(tags.value), tags.line))
    images = [*split_list(cells["images"].value if "images" in cells else ""),
              *split_list(inherited["images"].value if "images" in inherited else "")]
    images = list(dict.fromkeys(images))
    if images:
        row.append(Cell("Images", "image_link", images[0], line))
        if images[1:]:
            row.append(Cell("Images", "additional_image_link", images[1:], line))
    if parent is not None:
        row.append(Cell("Parent", "item_group_id", parent.group, line))
    if currency is not None:
        row.append(Cell("(the shop's currency)", "currency", currency, line))
    availability = _availability(cells, line)
    if availability is not None:
        row.append(availability)
    published = cells.get("published") or inherited.get("published")
    if published is not None:
        row.append(Cell(published.column, "active", published.value.strip() == "1",
                        published.line))
    facets = {key: cell for key, cell in inherited.items() if key.startswith("facet:")}
    facets.update({key: cell for key, cell in cells.items() if key.startswith("facet:")})
    row += [*facets.values(), *attributes.values()]
    return build_row(row, line=line, schema=schema, warnings=warnings, kind="column")

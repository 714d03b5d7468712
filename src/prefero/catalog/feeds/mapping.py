"""From the attribute/value pairs of one feed row to a validated ``ProductIn`` or precise
row errors. Every format (delimited, XML, JSON Lines) ends here, so a value means the same
thing whatever file it came in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from prefero.catalog.facets import FacetSchema, parse_bool
from prefero.catalog.feeds.base import ParsedRow, RowError, Warnings
from prefero.catalog.feeds.text import html_to_text, single_line
from prefero.catalog.feeds.values import (
    first_category,
    normalize_availability,
    normalize_condition,
    parse_price,
    split_image_links,
)
from prefero.catalog.schemas import FacetValueError, ProductIn, coerce_facets, normalize_product

__all__ = ["PRODUCT_FIELDS", "Cell", "build_row", "canonical_name"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One value of a row: ``column`` as written in the feed (for messages), ``name`` the
    canonical attribute name, ``line`` where the value starts."""

    column: str
    name: str
    value: Any
    line: int


# Names that are product fields (ProductIn or Merchant Center), not facets.
PRODUCT_FIELDS = frozenset({
    "id", "title", "description", "link", "image_link", "additional_image_link", "availability",
    "price", "sale_price", "currency", "brand", "gtin", "mpn", "condition",
    "google_product_category", "product_type", "category", "item_group_id", "active", "facets",
})
_ALIASES = {"additional_image_links": "additional_image_link"}
_REQUIRED = ("id", "title", "price")
_PLAIN_TEXT = ("link", "image_link", "brand", "gtin", "mpn", "google_product_category",
               "item_group_id", "currency")


def canonical_name(name: str) -> str:
    """The attribute a header, element or key names: case, ``g:`` prefix and spacing aside.

    >>> [canonical_name(n) for n in ("g:Price", " Image Link ", "additional_image_links")]
    ['price', 'image_link', 'additional_image_link']
    """
    text = name.strip().lstrip("\ufeff").casefold().removeprefix("g:")
    text = re.sub(r"[\s-]+", "_", text)
    return _ALIASES.get(text, text)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return all(_is_blank(item) for item in value) if isinstance(value, list) else not value
    return False


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    return "a number"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, got {_kind(value)}")


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value if not _is_blank(item)]
    return [_text(value)]


@dataclass
class _Row:
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Cell] = field(default_factory=dict)
    facets: dict[str, Any] = field(default_factory=dict)
    facet_sources: dict[str, Cell] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    def error(self, cell: Cell | None, name: str, reason: str) -> None:
        self.failed.add(name)
        line = cell.line if cell else self.line
        self.errors.append(RowError(line, cell.column if cell else name, reason))

    def set(self, name: str, cell: Cell, parse: Callable[[], Any]) -> None:
        try:
            self.fields[name] = parse()
        except ValueError as exc:
            self.error(cell, name, str(exc))
        else:
            self.sources[name] = cell


def _price(cell: Cell, currency: str | None) -> tuple[Decimal, str | None]:
    value = cell.value
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("must not be negative")
        return Decimal(str(value)), currency.upper() if currency else None
    return parse_price(_text(value), currency=currency)


def _prices(row: _Row, price: Cell | None, sale: Cell | None) -> None:
    currency = row.fields.get("currency")
    if price is not None:
        try:
            amount, code = _price(price, currency)
        except ValueError as exc:
            row.error(price, "price", str(exc))
        else:
            if code is None:
                row.error(price, "price", "has no currency code; write it like '12.99 USD' "
                          "or give a currency")
            else:
                row.fields.update(price=amount, currency=code)
                row.sources["price"] = price
                row.sources.setdefault("currency", price)
                currency = code
    if sale is not None:
        try:
            amount, code = _price(sale, currency)
        except ValueError as exc:
            row.error(sale, "sale_price", str(exc))
        else:
            row.fields["sale_price"] = amount
            row.sources["sale_price"] = sale


def _facet_value(cells: list[Cell]) -> Any:
    values = [cell.value for cell in cells]
    if len(values) == 1:
        return values[0]
    # A repeated column or element of a multi-valued facet: all of its values.
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _other(row: _Row, name: str, cells: list[Cell], *, schema: FacetSchema,
           warnings: Warnings, kind: str) -> None:
    first = cells[0]
    if name == "facets":
        if not isinstance(first.value, dict):
            row.error(first, name, f"expected an object of facet values, got {_kind(first.value)}")
            return
        for key, value in first.value.items():
            sub = Cell(f"{first.column}.{key}", str(key), value, first.line)
            row.facets[str(key)] = value
            row.facet_sources[str(key)] = sub
    elif schema.get(name) is not None:
        row.facets[name] = _facet_value(cells)
        row.facet_sources[name] = first
    else:
        warnings.add(f"{kind} {first.column!r} is neither a product field nor a facet of the "
                     "schema; ignored")


def _fill(row: _Row, name: str, cells: list[Cell], *, schema: FacetSchema,
          warnings: Warnings, kind: str) -> None:
    first = cells[0]
    if name == "id":
        row.set(name, first, lambda: " ".join(_text(first.value).split()))
    elif name == "title":
        row.set(name, first, lambda: single_line(_text(first.value)))
    elif name == "description":
        row.set(name, first, lambda: html_to_text(_text(first.value)))
    elif name in _PLAIN_TEXT:
        row.set(name, first, lambda: " ".join(_text(first.value).split()))
    elif name == "availability":
        row.set(name, first, lambda: normalize_availability(_text(first.value)))
    elif name == "condition":
        row.set(name, first, lambda: normalize_condition(_text(first.value)))
    elif name == "active":
        row.set(name, first, lambda: parse_bool(first.value))
    elif name == "additional_image_link":
        row.set("additional_image_links", first,
                lambda: split_image_links([t for cell in cells for t in _texts(cell.value)]))
    elif name == "category":
        row.set(name, first, lambda: _text(first.value))
    elif name == "product_type":
        if "category" not in row.fields:
            row.set("category", first,
                    lambda: first_category([t for cell in cells for t in _texts(cell.value)]))
    else:
        _other(row, name, cells, schema=schema, warnings=warnings, kind=kind)


def _validation_reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    loc = error["loc"]
    if len(loc) > 1 and isinstance(loc[1], int):
        return f"value {loc[1] + 1}: {message}"
    return message


def build_row(cells: Iterable[Cell], *, line: int, schema: FacetSchema, warnings: Warnings,
              kind: str = "column") -> ParsedRow:
    """Validate one row. Empty values are absent; every problem of the row is reported.

    ``kind`` names what a ``Cell.column`` is ("column", "element", "key") in warnings.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> cells = [Cell("id", "id", "A1", 2), Cell("title", "title", "Tee", 2),
    ...          Cell("g:price", "price", "12,99 EUR", 2), Cell("color", "color", "Red", 2)]
    >>> row = build_row(cells, line=2, schema=load_facet_schema(), warnings=Warnings())
    >>> (str(row.product.price), row.product.currency, row.product.facets)
    ('12.99', 'EUR', {'color': ['red']})
    """
    row = _Row(line)
    groups: dict[str, list[Cell]] = {}
    position: dict[str | None, int] = {}
    for index, cell in enumerate(cells):
        groups.setdefault(cell.name, []).append(cell)
        position.setdefault(cell.column, index)
    # A separate "category" wins over product_type, whichever comes first in the row.
    ordered = sorted(groups.items(), key=lambda item: item[0] != "category")
    present: dict[str, list[Cell]] = {}
    for name, group in ordered:
        filled = [cell for cell in group if not _is_blank(cell.value)]
        if not filled:
            if name not in PRODUCT_FIELDS and schema.get(name) is None:
                _other(row, name, group, schema=schema, warnings=warnings, kind=kind)
            continue
        present[name] = filled
        if name not in ("price", "sale_price"):
            _fill(row, name, filled, schema=schema, warnings=warnings, kind=kind)
    _prices(row, next(iter(present.get("price", ())), None),
            next(iter(present.get("sale_price", ())), None))

    for name in _REQUIRED:
        if name not in present and name not in row.failed:
            given = groups.get(name)
            reason = "is required but empty" if given else "is required but missing"
            row.error(given[0] if given else None, name, reason)
    if "price" in row.failed:
        row.failed.add("currency")  # the price carries the currency; one error is enough

    facets, problems = coerce_facets(row.facets, schema=schema)
    for name, reason in problems.items():
        row.error(row.facet_sources.get(name), name, reason)

    product_id = row.fields.get("id") or None
    id_column = row.sources["id"].column if "id" in row.sources else "id"
    product: ProductIn | None = None
    try:
        product = ProductIn.model_validate({**row.fields, "facets": facets})
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else None
            if where is None or where in row.failed:
                continue
            row.error(row.sources.get(where), where, _validation_reason(error))
    if product is not None and not row.errors:
        try:
            product = normalize_product(product, schema=schema)
        except FacetValueError as exc:
            for name, reason in exc.problems.items():
                row.error(row.facet_sources.get(name) or row.sources.get(name), name, reason)
    if row.errors:
        # In the order of the row's columns, as the person fixing the feed reads it.
        ordered_errors = sorted(row.errors, key=lambda e: (e.line, position.get(e.column, 1 << 30)))
        errors = tuple(
            RowError(error.line, error.column, error.reason, product_id)
            for error in ordered_errors
        )
        return ParsedRow(line, None, errors, product_id, id_column)
    return ParsedRow(line, product, (), product_id, id_column)

"""From the attribute/value pairs of one feed row to a validated ``ProductIn`` or precise
row errors. Every format (delimited, XML, JSON Lines) ends here, so a value means the same
thing whatever file it came in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from prefero.catalog.facets import Facet, FacetSchema, parse_bool
from prefero.catalog.feeds.base import ParsedRow, RowError, Warnings
from prefero.catalog.feeds.text import html_to_text, single_line
from prefero.catalog.feeds.values import (
    first_category,
    normalize_availability,
    normalize_condition,
    parse_price,
    split_image_links,
)
from prefero.catalog.schemas import (
    FacetValueError,
    ProductIn,
    coerce_facets,
    normalize_product,
    states_none,
)

__all__ = ["PRODUCT_FIELDS", "Cell", "build_row", "canonical_name", "facet_named", "valid_gtin"]


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
    "product_detail",
})
_ALIASES = {"additional_image_links": "additional_image_link", "product_details": "product_detail",
            "productdetail": "product_detail", "productdetails": "product_detail"}
# Merchant Center's product_detail sub-attributes, in the order a text feed writes them
# unless its header says otherwise: "product_detail(attribute_name:attribute_value)".
_DETAIL_PARTS = ("section_name", "attribute_name", "attribute_value")
_REQUIRED = ("id", "title", "price")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_PLAIN_TEXT = ("link", "image_link", "brand", "gtin", "mpn", "google_product_category",
               "item_group_id", "currency")


def canonical_name(name: str) -> str:
    """The attribute a header, element or key names: case, ``g:`` prefix and spacing aside.

    A text feed's ``product_detail`` header may list its sub-attributes in parentheses.

    >>> [canonical_name(n) for n in ("g:Price", " Image Link ", "additional_image_links",
    ...                              "product_detail(attribute_name:attribute_value)")]
    ['price', 'image_link', 'additional_image_link', 'product_detail']
    """
    text = name.strip().lstrip("\ufeff").casefold().removeprefix("g:")
    text = re.sub(r"[\s-]+", "_", text)
    text = re.sub(r"^(product_detail)_?\(.*\)$", r"\1", text)
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
    elif name == "product_detail":
        _details(row, cells, schema=schema, warnings=warnings)
    else:
        _other(row, name, cells, schema=schema, warnings=warnings, kind=kind)


def _detail_order(column: str) -> tuple[str, ...]:
    """The sub-attributes a text feed's header lists, in its order (all three by default).

    >>> _detail_order("product_detail(attribute_name:attribute_value)")
    ('attribute_name', 'attribute_value')
    """
    found = re.search(r"\((.*)\)\s*$", column)
    if found is None:
        return _DETAIL_PARTS
    order = tuple(canonical_name(part) for part in found.group(1).split(":"))
    if set(order) - set(_DETAIL_PARTS) or "attribute_name" not in order \
            or "attribute_value" not in order or len(set(order)) != len(order):
        raise ValueError(f"the header {column!r} should list its sub-attributes as "
                         "product_detail(section_name:attribute_name:attribute_value)")
    return order


def _split_entries(text: str, parts: int) -> list[list[str]]:
    """Merchant Center's text form of product details: entries separated by commas, each
    ``section:name:value``; a quoted piece may hold commas or colons ("" is a quote).

    >>> _split_entries('Allergens:Contains:"gluten, milk",General:Type:Bread', 3)
    [['Allergens', 'Contains', 'gluten, milk'], ['General', 'Type', 'Bread']]
    """
    entries: list[list[str]] = []
    entry: list[str] = []
    piece: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            if quoted and text[i + 1:i + 2] == '"':
                piece.append('"')
                i += 1
            else:
                quoted = not quoted
        elif char == "," and not quoted:
            entries.append([*entry, "".join(piece)])
            entry, piece = [], []
        elif char == ":" and not quoted and len(entry) < parts - 1:
            entry.append("".join(piece))
            piece = []
        else:
            piece.append(char)
        i += 1
    if quoted:
        raise ValueError("a quote is not closed")
    entries.append([*entry, "".join(piece)])
    return [[part.strip() for part in found] for found in entries
            if any(part.strip() for part in found)]


_Detail = tuple[str, str, str | list[Any]]  # section, attribute name, value(s)


def _detail_entries(cell: Cell) -> list[_Detail]:
    """(section, attribute name, value) of each product detail in one cell: an object (XML
    element, JSON), a list of them, or Merchant Center's text form."""
    value = cell.value
    if isinstance(value, dict):
        keys = {re.sub(r"[\s_-]", "", str(k).casefold().removeprefix("g:")): v
                for k, v in value.items()}
        name = keys.get("attributename")
        text = keys.get("attributevalue")
        if _is_blank(name) or _is_blank(text):
            raise ValueError("a product detail needs an attribute_name and an attribute_value")
        section = keys.get("sectionname")
        return [("" if _is_blank(section) else _text(section).strip(), _text(name).strip(),
                 text if isinstance(text, list) else _text(text))]
    if isinstance(value, list):
        found: list[_Detail] = []
        for item in value:
            if not _is_blank(item):
                found.extend(_detail_entries(Cell(cell.column, cell.name, item, cell.line)))
        return found
    order = _detail_order(cell.column)
    entries: list[_Detail] = []
    for parts in _split_entries(_text(value), len(order)):
        if len(parts) == 2 and len(order) == 3:
            parts = ["", *parts]  # "name:value" without a section, whatever the header says
            named = dict(zip(_DETAIL_PARTS, parts, strict=True))
        elif len(parts) == len(order):
            named = dict(zip(order, parts, strict=True))
        else:
            raise ValueError(f"the product detail {':'.join(parts)!r} should read "
                             f"{':'.join(order)}; quote a value holding a comma")
        entries.append((named.get("section_name", ""), named["attribute_name"],
                        named["attribute_value"]))
    return entries


def facet_named(schema: FacetSchema, text: str) -> Facet | None:
    """The facet ``text`` names: its name or its label, in any case and spacing
    ("Allergens", "allergens", "Sugar-free", "Colour" where that is the label).

    >>> from prefero.catalog.facets import load_facet_schema
    >>> facet_named(load_facet_schema(), " Size ").name
    'size'
    """
    if not text.strip():
        return None
    facet = schema.get(canonical_name(text))
    if facet is not None:
        return facet
    folded = " ".join(text.split()).casefold()
    for candidate in schema.facets:
        if candidate.label.casefold() == folded:
            return candidate
    return None


def _detail_facet(schema: FacetSchema, section: str, name: str) -> Facet | None:
    """The facet a product detail describes: its attribute name (else its section name)
    names it (``facet_named``)."""
    for text in (name, section):
        facet = facet_named(schema, text)
        if facet is not None:
            return facet
    return None


def _details(row: _Row, cells: list[Cell], *, schema: FacetSchema, warnings: Warnings) -> None:
    """Product details that name a facet become its values; a multi-valued facet gathers
    every value (allergens stated in several details, or in a column and a detail), any
    other facet keeps the value given first (its own column or element before details)."""
    for cell in cells:
        try:
            entries = _detail_entries(cell)
        except ValueError as exc:
            row.error(cell, "product_detail", str(exc))
            continue
        for section, name, value in entries:
            facet = _detail_facet(schema, section, name)
            if facet is None:
                warnings.add(f"product detail {name!r} names no facet of the schema; ignored")
                continue
            source = Cell(f"{cell.column} ({name})", facet.name, value, cell.line)
            if facet.name not in row.facets:
                row.facets[facet.name] = value
                row.facet_sources[facet.name] = source
            elif facet.type == "multi":
                try:
                    row.facets[facet.name] = [*schema.coerce(facet.name, row.facets[facet.name]),
                                              *schema.coerce(facet.name, value)]
                except ValueError as exc:
                    row.error(source, facet.name, str(exc))


def _validation_reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    loc = error["loc"]
    if len(loc) > 1 and isinstance(loc[1], int):
        return f"value {loc[1] + 1}: {message}"
    return message


def _currency(row: _Row) -> str | None:
    """The row's currency code, once the price and currency have both been read."""
    code = row.fields.get("currency")
    if row.failed & {"price", "currency"} or not isinstance(code, str):
        return None
    return code if _CURRENCY_CODE.fullmatch(code) else None


#: Merchant Center's values for gender and age group.
_GENDERS = ("male", "female", "unisex")
_AGE_GROUPS = ("newborn", "infant", "toddler", "kids", "adult")


def valid_gtin(text: str) -> bool:
    """A GTIN-8, 12, 13 or 14 with its check digit right.

    >>> [valid_gtin(g) for g in ("5901234123457", "5901234123458", "96385074", "12-3")]
    [True, False, True, False]
    """
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in reversed(text[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return (10 - total % 10) % 10 == int(text[-1])


def _web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _advise(product: ProductIn, present: dict[str, list[Cell]], *, line: int,
            warnings: Warnings) -> None:
    """Warnings for values kept as given that a shop would want to fix: they are stored,
    but a shopper or a channel reading them would be misled."""
    if "availability" not in present:
        warnings.at(line, "availability is missing: imported as in stock")
    if product.gtin is not None and not valid_gtin(product.gtin):
        warnings.at(line, "gtin is not a valid GTIN-8, -12, -13 or -14 (its length or check "
                    "digit); kept as given")
    for name, value in (("link", product.link), ("image_link", product.image_link)):
        if value is not None and not _web_address(value):
            warnings.at(line, f"{name} is not an http(s) address; kept as given")
    for facet, allowed in (("gender", _GENDERS), ("age_group", _AGE_GROUPS)):
        given = product.facets.get(facet)
        values = given if isinstance(given, list) else [] if given is None else [given]
        if any(str(value) not in allowed for value in values):
            warnings.at(line, f"{facet} should be one of {', '.join(allowed)}; kept as given")


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
    # A separate "category" wins over product_type, whichever comes first in the row; product
    # details come last, so that a facet's own column or element wins over them.
    ordered = sorted(groups.items(),
                     key=lambda item: (item[0] != "category", item[0] == "product_detail"))
    present: dict[str, list[Cell]] = {}
    for name, group in ordered:
        facet = schema.get(name)
        filled = [cell for cell in group if not _is_blank(cell.value)
                  or (facet is not None and states_none(facet, cell.value))]
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
    price_cell = row.sources.get("price")
    price_at = (price_cell.line, price_cell.column) if price_cell is not None else None
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
        else:
            _advise(product, present, line=line, warnings=warnings)
    if row.errors:
        # In the order of the row's columns, as the person fixing the feed reads it.
        ordered_errors = sorted(row.errors, key=lambda e: (e.line, position.get(e.column, 1 << 30)))
        errors = tuple(
            RowError(error.line, error.column, error.reason, product_id)
            for error in ordered_errors
        )
        return ParsedRow(line, None, errors, product_id, id_column,
                         _currency(row), price_at)
    return ParsedRow(line, product, (), product_id, id_column, _currency(row), price_at)

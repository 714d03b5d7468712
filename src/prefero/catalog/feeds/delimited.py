"""Merchant Center delimited feeds: CSV and TSV (also ';' and '|'), delimiter read from the
header line, quoted multi-line fields, BOM and CRLF tolerated."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds import shopify, woocommerce
from prefero.catalog.feeds.base import (
    FeedError,
    FeedFormat,
    FeedRows,
    ParsedRow,
    RowError,
    Warnings,
)
from prefero.catalog.feeds.mapping import PRODUCT_FIELDS, Cell, build_row, canonical_name
from prefero.catalog.feeds.source import FeedSource, as_stream, text_lines

if TYPE_CHECKING:
    from _csv import Reader as _Reader

__all__ = ["parse_delimited", "sniff_delimiter"]

_DELIMITERS = ("\t", ",", ";", "|")
# Attributes that may be given in several columns of the same name.
_REPEATABLE = frozenset({"additional_image_link", "product_type", "product_detail"})
_REQUIRED_COLUMNS = ("id", "title", "price")
#: Shop platforms' own exports, recognised by their headers and read as they come.
_PLATFORMS = ((shopify.recognises, shopify.shopify_rows),
              (woocommerce.recognises, woocommerce.woocommerce_rows))


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line: the most frequent of tab, ',', ';' and '|' (in that
    order of preference on a tie). Headers hold attribute names, never these characters.

    >>> [sniff_delimiter(h) for h in ("id\\ttitle\\tprice", "id;title;g:price", "id")]
    ['\\t', ';', ',']
    """
    counts = [(header_line.count(delimiter), -rank, delimiter)
              for rank, delimiter in enumerate(_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def _through_first_line(lines: Iterator[str]) -> list[str]:
    """The lines up to and including the first one that is not blank (it names the
    delimiter); read at once, they are given back to the csv reader in front of the rest."""
    leading: list[str] = []
    for line in lines:
        leading.append(line)
        if line.strip():
            return leading
    raise FeedError("the file is empty")


class _Header:
    def __init__(self, cells: list[str], line: int, schema: FacetSchema,
                 warnings: Warnings) -> None:
        self.line = line
        self.columns = [cell.strip().lstrip("\ufeff") for cell in cells]
        self.names = [canonical_name(column) for column in self.columns]
        seen: dict[str, int] = {}
        for position, (column, name) in enumerate(zip(self.columns, self.names, strict=True), 1):
            if not column:
                warnings.add(f"column {position} has no name in the header; ignored")
                continue
            if name in seen and name not in _REPEATABLE:
                raise FeedError(
                    f"the header names {name!r} twice (columns {seen[name]} and {position})",
                    line=line,
                )
            seen.setdefault(name, position)
            if name not in PRODUCT_FIELDS and schema.get(name) is None:
                warnings.add(f"column {column!r} is neither a product field nor a facet of "
                             "the schema; ignored")
        missing = [name for name in _REQUIRED_COLUMNS if name not in seen]
        if missing:
            found = ", ".join(repr(column) for column in self.columns if column) or "nothing"
            raise FeedError(
                f"the header has no {' or '.join(repr(m) for m in missing)} column "
                f"(found {found})",
                line=line,
            )
        # Unknown and unnamed columns are dropped here, once, not in every row.
        self.used = [
            position for position, (column, name) in enumerate(zip(self.columns, self.names,
                                                                   strict=True))
            if column and (name in PRODUCT_FIELDS or schema.get(name) is not None)
        ]


def _size_error(record: list[str], columns: list[str], start: int) -> RowError:
    reason = f"the row has {len(record)} values but the header has {len(columns)} columns"
    if any("\n" in value or "\r" in value for value in record):
        # A stray quote makes the reader swallow the following lines into one value.
        reason += "; a quoted value in it spans several lines: is a closing quote missing?"
    return RowError(start, None, reason)


def _records(reader: _Reader, columns: list[str]
             ) -> Iterator[tuple[int, list[str]] | ParsedRow]:
    """Each record with the line it starts on, or a row of the wrong size as a broken row;
    blank lines skipped."""
    previous = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FeedError(f"the file cannot be read as delimited text: {exc}",
                            line=previous + 1) from exc
        # line_num counts physical lines read so far, so a record spanning lines
        # (a quoted multi-line description) still reports the line it starts on.
        start, previous = previous + 1, reader.line_num
        if not any(value.strip() for value in record):
            continue  # a blank line, or one of only delimiters
        if len(record) != len(columns):
            yield ParsedRow(start, None, (_size_error(record, columns, start),))
            continue
        yield start, record


def _rows(reader: _Reader, header: _Header, schema: FacetSchema,
          warnings: Warnings) -> Iterator[ParsedRow]:
    for record in _records(reader, header.columns):
        if isinstance(record, ParsedRow):
            yield record
            continue
        start, values = record
        cells = [Cell(header.columns[i], header.names[i], values[i], start) for i in header.used]
        yield build_row(cells, line=start, schema=schema, warnings=warnings, kind="column")


def parse_delimited(data: FeedSource, *, schema: FacetSchema,
                    delimiter: str | None = None, currency: str | None = None) -> FeedRows:
    """Parse a CSV/TSV product feed; the header is read (and checked) at once, rows lazily,
    a line at a time from a file. A Shopify product export is recognised by its header and
    read as one (``prefero.catalog.feeds.shopify``), and so is a WooCommerce one
    (``woocommerce``), their prices in ``currency`` (the shop's: the exports name none).

    ``delimiter`` ``None`` sniffs it from the header line. Raises :class:`FeedError` for a
    file that is not UTF-8, empty, or whose header lacks id, title or price.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> feed = parse_delimited(b"id\\ttitle\\tprice\\nA1\\tTee\\t9.99 EUR\\n",
    ...                        schema=load_facet_schema())
    >>> [(row.line, row.product.id, str(row.product.price)) for row in feed]
    [(2, 'A1', '9.99')]
    """
    lines = text_lines(as_stream(data), newline="")
    leading = _through_first_line(lines)
    delimiter = delimiter or sniff_delimiter(leading[-1].rstrip("\r\n"))
    warnings = Warnings()
    reader = csv.reader(chain(leading, lines), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                break
            previous = reader.line_num
        else:
            raise FeedError("the file is empty")
    except csv.Error as exc:
        raise FeedError(f"the header cannot be read: {exc}", line=previous + 1) from exc
    format = FeedFormat.TSV if delimiter == "\t" else FeedFormat.CSV
    for recognises, platform_rows in _PLATFORMS:
        if recognises(cells):
            return FeedRows(platform_rows(_records(reader, cells), cells, schema=schema,
                                          warnings=warnings, currency=currency),
                            warnings, format)
    header = _Header(cells, previous + 1, schema, warnings)
    return FeedRows(_rows(reader, header, schema, warnings), warnings, format)

"""JSON Lines feeds: one product object per line, keys as in ``ProductIn`` or the
Merchant Center attribute names (``g:`` prefix allowed)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds.base import (
    FeedError,
    FeedFormat,
    FeedRows,
    ParsedRow,
    RowError,
    Warnings,
)
from prefero.catalog.feeds.mapping import Cell, build_row, canonical_name
from prefero.catalog.feeds.source import FeedSource, as_stream, text_lines

__all__ = ["parse_jsonl"]


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def _rows(lines: Iterable[str], schema: FacetSchema, warnings: Warnings) -> Iterator[ParsedRow]:
    # Lines end at "\n" only (text_lines(newline="\n")), never at U+2028 and friends, which
    # may appear raw inside JSON strings.
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            # Decimal keeps prices exact (12.30 stays 12.30, never 12.2999...).
            value = json.loads(line, parse_float=Decimal, parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            error = RowError(number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
            yield ParsedRow(number, None, (error,))
            continue
        except ValueError as exc:
            yield ParsedRow(number, None, (RowError(number, None, f"not valid JSON: {exc}"),))
            continue
        except RecursionError:
            # A line of [[[[...]]]] a thousand deep: Python's parser gives up, the row does.
            yield ParsedRow(number, None, (RowError(number, None, "JSON nested too deeply"),))
            continue
        if not isinstance(value, dict):
            error = RowError(number, None, f"expected a JSON object, got {_kind(value)}")
            yield ParsedRow(number, None, (error,))
            continue
        cells = [Cell(str(key), canonical_name(str(key)), item, number)
                 for key, item in value.items()]
        yield build_row(cells, line=number, schema=schema, warnings=warnings, kind="key")


def parse_jsonl(data: FeedSource, *, schema: FacetSchema) -> FeedRows:
    """Parse a JSON Lines product feed; rows are read lazily, a line at a time from a file.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> line = b'{"id": "A1", "title": "Tee", "price": 9.5, "currency": "EUR", "diet": "vegan"}'
    >>> [(r.line, str(r.product.price), r.product.facets) for r in
    ...  parse_jsonl(line, schema=load_facet_schema())]
    [(1, '9.5', {'diet': ['vegan']})]
    """
    lines = text_lines(as_stream(data), newline="\n")
    leading: list[str] = []  # up to the first line that is not blank, read at once
    for line in lines:
        leading.append(line)
        if line.strip():
            break
    else:
        raise FeedError("the file is empty")
    if leading[-1].lstrip().startswith("["):
        raise FeedError(
            "the file is one JSON array; JSON Lines needs one product object per line",
            line=len(leading),
        )
    warnings = Warnings()
    return FeedRows(_rows(chain(leading, lines), schema, warnings), warnings, FeedFormat.JSONL)

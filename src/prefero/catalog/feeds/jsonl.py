"""JSON Lines feeds: one product object per line, keys as in ``ProductIn`` or the
Merchant Center attribute names (``g:`` prefix allowed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

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
from prefero.catalog.feeds.text import decode_feed

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


def _rows(text: str, schema: FacetSchema, warnings: Warnings) -> Iterator[ParsedRow]:
    # split("\n"), not splitlines(): U+2028 and friends may appear raw inside JSON strings.
    for number, raw in enumerate(text.split("\n"), start=1):
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
        if not isinstance(value, dict):
            error = RowError(number, None, f"expected a JSON object, got {_kind(value)}")
            yield ParsedRow(number, None, (error,))
            continue
        cells = [Cell(str(key), canonical_name(str(key)), item, number)
                 for key, item in value.items()]
        yield build_row(cells, line=number, schema=schema, warnings=warnings, kind="key")


def parse_jsonl(data: bytes, *, schema: FacetSchema) -> FeedRows:
    """Parse a JSON Lines product feed; rows are read lazily.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> line = b'{"id": "A1", "title": "Tee", "price": 9.5, "currency": "EUR", "diet": "vegan"}'
    >>> [(r.line, str(r.product.price), r.product.facets) for r in
    ...  parse_jsonl(line, schema=load_facet_schema())]
    [(1, '9.5', {'diet': ['vegan']})]
    """
    text = decode_feed(data)
    if not text.strip():
        raise FeedError("the file is empty")
    if text.lstrip().startswith("["):
        raise FeedError(
            "the file is one JSON array; JSON Lines needs one product object per line",
            line=text[: len(text) - len(text.lstrip())].count("\n") + 1,
        )
    warnings = Warnings()
    return FeedRows(_rows(text, schema, warnings), warnings, FeedFormat.JSONL)

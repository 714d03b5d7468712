"""One entry point for every feed format."""

from __future__ import annotations

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds.base import FeedError, FeedFormat, FeedRows
from prefero.catalog.feeds.delimited import parse_delimited
from prefero.catalog.feeds.detect import detect_format
from prefero.catalog.feeds.jsonl import parse_jsonl
from prefero.catalog.feeds.source import FeedSource, as_stream, peek
from prefero.catalog.feeds.xmlfeed import parse_xml

__all__ = ["HEAD_BYTES", "parse_feed"]

HEAD_BYTES = 4096


def parse_feed(data: FeedSource, *, schema: FacetSchema,
               format: FeedFormat | str | None = None, filename: str | None = None,
               currency: str | None = None) -> FeedRows:
    """Parse ``data`` as ``format`` (csv, tsv, xml, jsonl), detected when not given.
    ``currency``: the shop's, for exports that name none (Shopify's).

    ``data`` is the feed's bytes or a seekable binary file, which is then read a piece at a
    time as the rows are iterated (a large upload is never held whole in memory).

    Raises :class:`FeedError` when the file as a whole is unreadable, now or while the
    rows are read; row problems come back as the rows' ``errors``.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> feed = parse_feed(b"id,title,price\\nA1,Tee,9.99 EUR\\nA1,Tee,9.99 EUR\\n",
    ...                   schema=load_facet_schema(), filename="shop.csv")
    >>> [(row.line, [e.reason for e in row.errors]) for row in feed]
    [(2, []), (3, ["duplicate id 'A1'; first seen on line 2"])]
    """
    stream = as_stream(data)
    if format is None:
        chosen = detect_format(filename, peek(stream, HEAD_BYTES))
    else:
        try:
            chosen = FeedFormat(str(format).strip().casefold())
        except ValueError:
            known = ", ".join(member.value for member in FeedFormat)
            raise FeedError(f"unknown feed format {format!r}; use one of {known}") from None
    if chosen is FeedFormat.XML:
        return parse_xml(stream, schema=schema)
    if chosen is FeedFormat.JSONL:
        return parse_jsonl(stream, schema=schema)
    return parse_delimited(stream, schema=schema, currency=currency,
                           delimiter="\t" if chosen is FeedFormat.TSV else None)

"""Which parser a feed needs: from the file name when it says, else from the first bytes."""

from __future__ import annotations

import codecs
from pathlib import PurePath

from prefero.catalog.feeds.base import FeedError, FeedFormat

__all__ = ["detect_format"]

_EXTENSIONS = {
    ".csv": FeedFormat.CSV,
    ".tsv": FeedFormat.TSV,
    ".tab": FeedFormat.TSV,
    ".xml": FeedFormat.XML,
    ".rss": FeedFormat.XML,
    ".atom": FeedFormat.XML,
    ".jsonl": FeedFormat.JSONL,
    ".ndjson": FeedFormat.JSONL,
}
_COMPRESSED = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"BZh": "bzip2"}


def _head_text(head_bytes: bytes) -> str:
    if head_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # A cut-off head may end inside a character; that is fine for sniffing.
        return head_bytes.decode("utf-16", errors="ignore")
    return head_bytes.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")


def detect_format(filename: str | None, head_bytes: bytes) -> FeedFormat:
    """Pick the parser: a known extension (.csv .tsv .xml .rss .atom .jsonl .ndjson) decides;
    otherwise (``.txt``, no name) the content does: ``<`` → XML, ``{`` → JSON Lines, else
    delimited text, TSV when the first line has a tab.

    >>> detect_format("feed.txt", b"id\\ttitle\\tprice\\n")
    <FeedFormat.TSV: 'tsv'>
    >>> detect_format(None, b'\\xef\\xbb\\xbf<?xml version="1.0"?><rss>')
    <FeedFormat.XML: 'xml'>
    """
    for magic, kind in _COMPRESSED.items():
        if head_bytes.startswith(magic):
            raise FeedError(f"the file is {kind}-compressed; decompress it and import the feed")
    if filename:
        known = _EXTENSIONS.get(PurePath(filename).suffix.casefold())
        if known is not None:
            return known
    text = _head_text(head_bytes).lstrip()
    if text.startswith("<"):
        return FeedFormat.XML
    if text.startswith(("{", "[")):
        return FeedFormat.JSONL
    first_line = text.split("\n", 1)[0]
    return FeedFormat.TSV if "\t" in first_line else FeedFormat.CSV

"""Merchant Center XML feeds: RSS 2.0 (``<item>``) and Atom (``<entry>``) with the ``g:``
namespace. Parsed with defusedxml, which refuses entity declarations (XML bombs) and
external references, incrementally, so that every value knows its element's line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from prefero.catalog.facets import FacetSchema
from prefero.catalog.feeds.base import FeedError, FeedFormat, FeedRows, ParsedRow, Warnings
from prefero.catalog.feeds.mapping import Cell, build_row, canonical_name
from prefero.catalog.feeds.source import FeedSource, as_stream, is_blank, peek

__all__ = ["ATOM_NS", "GOOGLE_NS", "parse_xml"]

GOOGLE_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
_RSS1_NS = "http://purl.org/rss/1.0/"
_ITEMS = frozenset({"item", f"{{{_RSS1_NS}}}item", f"{{{ATOM_NS}}}entry"})
# Core RSS/Atom elements of an item that say nothing about the product: not worth a warning.
_IGNORED = frozenset({
    "guid", "pubdate", "author", "comments", "source", "enclosure", "updated", "published",
    "rights", "contributor", "category",
})
_CHUNK = 1 << 16
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


@dataclass
class _Field:
    tag: str
    line: int
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)
    # (tag, text pieces) of its child elements: the sub-attributes of a g:product_detail
    children: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class _Item:
    line: int
    fields: list[_Field] = field(default_factory=list)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _column(tag: str) -> str:
    """The element's name as a person would write it: ``g:price``, ``title``."""
    namespace, local = _split(tag)
    if namespace == GOOGLE_NS:
        return f"g:{local}"
    if namespace in ("", ATOM_NS, _RSS1_NS):
        return local
    return tag


class _Collector:
    """The parser's target: turns start/data/end events into items with their fields.

    Only direct children of an item are fields; text of deeper elements (an XHTML
    description) belongs to the child that contains it.
    """

    def __init__(self) -> None:
        self.line: Callable[[], int] = lambda: 0
        self.items: list[_Item] = []
        self._depth = 0
        self._item: _Item | None = None
        self._item_depth = 0
        self._field: _Field | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._item is None:
            if tag in _ITEMS:
                self._item = _Item(self.line())
                self._item_depth = self._depth
        elif self._depth == self._item_depth + 1:
            self._field = _Field(tag, self.line(), dict(attrs))
        elif self._depth == self._item_depth + 2 and self._field is not None:
            self._field.children.append((tag, []))

    def data(self, text: str) -> None:
        if self._field is not None:
            self._field.parts.append(text)
            if self._depth > self._item_depth + 1 and self._field.children:
                self._field.children[-1][1].append(text)

    def end(self, tag: str) -> None:
        if self._item is not None:
            if self._field is not None and self._depth == self._item_depth + 1:
                self._item.fields.append(self._field)
                self._field = None
            elif self._depth == self._item_depth:
                self.items.append(self._item)
                self._item = None
        self._depth -= 1

    def close(self) -> None:
        return None


def _cells(item: _Item) -> list[Cell]:
    """Fields → cells. Google's ``g:`` elements win over the RSS/Atom ones of the same
    meaning (``g:title`` over ``title``, ``g:id`` over Atom's ``id`` URI)."""
    google: list[Cell] = []
    core: list[Cell] = []
    atom_id: Cell | None = None
    summaries: list[Cell] = []
    for element in item.fields:
        namespace, local = _split(element.tag)
        text = "".join(element.parts)
        column = _column(element.tag)
        if canonical_name(local) == "product_detail":
            # Its sub-elements (section_name, attribute_name, attribute_value) are its value;
            # without them, its text in Merchant Center's "section:name:value" form.
            detail: dict[str, str] | str = (
                {_split(tag)[1]: "".join(parts) for tag, parts in element.children}
                if element.children else text)
            (google if namespace == GOOGLE_NS else core).append(
                Cell(column, "product_detail", detail, element.line))
        elif namespace == GOOGLE_NS:
            google.append(Cell(column, canonical_name(local), text, element.line))
        elif namespace == ATOM_NS and local == "link":
            if element.attrs.get("rel", "alternate") == "alternate":
                core.append(Cell(column, "link", element.attrs.get("href", text), element.line))
        elif namespace == ATOM_NS and local == "id":
            atom_id = Cell(column, "id", text, element.line)
        elif namespace == ATOM_NS and local in ("summary", "content"):
            summaries.append(Cell(column, "description", text, element.line))
        elif local.casefold() in _IGNORED:
            continue
        else:
            core.append(Cell(column, canonical_name(local), text, element.line))
    names = {cell.name for cell in google} | {cell.name for cell in core}
    fallbacks = [cell for cell in ([atom_id] if atom_id else []) + summaries[:1]
                 if cell.name not in names]
    # Mapping takes the first non-empty value of a single-valued attribute: g: first.
    return google + core + fallbacks


def _items(stream: BinaryIO, schema: FacetSchema, warnings: Warnings) -> Iterator[ParsedRow]:
    collector = _Collector()
    parser = DefusedXMLParser(target=collector)
    # The pure-Python parser keeps its expat object public: its position during a start
    # event is the line of that start tag.
    collector.line = lambda: int(parser.parser.CurrentLineNumber)
    count = 0
    head = peek(stream, 256)  # where an encoding declaration would be
    try:
        # A piece at a time from the file: a large feed is never held whole.
        while chunk := stream.read(_CHUNK):
            _feed(parser, head, chunk)
            for row in _drain(collector, schema, warnings):
                count += 1
                yield row
        _feed(parser, head, None)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        reason = str(exc).split(":", 1)[0]
        raise FeedError(f"the file is not well-formed XML: {reason} (column {column})",
                        line=line) from exc
    except DefusedXmlException as exc:
        raise FeedError(
            "the XML declares entities or refers to external resources; refused, because "
            f"entity expansion is how XML bombs work ({type(exc).__name__})",
            line=int(parser.parser.CurrentLineNumber),
        ) from exc
    for row in _drain(collector, schema, warnings):
        count += 1
        yield row
    if not count:
        warnings.add("the XML has no <item> (RSS) or <entry> (Atom) elements")


def _feed(parser: DefusedXMLParser, data: bytes, chunk: bytes | None) -> None:
    """Feed ``chunk`` (``None``: close). Expat reads UTF-8, UTF-16 and single-byte code pages
    and raises a bare ValueError or LookupError for the encoding a declaration names when it
    cannot (Shift_JIS, any multi-byte one, or a name it does not know)."""
    try:
        if chunk is None:
            parser.close()
        else:
            parser.feed(chunk)
    except DefusedXmlException:
        raise  # a ValueError too, but its own refusal (entities), reported by the caller
    except (ValueError, LookupError) as exc:
        match = _DECLARED_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf")[:200])
        named = match.group(1).decode("ascii", "replace") if match else "its declared encoding"
        raise FeedError(f"the XML is in {named}, an encoding the importer cannot read; save "
                        "the feed as UTF-8", line=1) from exc


def _drain(collector: _Collector, schema: FacetSchema, warnings: Warnings) -> Iterator[ParsedRow]:
    items, collector.items = collector.items, []
    for item in items:
        yield build_row(_cells(item), line=item.line, schema=schema, warnings=warnings,
                        kind="element")


def parse_xml(data: FeedSource, *, schema: FacetSchema) -> FeedRows:
    """Parse an RSS 2.0 or Atom product feed. Rows are read lazily; a file that stops being
    well-formed raises :class:`FeedError` (with its line) while iterating.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> xml = (b'<rss xmlns:g="http://base.google.com/ns/1.0"><channel>\\n'
    ...        b'<item><g:id>A1</g:id><title>Tee</title><g:price>9.99 EUR</g:price></item>'
    ...        b'</channel></rss>')
    >>> [(row.line, row.product.id) for row in parse_xml(xml, schema=load_facet_schema())]
    [(2, 'A1')]
    """
    stream = as_stream(data)
    if is_blank(stream):
        raise FeedError("the file is empty")
    warnings = Warnings()
    return FeedRows(_items(stream, schema, warnings), warnings, FeedFormat.XML)

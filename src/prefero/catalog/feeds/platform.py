"""What the shop platforms' own exports (``shopify``, ``woocommerce``) share: a header read
by lower-cased column name, some columns naming a facet of the schema (a metafield, a
``Meta:`` column), and each record's non-blank values as cells."""

from __future__ import annotations

from collections.abc import Iterator

from prefero.catalog.feeds.base import ParsedRow
from prefero.catalog.feeds.mapping import Cell

__all__ = ["PlatformHeader"]


class PlatformHeader:
    """A platform export's header.

    >>> header = PlatformHeader(["Handle", " Title", "Material (m)"])
    >>> header.facets[2] = "material"
    >>> sorted(header.cells(["linen-shirt", "", "linen"], 2))
    ['facet:material', 'handle']
    """

    def __init__(self, columns: list[str]) -> None:
        self.columns = [column.strip().lstrip("\ufeff") for column in columns]
        self.keys = [column.casefold() for column in self.columns]
        #: column position → the facet that column fills
        self.facets: dict[int, str] = {}

    def read(self, records: Iterator[tuple[int, list[str]] | ParsedRow]
             ) -> Iterator[tuple[int, dict[str, Cell]] | ParsedRow]:
        """Each record as its line and cells; a row already found broken passes as it is."""
        for record in records:
            if isinstance(record, ParsedRow):
                yield record
            else:
                line, values = record
                yield line, self.cells(values, line)

    def cells(self, record: list[str], line: int) -> dict[str, Cell]:
        """The record's non-blank values: by lower-cased column, or ``facet:<name>`` for a
        column that fills a facet (the schema splits its lists)."""
        found: dict[str, Cell] = {}
        for position, value in enumerate(record):
            if not value.strip():
                continue
            facet = self.facets.get(position)
            key = f"facet:{facet}" if facet is not None else self.keys[position]
            found[key] = Cell(self.columns[position], facet or self.keys[position], value,
                              line)
        return found

"""The shapes every feed parser shares: formats, rows, file-level errors, warnings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from prefero.catalog.schemas import ProductIn, RowError

__all__ = ["FeedError", "FeedFormat", "FeedRows", "ParsedRow", "RowError", "Warnings"]


class FeedFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    XML = "xml"
    JSONL = "jsonl"


class FeedError(Exception):
    """The file as a whole cannot be read (not UTF-8, not well-formed XML, a header without
    an ``id`` column...). Unlike a row error, no row of such a file can be trusted."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One row of a feed: a valid ``product``, or the ``errors`` that keep it out.

    ``currency`` is the row's currency code when its price and currency were readable (also
    in a row with other errors, so that an importer can report a missing exchange rate with
    them), and ``price_at`` the line and column of its price as written."""

    line: int
    product: ProductIn | None
    errors: tuple[RowError, ...] = ()
    product_id: str | None = None
    id_column: str = "id"
    currency: str | None = None
    price_at: tuple[int, str] | None = None


class Warnings:
    """Warnings of one feed, each message kept once and in the order first seen."""

    def __init__(self) -> None:
        self._messages: dict[str, None] = {}

    def add(self, message: str) -> None:
        self._messages.setdefault(message)

    def as_list(self) -> list[str]:
        return list(self._messages)


class FeedRows:
    """The rows of a parsed feed, read lazily, and the warnings gathered while reading.

    Iterating flags a repeated product id as an error of the *later* row. ``warnings`` is
    complete once the rows have been read. Iteration may raise :class:`FeedError` when
    the file breaks part-way (e.g. XML that stops being well-formed).

    >>> rows = FeedRows([], Warnings(), FeedFormat.CSV)
    >>> (list(rows), rows.warnings, rows.format)
    ([], [], <FeedFormat.CSV: 'csv'>)
    """

    def __init__(self, rows: Iterable[ParsedRow], warnings: Warnings, format: FeedFormat) -> None:
        self._rows = rows
        self._warnings = warnings
        self.format = format

    @property
    def warnings(self) -> list[str]:
        return self._warnings.as_list()

    def __iter__(self) -> Iterator[ParsedRow]:
        first_seen: dict[str, int] = {}
        for row in self._rows:
            pid = row.product_id
            if pid is None:
                yield row
                continue
            first = first_seen.get(pid)
            if first is None:
                first_seen[pid] = row.line
                yield row
                continue
            duplicate = RowError(
                row.line, row.id_column, f"duplicate id {pid!r}; first seen on line {first}", pid
            )
            yield ParsedRow(row.line, None, (*row.errors, duplicate), pid, row.id_column)

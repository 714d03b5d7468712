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
    """Warnings of one feed, each message kept once and in the order first seen; a message
    about rows (``at``) lists the lines it concerns, the first ``LINES_SHOWN`` of them.

    >>> warnings = Warnings()
    >>> for line in (3, 9):
    ...     warnings.at(line, "gtin is not a valid GTIN; kept as given")
    >>> warnings.add("column 'x' is ignored")
    >>> warnings.as_list()
    ['gtin is not a valid GTIN; kept as given (lines 3, 9)', "column 'x' is ignored"]
    """

    LINES_SHOWN = 20

    def __init__(self) -> None:
        self._messages: dict[str, list[int]] = {}
        self._counts: dict[str, int] = {}

    def add(self, message: str) -> None:
        self._messages.setdefault(message, [])

    def at(self, line: int, message: str) -> None:
        lines = self._messages.setdefault(message, [])
        self._counts[message] = self._counts.get(message, 0) + 1
        if len(lines) < self.LINES_SHOWN:
            lines.append(line)

    def as_list(self) -> list[str]:
        return [self._render(message, lines) for message, lines in self._messages.items()]

    def _render(self, message: str, lines: list[int]) -> str:
        if not lines:
            return message
        more = self._counts[message] - len(lines)
        listed = ", ".join(map(str, lines)) + (f" and {more:,} more" if more else "")
        return f"{message} (line{'s' if self._counts[message] > 1 else ''} {listed})"


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

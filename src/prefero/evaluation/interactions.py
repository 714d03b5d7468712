"""Read interaction and item tables into ``SequenceData`` and attribute tuples.

Two layouts are accepted, told apart by the header:

* delimited text with a header (``,``, tab or ``;``, whichever the header line uses
  most): interactions ``user_id,item_id,timestamp[,value]``, items ``item_id`` plus facet
  columns whose multi-valued cells are split on ``|``;
* RecBole atomic files (``ml-100k.inter``, ``ml-100k.item``): tab-separated, every header
  name carries a type suffix (``user_id:token``, ``timestamp:float``, ``class:token_seq``);
  ``*_seq`` cells are split on spaces, and a ``rating`` column stands in for ``value``.

Timestamps are numbers (seconds). Each user's interactions are sorted by time, equal times
keeping file order, so the leave-one-out split is by time whatever order the file is in.
Any bad cell refuses the whole file with an ``InputFileError`` naming the file, the line and
the column: an evaluation on silently dropped rows would not be the evaluation asked for.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from prefero.evaluation.data import FloatArray, IntArray, SequenceData

__all__ = ["InputFileError", "read_interactions", "read_items"]

#: RecBole field types; a header name ending in ``:<one of these>`` marks a RecBole file.
RECBOLE_TYPES = frozenset({"token", "token_seq", "float", "float_seq"})
DELIMITERS = (",", "\t", ";")
MULTI_VALUE_SEPARATOR = "|"
#: Column names accepted for the interaction strength, in order of preference.
VALUE_COLUMNS = ("value", "rating")


class InputFileError(ValueError):
    """A bad input file; the message names the file, and the line and column when known."""

    def __init__(self, path: Path, message: str, *, line: int | None = None,
                 column: str | None = None) -> None:
        self.path, self.line, self.column = path, line, column
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    position: int
    #: How one cell holds several values: None (one value), "|" or whitespace (" ").
    split: str | None


@dataclass(frozen=True, slots=True)
class _Table:
    path: Path
    columns: dict[str, _Column]
    n_fields: int
    rows: Iterator[tuple[int, list[str]]]

    def require(self, name: str) -> _Column:
        column = self.columns.get(name)
        if column is None:
            raise InputFileError(
                self.path, f"missing column {name!r} (the header has: "
                f"{', '.join(self.columns) or 'nothing'})", line=1)
        return column


def _open_table(path: Path, handle: Iterator[str]) -> _Table:
    """Read the header, decide the layout, and yield ``(line number, fields)`` rows."""
    header_line = next(handle, None)
    if header_line is None or not header_line.strip():
        raise InputFileError(path, "empty file; expected a header line", line=1)
    delimiter = max(DELIMITERS, key=header_line.count)
    names = [name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))]
    recbole = all(name.rpartition(":")[2] in RECBOLE_TYPES for name in names)
    columns: dict[str, _Column] = {}
    for position, raw in enumerate(names):
        name = raw
        split_on: str | None = MULTI_VALUE_SEPARATOR
        if recbole:
            name, _, kind = raw.rpartition(":")
            split_on = " " if kind.endswith("_seq") else None
        if not name:
            raise InputFileError(path, f"header field {position + 1} has no name", line=1)
        if name in columns:
            raise InputFileError(path, f"column {name!r} appears twice in the header", line=1)
        columns[name] = _Column(name, position, split_on)
    # RecBole files are never quoted; a stray quote in a title must stay a character.
    reader = (csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE) if recbole
              else csv.reader(handle, delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[str]]]:
        for fields in reader:
            line = reader.line_num + 1  # the header line was read before the reader
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(names):
                raise InputFileError(path, f"expected {len(names)} fields "
                                     f"({delimiter!r}-separated), found {len(fields)}",
                                     line=line)
            yield line, fields

    return _Table(path, columns, len(names), rows())


def _number(table: _Table, column: _Column, line: int, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputFileError(table.path, f"expected a number, found {cell!r}", line=line,
                             column=column.name)
    return value


def _identifier(table: _Table, column: _Column, line: int, cell: str) -> str:
    value = cell.strip()
    if not value:
        raise InputFileError(table.path, "empty identifier", line=line, column=column.name)
    return value


def read_interactions(path: Path) -> SequenceData:
    """One sequence per user, sorted by ``timestamp`` (stable), with timestamps and (when
    the file has a ``value``/``rating`` column) weights kept. Users and items get dense
    indices in order of first appearance in the file. Every row is kept: a low rating is
    still an interaction for the leave-one-out protocol.

    >>> # user_id,item_id,timestamp          u1: [b, a] (sorted by time)
    >>> # u1,a,20 / u1,b,10 / u2,a,5    ->   u2: [a]
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = _open_table(path, handle)
        user_col = table.require("user_id")
        item_col = table.require("item_id")
        time_col = table.require("timestamp")
        value_col = next((table.columns[n] for n in VALUE_COLUMNS if n in table.columns), None)
        user_index: dict[str, int] = {}
        item_index: dict[str, int] = {}
        users: list[int] = []
        items: list[int] = []
        times: list[float] = []
        values: list[float] = []
        for line, fields in table.rows:
            user = _identifier(table, user_col, line, fields[user_col.position])
            item = _identifier(table, item_col, line, fields[item_col.position])
            times.append(_number(table, time_col, line, fields[time_col.position]))
            if value_col is not None:
                values.append(_number(table, value_col, line, fields[value_col.position]))
            users.append(user_index.setdefault(user, len(user_index)))
            items.append(item_index.setdefault(item, len(item_index)))
    if not users:
        raise InputFileError(path, "no interactions below the header")
    user_arr = np.asarray(users, dtype=np.int64)
    time_arr = np.asarray(times, dtype=np.float64)
    # The row number as the last key makes equal times keep their file order.
    order = np.lexsort((np.arange(len(users)), time_arr, user_arr))
    bounds = np.searchsorted(user_arr[order], np.arange(1, len(user_index)))
    sequences: list[IntArray] = np.split(np.asarray(items, dtype=np.int64)[order], bounds)
    timestamps: list[FloatArray] = np.split(time_arr[order], bounds)
    weights: list[FloatArray] | None = None
    if value_col is not None:
        weights = np.split(np.asarray(values, dtype=np.float64)[order], bounds)
    return SequenceData(user_ids=list(user_index), item_ids=list(item_index),
                        sequences=sequences, timestamps=timestamps, weights=weights)


def read_items(path: Path, data: SequenceData, *,
               columns: Sequence[str] | None = None) -> list[tuple[str, ...]]:
    """Attributes per dense item index of ``data``, as ``"column=value"`` strings from the
    facet ``columns`` (default: every column but ``item_id``). Items the file does not list
    get ``()``; rows for items that never occur in ``data`` are ignored.

    >>> # item_id,genre,year     with item "a" in data    ->  ("genre=Comedy",
    >>> # a,Comedy|Drama,1995                                  "genre=Drama", "year=1995")
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = _open_table(path, handle)
        id_col = table.require("item_id")
        if columns is None:
            facets = [c for name, c in table.columns.items() if name != "item_id"]
        else:
            facets = [table.require(name) for name in columns]
        index = data.item_index()
        attributes: list[tuple[str, ...]] = [() for _ in range(data.n_items)]
        first_line: dict[str, int] = {}
        for line, fields in table.rows:
            item = _identifier(table, id_col, line, fields[id_col.position])
            if item in first_line:
                raise InputFileError(path, f"item {item!r} is listed twice (first on line "
                                     f"{first_line[item]})", line=line, column="item_id")
            first_line[item] = line
            position = index.get(item)
            if position is None:
                continue
            values: dict[str, None] = {}
            for facet in facets:
                cell = fields[facet.position]
                parts = [cell] if facet.split is None else (
                    cell.split() if facet.split == " " else cell.split(facet.split))
                for part in parts:
                    if part.strip():
                        values[f"{facet.name}={part.strip()}"] = None
            attributes[position] = tuple(values)
    return attributes

"""Where a feed's bytes come from: bytes in memory, or a seekable binary file that is read a
piece at a time, so that a feed of hundreds of megabytes is never held whole (the API
streams an upload to a temporary file and parses it from there)."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from prefero.catalog.feeds.base import FeedError

__all__ = ["FeedSource", "as_stream", "is_blank", "peek", "text_lines"]

FeedSource = bytes | BinaryIO
_CHUNK = 1 << 16


def as_stream(data: FeedSource) -> BinaryIO:
    """A seekable binary stream over ``data`` (a file is returned as it is)."""
    return io.BytesIO(data) if isinstance(data, bytes) else data


def peek(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes from the current position, which is left where it was.

    >>> stream = io.BytesIO(b"id,title")
    >>> peek(stream, 2), stream.read()
    (b'id', b'id,title')
    """
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head


def is_blank(stream: BinaryIO) -> bool:
    """Whether the rest of the stream is only whitespace (the position is kept).

    >>> is_blank(io.BytesIO(b" \\r\\n")), is_blank(io.BytesIO(b"\\n<rss/>"))
    (True, False)
    """
    position = stream.tell()
    try:
        while chunk := stream.read(_CHUNK):
            if chunk.strip():
                return False
        return True
    finally:
        stream.seek(position)


def _undecodable_utf8(stream: BinaryIO, start: int) -> FeedError:
    """Find the first byte that is not UTF-8, reading the stream again from ``start`` (only
    on this error path), so that the message names its line as ``decode_feed`` does."""
    stream.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    first = True
    while True:
        chunk = stream.read(_CHUNK)
        if first and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8):]
        first = False
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's pending bytes (never a newline: those are all
            # >= 0x80) followed by this chunk.
            line = newlines + exc.object.count(b"\n", 0, exc.start) + 1
            return FeedError(f"the file is not UTF-8: byte 0x{exc.object[exc.start]:02x} "
                             "cannot be decoded; save the feed as UTF-8", line=line)
        if not chunk:
            return FeedError("the file is not UTF-8; save the feed as UTF-8")
        newlines += chunk.count(b"\n")


def text_lines(stream: BinaryIO, *, newline: str) -> Iterator[str]:
    """The decoded lines of a text feed, one at a time, with their line ends. UTF-8 (with
    or without a BOM) or UTF-16 with a BOM; anything else raises :class:`FeedError` naming
    the line, like :func:`~prefero.catalog.feeds.text.decode_feed`.

    ``newline`` is :class:`io.TextIOWrapper`'s: ``""`` splits at ``\\n``, ``\\r\\n`` and
    ``\\r`` (what the csv module wants), ``"\\n"`` only at ``\\n``.

    >>> list(text_lines(io.BytesIO(codecs.BOM_UTF8 + b"id\\r\\nA1\\n"), newline=""))
    ['id\\r\\n', 'A1\\n']
    """
    start = stream.tell()
    utf16 = peek(stream, 2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    reader = io.TextIOWrapper(stream, encoding="utf-16" if utf16 else "utf-8-sig",
                              newline=newline)
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        if utf16:
            raise FeedError("the file starts with a UTF-16 byte-order mark but is not "
                            f"UTF-16: {exc.reason}") from exc
        raise _undecodable_utf8(stream, start) from exc
    finally:
        # Leave the caller's stream open: a wrapper closes what it wraps when collected.
        # (When the rows were abandoned, the stream may be closed and collected already.)
        if not stream.closed:
            reader.detach()

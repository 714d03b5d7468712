"""Text clean-up for feeds: decoding bytes, HTML descriptions to plain text."""

from __future__ import annotations

import codecs
import html
import re
from html.parser import HTMLParser

from prefero.catalog.feeds.base import FeedError

__all__ = ["decode_feed", "html_to_text", "single_line"]


def decode_feed(data: bytes) -> str:
    """Decode a text feed: UTF-8 (with or without a BOM) or UTF-16 with a BOM.

    Anything else is refused with the line of the first undecodable byte, because
    guessing a legacy code page would silently garble Polish or Cyrillic text.

    >>> decode_feed(codecs.BOM_UTF8 + "id,title\\r\\n".encode())
    'id,title\\r\\n'
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FeedError(
                f"the file starts with a UTF-16 byte-order mark but is not UTF-16: {exc.reason}"
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FeedError(
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; "
            "save the feed as UTF-8",
            line=line,
        ) from exc


# Something that looks like a tag (<p>, </div>, <br/>, <!-- -->), not "a < b".
_TAG = re.compile(r"<[A-Za-z/!]")
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_SKIPPED_TAGS = frozenset({"script", "style", "template", "head", "title"})


class _TextExtractor(HTMLParser):
    """Keeps the text, turns block elements into line breaks, drops scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags stripped, entities unescaped, one line per block,
    runs of spaces collapsed. Text without tags only gets its entities and spaces fixed.

    >>> html_to_text("<p>Mąka <b>żytnia</b> &amp; owies</p><ul><li>1&nbsp;kg</li></ul>")
    'Mąka żytnia & owies\\n1 kg'
    >>> html_to_text("Fish &amp; chips,   2 < 3")
    'Fish & chips, 2 < 3'
    """
    if not _TAG.search(markup):
        return _tidy(html.unescape(markup) if "&" in markup else markup)
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return _tidy("".join(extractor.parts))


def single_line(text: str) -> str:
    """Like :func:`html_to_text`, on one line (titles).

    >>> single_line("Kurtka <i>zimowa</i>\\r\\n  XL")
    'Kurtka zimowa XL'
    """
    return " ".join(html_to_text(text).split())

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
# Blocks that stand apart (a blank line between them) and blocks that are lines of a whole.
_PARAGRAPH_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "div", "dl", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p",
    "pre", "section", "table", "ul",
})
_LINE_TAGS = frozenset({"dd", "dt", "li", "tbody", "td", "tfoot", "th", "thead", "tr"})
_SKIPPED_TAGS = frozenset({"script", "style", "template", "head", "title"})
#: Spaces that only separate words: runs of them become one space. Every other space
#: (U+3000 ideographic, U+2009 thin...) is the writer's typography and stays as written.
_SEPARATING = re.compile(r"[ \t\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    """Keeps the text; blocks become line breaks (paragraph-like ones a blank line, two
    ``<br>`` in a row too); drops scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._pending = 0  # line breaks owed before the next text: 1 a line, 2 a paragraph

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self._pending = 2
        elif tag in _LINE_TAGS:
            self._pending = max(self._pending, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self._pending = min(self._pending + 1, 2)
        else:
            self._block(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._pending = min(self._pending + 1, 2)
        else:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        else:
            self._block(tag)

    def handle_data(self, data: str) -> None:
        if self._skipping or not data.strip():
            if not self._skipping and data and self.parts and self._pending == 0:
                self.parts.append(" ")  # the space between two inline elements
            return
        if self.parts and self._pending:
            self.parts.append("\n" * self._pending)
        self._pending = 0
        # A line break in HTML source is a space; the markup says where lines break.
        self.parts.append(data.replace("\r", " ").replace("\n", " "))


def _tidy(text: str) -> str:
    """Word-separating spaces collapsed in each line, lines trimmed, at most one blank line
    between paragraphs, none around the text."""
    lines = [_SEPARATING.sub(" ", line).strip(" ") for line in text.splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags stripped, entities unescaped once, one line per
    line-like block, a blank line between paragraphs, runs of word-separating spaces
    collapsed (an ideographic space is kept). Text without tags only gets its entities and
    spaces fixed, its blank lines kept as paragraph breaks.

    >>> html_to_text("<p>Mąka <b>żytnia</b> &amp; owies</p><ul><li>1&nbsp;kg</li>"
    ...              "<li>2</li></ul>")
    'Mąka żytnia & owies\\n\\n1 kg\\n2'
    >>> html_to_text("Fish &amp;amp; chips,   2 < 3\\n\\n\\n\\u3000\\u3000Next")
    'Fish &amp; chips, 2 < 3\\n\\n\\u3000\\u3000Next'
    """
    if not _TAG.search(markup):
        return _tidy(html.unescape(markup) if "&" in markup else markup)
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return _tidy("".join(extractor.parts))


def single_line(text: str) -> str:
    """Like :func:`html_to_text`, on one line (titles): line breaks become one space.

    >>> single_line("Kurtka <i>zimowa</i>\\r\\n  XL\\u3000L")
    'Kurtka zimowa XL\\u3000L'
    """
    return " ".join(part for part in html_to_text(text).splitlines() if part)

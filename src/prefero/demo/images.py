"""Product pictures drawn from what the catalogue says about a product: the pictogram of its
kind (``prefero.demo.pictograms``), tinted with its colour, on a soft backdrop, with the
brand's name underneath. Pure and deterministic: the same product always gets the same bytes,
and nothing is fetched, so the demo looks like a shop without a network or image files.

>>> svg = draw(look_of(title="Lindt Dark Chocolate 90 g", brand="Lindt",
...                    category="Groceries > Sweets > Chocolate", facets={}))
>>> svg.startswith("<svg") and "LINDT" in svg
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from prefero.demo.pictograms import NATURAL_COLOURS, PICTOGRAMS, pictogram_for

__all__ = ["HEIGHT", "VERSION", "WIDTH", "Look", "draw", "look_of"]

WIDTH, HEIGHT = 240, 180
# Part of every picture's cache tag: drawing differently must change the tag.
VERSION = 1

# The demo's colour facet values (and the shade names of make-up) as the eye expects them.
COLOURS: dict[str, str] = {
    "black": "#2e2f33", "white": "#f5f5f2", "navy": "#24365f", "grey": "#8d929b",
    "gray": "#8d929b", "beige": "#d8c29d", "red": "#c8323c", "green": "#3f8a55",
    "blue": "#2f6fcf", "pink": "#e58aa9", "brown": "#7b4b2a", "olive": "#6f7a3a",
    "burgundy": "#7c2038", "yellow": "#e9c43a", "cream": "#efe4c6", "silver": "#c4c8ce",
    "clear": "#dde8ee", "nude": "#d8a68a", "berry": "#8e2a5a", "coral": "#ef7868",
    "caramel": "#b87a45", "espresso": "#4a2c1e", "ivory": "#f2e8d5", "sand": "#d8bd94",
    "orange": "#ee8a2a", "purple": "#7a4fa8", "gold": "#c9a43a", "teal": "#2a8c8c",
    "graphite": "#3d434c", "natural": "#d9c9a8",
}
# Flavours and scents in titles, for products without a colour of their own.
_FLAVOURS: dict[str, str] = {
    "orange": "#f39a2b", "apple": "#8cc63f", "strawberry": "#e0414f", "cherry": "#b0213a",
    "lemon": "#f2d13a", "tomato": "#d9412b", "vanilla": "#f1dfa6", "honey": "#e4a72a",
    "mango": "#f6b03c", "raspberry": "#d23a62", "blueberry": "#4a4fa3", "banana": "#f4d35e",
    "coconut": "#efe9dc", "almond": "#d9b48a", "hazelnut": "#a2693a", "lavender": "#a58bd0",
    "rose": "#e58aa0", "fig": "#7d4e6d", "matcha": "#86a94b", "green tea": "#86a94b",
    "chamomile": "#f0d772", "cola": "#4a2318", "water": "#cfe6f5", "plum": "#6d3566",
    "apricot": "#f1a25a", "cranberries": "#b0213a", "dates": "#7a4a2c", "cocoa": "#5a3424",
    "caramel": "#b87a45", "peanut": "#c68a4a", "oat": "#dcc79a", "soy": "#efe3c2",
    "argan": "#d9a441", "aloe": "#8fc48a", "charcoal": "#3a3a3a", "sea salt": "#cfe0ea",
    "milk": "#dfeaf4", "kefir": "#dfeaf4", "barista": "#c8a27c",
}
_CHOCOLATE = {"dark": "#3b2216", "milk": "#7b4b2a", "white": "#f1e4c5"}
# Brand accents: pleasant, distinct, readable next to ink and white.
_ACCENTS = ("#e4572e", "#2e86ab", "#f2a541", "#3bb273", "#7768ae", "#e15554", "#4d9de0",
            "#c75d8c", "#1b998b", "#f46036", "#5c6bc0", "#8d6e63")
_DEPARTMENT_COLOURS = {"electronics": "#3d434c", "fashion": "#5c6bc0",
                       "groceries": "#c98b4a", "cosmetics": "#e8c7c8"}
_INK, _OFF_WHITE, _BACKDROP = "#2b2d31", "#fbfaf7", "#f4f5f7"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_MAX_BRAND = 40
# XML 1.0 forbids these even escaped; a feed's stray control character must not break the
# picture (the title and brand are shop data).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Look:
    """Everything a picture depends on; equal looks draw equal bytes."""

    pictogram: str
    colour: str
    accent: str
    brand: str
    title: str
    offset: int


def _clean(text: str) -> str:
    """One line of drawable text: characters XML forbids dropped, runs of white space (line
    breaks included, which XML would rewrite) made one space."""
    return " ".join(_NOT_XML.sub("", text).split())


def _words(text: str) -> str:
    return " " + re.sub(r"[^\w&]+", " ", text.casefold()) + " "


def _colour(*, pictogram: str, title: str, category: str, facets: Mapping[str, Any]) -> str:
    stated = facets.get("color")
    for name in (stated if isinstance(stated, list) else [stated]):
        if isinstance(name, str) and name.casefold() in COLOURS:
            return COLOURS[name.casefold()]
    # "… – Silver", "… – Caramel": the shade a title ends with.
    suffix = title.rsplit("–", 1)[-1].strip().casefold() if "–" in title else ""
    if suffix in COLOURS:
        return COLOURS[suffix]
    words = _words(title)
    if pictogram == "chocolate":
        for word, hex_colour in _CHOCOLATE.items():
            if f" {word} " in words:
                return hex_colour
    department = category.split(">", 1)[0].strip().casefold()
    if department in ("groceries", "cosmetics") or pictogram in NATURAL_COLOURS:
        for word, hex_colour in _FLAVOURS.items():
            if f" {word} " in words and pictogram not in ("chocolate", "cookie"):
                return hex_colour
    return NATURAL_COLOURS.get(pictogram) or _DEPARTMENT_COLOURS.get(department, "#8d929b")


def _digest(text: str) -> int:
    # Not hash(): Python salts it per process, and every worker must draw the same picture.
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def look_of(*, title: str, category: str, brand: str | None,
            facets: Mapping[str, Any]) -> Look:
    """What a product's picture shows, from its stored title, category, brand and facets.

    >>> look = look_of(title="Levi's 501 Jeans – Navy", category="Fashion > Bottoms > Jeans",
    ...                brand="Levi's", facets={"color": ["navy"]})
    >>> look.pictogram, look.colour
    ('jeans', '#24365f')
    """
    pictogram = pictogram_for(category=category, title=title)
    clean_brand = _clean(brand or "")[:_MAX_BRAND].strip()
    return Look(
        pictogram=pictogram,
        colour=_colour(pictogram=pictogram, title=title, category=category, facets=facets),
        accent=_ACCENTS[_digest(clean_brand.casefold()) % len(_ACCENTS)],
        brand=clean_brand,
        title=_clean(title),
        offset=_digest(title) % 29 - 14,
    )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(hex_colour: str, other: str, share: float) -> str:
    """``share`` of ``other`` mixed into ``hex_colour``.

    >>> _mix("#000000", "#ffffff", 0.5)
    '#808080'
    """
    a, b = _rgb(hex_colour), _rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _luminance(hex_colour: str) -> float:
    r, g, b = _rgb(hex_colour)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@lru_cache(maxsize=4096)
def draw(look: Look) -> str:
    """The picture as SVG text (240 × 180). Title and brand are escaped, so any shop data is
    safe to draw; the markup has no script, style or external reference.

    >>> "&lt;b&gt;" in draw(look_of(title="<b>", category="", brand="", facets={}))
    True
    """
    colour = look.colour
    light = _luminance(colour) > 0.82
    slots = {
        "c": colour,
        "d": _mix(colour, "#000000", 0.35) if not light else _mix(colour, "#000000", 0.4),
        "l": _mix(colour, "#ffffff", 0.4),
        "a": look.accent,
        "k": _INK,
        "w": _OFF_WHITE,
    }
    shape = PICTOGRAMS[look.pictogram].substitute(slots)
    # A pale product sits on a cool grey disc, a coloured one on a wash of its own colour.
    disc = "#e3e7ec" if light else _mix(colour, "#ffffff", 0.8)
    title = escape(look.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(look.title)}>',
        f"<title>{title}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{_BACKDROP}"/>',
        f'<circle cx="{120 + look.offset}" cy="76" r="{60 + abs(look.offset) // 3}" '
        f'fill="{disc}"/>',
        '<ellipse cx="120" cy="139" rx="50" ry="6" fill="#000000" opacity=".08"/>',
        f'<g transform="translate(65 20) scale(1.1)">{shape}</g>',
    ]
    if look.brand:
        text = look.brand.upper()
        # Roughly how wide the capitals set at this size; squeeze only a name that would
        # not fit, so short names keep their natural spacing.
        fit = ' textLength="212" lengthAdjust="spacingAndGlyphs"' if len(text) * 9.2 > 212 \
            else ""
        parts.append(
            f'<text x="120" y="165" text-anchor="middle" font-family="{_FONT}" '
            f'font-size="13" font-weight="700" letter-spacing="1.2" fill="{_INK}"{fit}>'
            f"{escape(text)}</text>")
    parts.append("</svg>")
    return "".join(parts)

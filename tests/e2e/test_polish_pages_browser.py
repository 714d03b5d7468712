"""A Polish shopper reads Polish: every page a signed-in shopper reaches, with the language
set to Polish, shows no English message of the catalogue and no raw value. Product titles
and descriptions stay as the shop wrote them (catalogue data), so the check looks for the
catalogue's own English messages, which is what a missing translation would leave behind.
Saves Polish screenshots of the main pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from prefero.catalog.models import Product
from prefero.i18n.catalogues import catalogue
from prefero.web.time_zones import zone_groups

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PERSONA = "c00001"
RAW = re.compile(r"^(true|false|none|null)$|\d[eE][+-]\d", re.IGNORECASE)
# English function words no Polish sentence uses: an English text the catalogue does not know
# (a hard-coded string, a quiz text without its Polish version) still shows by them.
ENGLISH_WORDS = re.compile(r"\b(the|your|you|and|with|for|this|from|of|is|are)\b",
                           re.IGNORECASE)
# Visible text nodes and the texts a screen reader or a form shows.
_TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(parent.tagName)) continue;
    if (parent.closest('[hidden]')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]'))
    for (const name of ['aria-label', 'placeholder', 'title'])
      if (el.getAttribute(name)) out.push(el.getAttribute(name).trim());
  for (const el of document.querySelectorAll('input[type=submit], button[value]'))
    if (el.value && el.tagName === 'INPUT') out.push(el.value.trim());
  return out;
}"""


def _english_messages() -> list[re.Pattern[str]]:
    """The catalogue's English messages that Polish words differently, as whole-text
    patterns (a placeholder matches anything)."""
    patterns = []
    for message in catalogue("pl"):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if not english or len(english) < 4 or english in strings:
                continue
            parts = re.split(r"\{\w*\}", english)
            if not any(len(part.strip()) >= 4 for part in parts):
                continue
            patterns.append(re.compile("^" + ".+".join(map(re.escape, parts)) + "$"))
    return patterns


def _catalogue_data(shop: Any) -> set[str]:
    """The shop's own texts, and the Polish place names of the time-zone picker (CLDR's:
    "Port-of-Spain" is Polish too, though its "of" reads English)."""
    with shop.runtime.session() as session:
        rows = session.execute(select(Product.title, Product.description, Product.brand))
        found = {str(value).strip() for row in rows for value in row if value}
    return found | {zone.label for group in zone_groups("pl") for zone in group.zones}


def _leaks(page: Any, english: list[re.Pattern[str]], data: set[str]) -> list[str]:
    texts: list[str] = page.evaluate(_TEXTS)
    titles = sorted((d for d in data if len(d) > 12), key=len, reverse=True)
    found = []
    for text in texts:
        # "Add to cart: <title>" for screen readers: the title part is the shop's
        if text in data or text.lstrip(": ") in data:
            continue
        # A reason naming a product ("Na podstawie oglądanego produktu: <title>"): the
        # title is the shop's, the rest is checked.
        text = next((text.replace(title, "") for title in titles if title in text), text)
        if RAW.search(text) or ENGLISH_WORDS.search(text) or any(
                p.match(text) for p in english):
            found.append(text)
    return found


def test_polish_pages_show_no_english_and_no_raw_values(shop: Any, page: Any) -> None:
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login'] button").first.click()
    page.context.add_cookies([{"name": "lang", "value": "pl", "url": shop.url}])
    with shop.runtime.session() as session:
        grocery = session.scalars(select(Product.id).where(
            Product.category.like("Groceries%")).limit(1)).one()
    english, data = _english_messages(), _catalogue_data(shop)
    paths = ["/", "/c/Groceries", f"/p/{grocery}", "/search?q=chocolate", "/preferences",
             "/quizzes", "/login"]
    leaks: dict[str, list[str]] = {}
    for path in paths:
        page.goto(shop.url + path)
        assert page.locator("html").get_attribute("lang") == "pl"
        found = _leaks(page, english, data)
        if found:
            leaks[path] = found
    # the cart and the checkout, with something in the cart
    page.goto(f"{shop.url}/p/{grocery}")
    page.locator("form[action='/cart/add'] button").first.click()
    for path in ("/cart", "/checkout"):
        page.goto(shop.url + path)
        found = _leaks(page, english, data)
        if found:
            leaks[path] = found
    assert not leaks, "\n".join(f"{path}: {text}" for path, texts in leaks.items()
                                 for text in dict.fromkeys(texts))


def test_polish_screenshots(shop: Any, page: Any) -> None:
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login'] button").first.click()
    page.context.add_cookies([{"name": "lang", "value": "pl", "url": shop.url}])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("home", "/"), ("category", "/c/Groceries"),
                       ("preferences", "/preferences")):
        page.goto(shop.url + path)
        page.screenshot(path=str(SCREENSHOTS / f"pl-{name}-desktop.png"))

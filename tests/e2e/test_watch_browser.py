"""The product alert in a real browser: set on the product page (htmx swaps the block in
place), listed in the preference center, turned off there; in English and in Polish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots_C")


def _products(url: str) -> None:
    for pid, title, availability in (("boot", "Sold-out boot", "out_of_stock"),
                                     ("runner", "Trail runner", "in_stock")):
        response = httpx.put(f"{url}/v1/products/{pid}", headers={"X-API-Key": "e2e-admin-key"},
                             json={"id": pid, "title": title, "price": "249.00",
                                   "currency": "PLN", "brand": "Acme",
                                   "category": "Fashion > Shoes", "availability": availability})
        assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(("locale", "words"), [
    ("en-GB", {"notify": "Notify me", "stock": "Let me know when it is back in stock",
               "set": "We will let you know when it is back in stock.",
               "off": "Turn off this alert", "none": "You have no product alerts yet."}),
    ("pl-PL", {"notify": "Powiadom mnie", "stock": "Daj mi znać, gdy wróci do sprzedaży",
               "set": "Damy Ci znać, gdy wróci do sprzedaży.",
               "off": "Wyłącz to powiadomienie",
               "none": "Nie masz jeszcze powiadomień o produktach."}),
])
def test_set_and_turn_off_a_product_alert(live_server: str, browser: Any, locale: str,
                                          words: dict[str, str]) -> None:
    _products(live_server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    lang = locale[:2]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    try:
        page = context.new_page()
        page.goto(live_server + "/p/boot")
        block = page.locator("div.watch")
        expect(block.get_by_role("button", name=words["notify"])).to_be_visible()
        page.screenshot(path=str(SHOTS / f"product_{lang}.png"), full_page=True)
        block.locator("select[name=what]").select_option(label=words["stock"])
        block.get_by_role("button", name=words["notify"]).click()
        expect(page.locator("div.watch .watch-state")).to_have_text(words["set"])
        page.screenshot(path=str(SHOTS / f"product_watching_{lang}.png"), full_page=True)

        page.goto(live_server + "/preferences#watches")
        section = page.locator("section#watches")
        expect(section.get_by_role("link", name="Sold-out boot")).to_be_visible()
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(SHOTS / f"preferences_watches_{lang}.png"))
        off = section.locator("#watches-remove-1")
        expect(off).to_have_text(words["off"])
        off.click()
        expect(page.locator("section#watches")).to_contain_text(words["none"])
        page.locator("section#watches").screenshot(
            path=str(SHOTS / f"preferences_watches_off_{lang}.png"))
        # The product page is back to offering the alert.
        page.goto(live_server + "/p/boot")
        expect(page.locator("div.watch").get_by_role("button", name=words["notify"])) \
            .to_be_visible()
    finally:
        context.close()

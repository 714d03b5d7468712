"""The search box in a real browser: suggestions come as the shopper types, the arrow keys
move through them (the box says which, to screen readers too), Enter follows one, Escape
closes the list. Saves the README's screenshot of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_suggestions_follow_the_keyboard(shop: Any, page: Any) -> None:
    page.goto(f"{shop.url}/")
    box = page.locator("#q")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("choc", delay=40)
    options = page.locator("#q-suggestions [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#q-status")).to_contain_text("suggestion")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "storefront-search-suggestions-desktop.png"))

    box.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    target = first.locator("a").get_attribute("href") or ""
    box.press("Enter")
    page.wait_for_url(f"{shop.url}{target}")

    page.locator("#q").fill("")  # the results page holds the query searched
    page.locator("#q").press_sequentially("choc", delay=40)
    expect(page.locator("#q-suggestions [role=option]").first).to_be_visible()
    page.locator("#q").press("Escape")
    expect(page.locator("#q-suggestions [role=option]")).to_have_count(0)
    expect(page.locator("#q")).to_have_attribute("aria-expanded", "false")

"""Browsing a department in a real browser: the department menu, a model's colours on one
card, filters that narrow the list as their numbers said, a sort, and pages to walk.
Saves screenshots of a filtered listing (desktop and phone)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _count(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_filters_sort_and_pages_in_a_department(shop: Any, page: Any) -> None:
    page.goto(f"{shop.url}/")
    menu = page.get_by_role("navigation", name="Departments")
    menu.get_by_text("Fashion", exact=True).click()
    menu.get_by_role("link", name="All of Fashion").click()
    page.wait_for_url(re.compile(r"/c/Fashion$"))
    expect(page.locator("h1")).to_have_text("Fashion")

    # A model in several colours is one card that says so.
    expect(page.locator(".product-card .variants").first).to_be_visible()
    total = _count(page.locator("#listing-count").inner_text().split("·")[0])
    expect(page.locator(".pagination")).to_be_visible()

    # Choosing a colour narrows the list to the number its box promised.
    colour = page.locator("fieldset[data-facet=color] label").first
    promised = _count(colour.locator(".count").inner_text())
    colour.locator("input").check()
    page.wait_for_url(re.compile(r"color="))
    expect(page.locator("fieldset[data-facet=color] input:checked")).to_have_count(1)
    shown = _count(page.locator("#listing-count").inner_text().split("·")[0])
    assert shown == promised < total

    # The cheapest first, and the order holds across the page.
    page.get_by_label("Sort by").select_option("price_asc")
    page.wait_for_url(re.compile(r"sort=price_asc"))
    assert "color=" in page.url  # the filter stays chosen
    prices = [float(re.sub(r"[^\d.]", "", p.replace(",", "")))
              for p in page.locator(".product-card .price").all_inner_texts()]
    assert prices == sorted(prices)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "storefront-listing-desktop.png"), full_page=False)

    # Walking the pages of the whole department shows every card once.
    page.goto(f"{shop.url}/c/Fashion?sort=newest")
    seen: list[str] = []
    while True:
        seen += page.locator(".product-card").evaluate_all(
            "cards => cards.map(card => card.dataset.productId)")
        following = page.locator(".pagination a[rel=next]")
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
    assert len(seen) == len(set(seen)) == total

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{shop.url}/c/Fashion")
    page.screenshot(path=str(SCREENSHOTS / "storefront-listing-phone.png"), full_page=False)

"""The taste box in a real browser: subscribe from the form, see the first box with its
pictures and prices, rate items with the star radio group (by keyboard and by mouse; htmx
swaps the item in place and announces the saved rating), and the page in Polish. Screenshots
of rating a box, English and Polish, go to $BOX_SHOTS (default /tmp/shots_F)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from factories import add_products, product
from prefero.boxes.service import compose_due
from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.runtime import Runtime

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("BOX_SHOTS", "/tmp/shots_F"))
SNACKS = "Groceries > Snacks"


@dataclass(frozen=True)
class Shop:
    url: str


@pytest.fixture
def box_shop(live_server: str, tmp_path: Path) -> Iterator[Shop]:
    """A small shop with snacks (no training needed: a box ranks by the customer's likes and
    ratings), written into the database the live server serves."""
    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path / "data",
                               admin_key="e2e-admin-key"))
    none: dict[str, Any] = {"allergens": []}
    with runtime.session(write=True) as session:
        add_products(session, [
            product("oat-bar", category=f"{SNACKS} > Bars", price=6.5, brand="Oaty",
                    title="Oat & honey bar", facets=none),
            product("date-bar", category=f"{SNACKS} > Bars", price=7.9, brand="Dattel",
                    title="Date & cocoa bar", facets=none),
            product("crackers", category=f"{SNACKS} > Chips & Crackers", price=9.5,
                    brand="Krisp", title="Rye crackers", facets=none),
            product("almonds", category=f"{SNACKS} > Nuts & Dried Fruit", price=18,
                    brand="Nutri", title="Roasted almonds", facets={"allergens": ["nuts"]}),
            product("apricots", category=f"{SNACKS} > Nuts & Dried Fruit", price=12,
                    brand="Nutri", title="Dried apricots", facets=none),
        ])
    runtime.close()
    yield Shop(url=live_server)


def _subscribe(page: Page, shop: Shop) -> None:
    page.goto(shop.url + "/boxes")
    expect(page.get_by_role("heading", name="Your taste box")).to_be_visible()
    page.get_by_label("Snack box").check()
    page.get_by_label("How often").select_option("14")
    page.get_by_label("Budget per box").fill("40")
    page.get_by_role("button", name="Start my box").click()
    expect(page.locator(".box-item")).to_have_count(4)


def test_subscribe_see_and_rate_a_box(box_shop: Shop, page: Page, tmp_path: Path) -> None:
    _subscribe(page, box_shop)
    box = page.locator("article.box")
    expect(box).to_contain_text("Snack box")
    expect(box).to_contain_text("Every 14 days")
    # Within the budget: 6.50 + 7.90 + 9.50 + 12.00.
    expect(box.get_by_role("heading", level=4)).to_contain_text("35.90")
    for image in page.locator(".box-item img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    # Keyboard: Tab into the first item's stars, arrows move through the radio group.
    first = page.locator(".box-item").first
    first.get_by_role("radio", name="1 star").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(first.get_by_role("radio", name="5 stars")).to_be_checked()
    first.get_by_role("button", name="Save rating").click()
    expect(page.locator(".box-item").first.get_by_role("status")).to_have_text("Saved: 5 stars.")
    # Mouse: one star for the crackers.
    crackers = page.locator(".box-item[data-product-id='crackers']")
    crackers.locator("label[title='1 star']").click()
    crackers.get_by_role("button", name="Save rating").click()
    expect(page.locator(".box-item[data-product-id='crackers']")).to_have_attribute(
        "data-rating", "1")
    # htmx swapped the items in place; a reload shows the same ratings from the database.
    page.reload()
    expect(page.locator(".box-item").first.get_by_role("radio", name="5 stars")).to_be_checked()
    expect(page.locator(".box-item[data-product-id='crackers']")).to_contain_text(
        "You rated it 1 star.")
    # Two weeks on, the next box is composed (the worker's scanner does this): Krisp's
    # crackers, rated 1 star, stay out; the first box moves under "1 earlier box".
    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path / "data",
                               admin_key="e2e-admin-key"))
    try:
        with runtime.session(write=True) as session:
            assert compose_due(session, utcnow() + timedelta(days=15), runtime.settings)
    finally:
        runtime.close()
    page.reload()
    latest = page.locator("article.box > .box-items .box-item")
    expect(latest.first).to_be_visible()
    assert "crackers" not in [item.get_attribute("data-product-id") for item in latest.all()]
    page.get_by_text("1 earlier box").click()
    expect(page.locator(".box-past .box-item[data-product-id='crackers']")).to_be_visible()


def test_screenshots_of_rating_a_box(box_shop: Shop, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language, saved in (("en", "Saved: 4 stars."), ("pl", "Zapisano: 4 gwiazdki.")):
        context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                      locale="pl-PL" if language == "pl" else "en-GB")
        try:
            page = context.new_page()
            if language == "pl":
                context.add_cookies([{"name": "lang", "value": "pl", "url": box_shop.url}])
                page.goto(box_shop.url + "/boxes")
                page.get_by_label("Pudełko przekąsek").check()
                page.get_by_label("Jak często").select_option("14")
                page.get_by_label("Budżet na pudełko").fill("40")
                page.get_by_role("button", name="Zamów pudełko").click()
                expect(page.locator(".box-item")).to_have_count(4)
                stars, button = "4 gwiazdki", "Zapisz ocenę"
            else:
                _subscribe(page, box_shop)
                stars, button = "4 stars", "Save rating"
            first = page.locator(".box-item").first
            first.get_by_role("radio", name=stars).check()
            first.get_by_role("button", name=button).click()
            expect(page.locator(".box-item").first.get_by_role("status")).to_have_text(saved)
            page.locator("#boxes").screenshot(path=str(SHOTS / f"box_rating_{language}.png"))
            page.screenshot(path=str(SHOTS / f"box_page_{language}.png"), full_page=True)
        finally:
            context.close()

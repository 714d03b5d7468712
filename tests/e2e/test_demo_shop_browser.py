"""The demo looks and behaves like a shop, in a real browser: every product has a picture
that loads, "Not for me" can be undone on the spot and from the preference center, a rule
that contradicts a like offers to switch, and the sign-in page says who each persona is.
Saves a fresh set of screenshots in English and Polish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from prefero.customers.models import Preference

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CARDS = "li.product-card"
GLUTEN_PERSONA = "c00001"


def _sign_in(page: Page, url: str, customer_id: str) -> None:
    page.goto(f"{url}/login")
    page.locator(f"form[action='/login']:has(input[value='{customer_id}']) button").click()
    page.wait_for_url(f"{url}/")


def _dismissed(shop: Any, customer_id: str) -> list[str]:
    with shop.runtime.session() as session:
        return list(session.scalars(select(Preference.value).where(
            Preference.customer_id == customer_id, Preference.kind == "dismiss")))


def _broken_pictures(page: Page, selector: str) -> list[str]:
    """The sources of pictures under ``selector`` that did not load (after scrolling each
    into view, since cards load theirs lazily)."""
    pictures = page.locator(selector)
    for i in range(pictures.count()):
        pictures.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(img => img.complete)", arg=selector)
    broken: list[str] = pictures.evaluate_all(
        "imgs => imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.src)")
    return broken


def test_every_product_shows_its_picture(shop: Any, page: Page) -> None:
    _sign_in(page, shop.url, GLUTEN_PERSONA)
    assert page.locator(f"{CARDS} img.thumb").count() == page.locator(CARDS).count() > 0
    assert _broken_pictures(page, f"{CARDS} img.thumb") == []

    page.locator(f"{CARDS} h3 a").first.click()
    page.wait_for_url("**/p/**")
    hero = page.locator("article.product img.thumb")
    expect(hero).to_be_visible()
    assert _broken_pictures(page, "article.product img.thumb") == []
    assert (hero.bounding_box() or {"width": 0})["width"] > 200

    page.locator("article.product").get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart")
    assert _broken_pictures(page, ".cart-line img.thumb") == []


def test_not_for_me_can_be_undone_on_the_spot(shop: Any, page: Page) -> None:
    _sign_in(page, shop.url, GLUTEN_PERSONA)
    first = page.locator(CARDS).first
    product_id = str(first.get_attribute("data-product-id"))
    title = first.locator("h3").inner_text()
    first.get_by_role("button", name="Not for me").click()

    hidden = page.locator(f'li[data-dismissed-id="{product_id}"]')
    expect(hidden).to_contain_text("Hidden")
    undo = hidden.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    expect(undo).to_be_focused()  # the keyboard stays where the card was
    expect(page.locator(f'{CARDS}[data-product-id="{product_id}"]')).to_have_count(0)
    expect(page.locator("#sf-announce")).to_contain_text(f"Hidden: {title}")

    undo.click()
    card = page.locator(f'{CARDS}[data-product-id="{product_id}"]')
    expect(card).to_be_visible()
    expect(hidden).to_have_count(0)
    expect(page.locator("#sf-announce")).to_contain_text(f"Shown again: {title}")
    assert product_id not in _dismissed(shop, GLUTEN_PERSONA)


def test_a_hidden_product_is_listed_in_the_center_and_can_be_shown_again(
        shop: Any, page: Page) -> None:
    _sign_in(page, shop.url, GLUTEN_PERSONA)
    first = page.locator(CARDS).first
    product_id = str(first.get_attribute("data-product-id"))
    title = first.locator("h3").inner_text()
    first.get_by_role("button", name="Not for me").click()
    expect(page.locator(f'li[data-dismissed-id="{product_id}"]')).to_be_visible()

    page.goto(f"{shop.url}/preferences#dismissed")
    listed = page.locator("#dismissed li", has_text=title)
    expect(listed).to_be_visible()
    assert product_id not in page.locator("#dismissed").inner_text()  # names, never ids
    listed.get_by_role("button", name=f"Show {title} again").click()
    expect(page.locator("#pc-status")).to_contain_text(f"Shown again: {title}.")
    expect(page.locator("#dismissed li", has_text=title)).to_have_count(0)

    assert product_id not in _dismissed(shop, GLUTEN_PERSONA)


def test_a_rule_against_a_like_offers_to_switch(shop: Any, page: Page) -> None:
    _sign_in(page, shop.url, GLUTEN_PERSONA)  # likes Apple
    page.goto(f"{shop.url}/preferences#rules")
    page.locator("#rule-op-never").check()
    page.locator("#rule-facet").select_option("brand")
    # The value picker follows the facet (htmx swaps in the brands).
    expect(page.locator("#rule-value option[value='apple']")).to_have_count(1)
    page.locator("#rule-value").select_option("apple")
    page.locator("#rule-save").click()

    offer = page.locator(".pc-switch")
    expect(offer).to_contain_text("You like Brand: Apple.")
    expect(page.locator("#pc-status")).to_contain_text("Nothing was changed yet")
    assert "is liked" not in page.content()  # no developer message
    offer.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "shop-preferences-switch-en.png"))
    offer.get_by_role("button", name="Never show it instead (the like goes)").click()

    expect(page.locator("#pc-status")).to_contain_text("Switched:")
    expect(page.locator("#rules li", has_text="Never: Brand: Apple")).to_be_visible()
    expect(page.locator("#likes li", has_text="Brand: Apple")).to_have_count(0)


def test_the_sign_in_page_says_who_each_persona_is(shop: Any, page: Page) -> None:
    page.goto(f"{shop.url}/login")
    gluten = page.locator("li.card", has=page.locator(f"input[value='{GLUTEN_PERSONA}']"))
    expect(gluten.locator(".persona-line")).to_contain_text("Never: gluten")
    expect(gluten.locator(".persona-line")).to_contain_text("Likes:")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_screenshots_of_the_shop(shop: Any, browser: Any, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        host = shop.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "lang", "value": language, "domain": host,
                              "path": "/"}])
        page = context.new_page()

        def shot(name: str) -> None:
            page.wait_for_load_state("networkidle")
            path = SCREENSHOTS / f"shop-{name}-{language}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size > 10_000

        page.goto(f"{shop.url}/login")
        shot("login")
        page.locator("form[action='/login'] button").first.click()
        page.wait_for_url(f"{shop.url}/")
        assert _broken_pictures(page, f"{CARDS} img.thumb") == []
        page.evaluate("window.scrollTo(0, 0)")
        shot("home")
        # "Not for me" on the first card: its place says so and offers the undo.
        page.locator(CARDS).first.locator("button.not-for-me").click()
        expect(page.locator("li.dismissed-card button.undo")).to_be_focused()
        page.evaluate("window.scrollTo(0, 0)")
        shot("home-hidden")
        page.locator(f"{CARDS} h3 a").first.click()
        page.wait_for_url("**/p/**")
        shot("product")
        page.locator("article.product form[action='/cart/add'] button").click()
        page.wait_for_url("**/cart")
        _broken_pictures(page, f".cart-line img.thumb, {CARDS} img.thumb")
        page.evaluate("window.scrollTo(0, 0)")
        shot("cart")
        page.goto(f"{shop.url}/preferences")
        shot("preferences")
        page.goto(f"{shop.url}/preferences#dismissed")
        shot("preferences-hidden")
    finally:
        context.close()

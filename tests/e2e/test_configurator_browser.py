"""The configurator in Chromium, in English and Polish, at desktop and phone width: a shopper
chooses options (htmx re-evaluates each change in place), reads why an option cannot be
chosen, watches the price change, saves the configuration to their profile and puts it in
the cart. Screenshots go to /tmp/shots/configurator/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.test_polish_pages_browser import _catalogue_data, _english_messages, _leaks

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/configurator")
README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = "cfg-laptop-14"

WORDS = {
    "en": {"title": "Configure Prefero Build 14 laptop",
           "needs_240": "it needs the 240 W adapter",
           "engraving": "Engraving is only possible on the aluminium case",
           "save": "Save to my profile", "cart": "Add to cart",
           "saved": "Saved to your profile as “Studio build”.",
           "delivery": "Estimated delivery between"},
    "pl": {"title": "Skonfiguruj: Laptop Prefero Build 14",
           "needs_240": "wymaga zasilacza 240 W",
           "engraving": "Grawer jest możliwy tylko na obudowie aluminiowej",
           "save": "Zapisz w moim profilu", "cart": "Dodaj do koszyka",
           "saved": "Zapisano w Twoim profilu jako „Studio build”.",
           "delivery": "Przewidywana dostawa między"},
}


def _option(page: Any, ref: str) -> Any:
    return page.locator(f"li.cfg-option[data-option='{ref}']")


def _choose(page: Any, ref: str) -> None:
    """Pick an option as a shopper does (its label) and wait for htmx's answer."""
    with page.expect_response(lambda r: r.url.endswith(f"/configure/{LAPTOP}")
                              and r.request.method == "POST"):
        _option(page, ref).locator("label").click()
    expect(_option(page, ref).locator("input")).to_be_checked()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_configure_save_and_add_to_cart(shop: Any, browser: Any, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    words = WORDS[lang]
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    context.add_cookies([{"name": "lang", "value": lang, "url": shop.url}])
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/p/{LAPTOP}")
        page.locator(f"a[href='/configure/{LAPTOP}']").click()
        expect(page.locator("h1")).to_have_text(words["title"])
        expect(page.locator("#cfg-delivery")).to_contain_text(words["delivery"])

        # The RTX 4070 cannot go with the 100 W adapter, and says so.
        rtx = _option(page, "graphics.rtx-4070")
        expect(rtx.locator("input")).to_be_disabled()
        expect(rtx.locator(".cfg-why")).to_contain_text(words["needs_240"])
        page.screenshot(path=str(SHOTS / f"configure_{lang}_desktop.png"), full_page=True)
        if lang == "en":  # the README's picture
            README_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_SHOTS / "configurator-desktop.png"))

        start = page.locator("#cfg-price").inner_text()
        _choose(page, "power.w240")
        expect(rtx.locator("input")).to_be_enabled()
        _choose(page, "graphics.rtx-4070")
        expect(page.locator("#cfg-price")).not_to_have_text(start)
        with_gpu = page.locator("#cfg-price").inner_text()

        # The plastic case rules out engraving, with the reason beside it.
        _choose(page, "case.plastic")
        laser = _option(page, "engraving.laser")
        expect(laser.locator("input")).to_be_disabled()
        expect(laser.locator(".cfg-why")).to_have_text(words["engraving"])
        expect(page.locator("#cfg-price")).not_to_have_text(with_gpu)
        laser.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"configure_{lang}_disabled_reason.png"),
                        full_page=True)
        if lang == "pl":
            assert not _leaks(page, _english_messages(), _catalogue_data(shop))

        page.locator("#cfg-name").fill("Studio build")
        page.get_by_role("button", name=words["save"]).click()
        expect(page.locator(".cfg-notice")).to_have_text(words["saved"])
        expect(_option(page, "graphics.rtx-4070").locator("input")).to_be_checked()
        page.screenshot(path=str(SHOTS / f"configure_{lang}_saved.png"), full_page=True)

        page.locator("#cfg-form").get_by_role("button", name=words["cart"]).click()
        page.wait_for_url(f"{shop.url}/cart")
        expect(page.locator(f".cart-line[data-product-id='{LAPTOP}']")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"cart_{lang}.png"), full_page=True)

        page.goto(f"{shop.url}/preferences#configurations")
        section = page.locator("section#configurations")
        expect(section).to_contain_text("Studio build")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(SHOTS / f"preferences_{lang}.png"))
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_configurator_at_phone_width(shop: Any, browser: Any, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  locale="pl-PL" if lang == "pl" else "en-GB",
                                  is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "lang", "value": lang, "url": shop.url}])
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/configure/{LAPTOP}")
        _choose(page, "case.plastic")
        expect(_option(page, "engraving.laser").locator(".cfg-why")).to_have_text(
            WORDS[lang]["engraving"])
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / f"configure_{lang}_phone.png"), full_page=True)
    finally:
        context.close()


def test_the_laptop_finder_ends_in_a_configuration(shop: Any, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{shop.url}/configure/{LAPTOP}?from_quiz=laptop-finder&pick=use%3Agaming")
    gpu = _option(page, "graphics.rtx-4060")
    expect(gpu.locator("input")).to_be_checked()
    expect(gpu.locator(".cfg-reason")).to_have_text("From your quiz answer: Gaming")
    gpu.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "configure_en_from_quiz.png"), full_page=True)

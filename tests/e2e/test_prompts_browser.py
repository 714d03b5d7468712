"""On-site prompts in a real browser on the demo shop: a shopper who allows this visit's
context puts an item in the cart and leaves (the event the watcher listens to), sees the
cart prompt with why, dismisses it for good, does not see it again, and changes the cap in
the preference center; English and Polish, desktop and phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/prompts")

WORDS = {
    "en": {"why": "Why am I seeing this?",
           "reason": "Shown because you are leaving with 1 item in your cart",
           "again": "Don't show this again", "done": "we will not show you this suggestion",
           "title": "Leaving already?", "saved": "At most 2 suggestions like this per visit.",
           "save": "Save limits"},
    "pl": {"why": "Dlaczego to widzę?",
           "reason": "Pokazujemy, bo wychodzisz z 1 produktem w koszyku",
           "again": "Nie pokazuj tego więcej", "done": "nie pokażemy już tej podpowiedzi",
           "title": "Już wychodzisz?", "saved": "Najwyżej 2 takie podpowiedzi na wizytę.",
           "save": "Zapisz limity"},
}


def _leave(page: Any) -> None:
    """The pointer leaves the window through its top, as towards the tabs."""
    page.evaluate("document.dispatchEvent(new MouseEvent('mouseout', "
                  "{bubbles: true, clientY: 0, relatedTarget: null}))")


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize(("device", "viewport"), [("desktop", (1280, 900)),
                                                  ("phone", (390, 844))])
def test_a_cart_prompt_explains_itself_goes_away_for_good_and_the_cap_changes(
        shop: Any, browser: Any, lang: str, device: str, viewport: tuple[int, int]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    words = WORDS[lang]
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    try:
        page = context.new_page()
        # This visit's context may be used (a consent the shop's default leaves off).
        page.goto(shop.url + "/preferences#consents")
        page.locator("#consent-context").click()
        expect(page.locator("#consent-context")).to_have_class("secondary")
        # No prompt watcher without a cart item to leave with... then one item in the cart.
        page.goto(shop.url + "/search?q=a")
        page.locator("a[href^='/p/']").first.click()
        page.locator("form[action='/cart/add'] button").first.click()
        page.wait_for_url("**/cart")
        expect(page.locator("#prompt-host")).to_have_attribute("data-cart", "1")
        focused = page.evaluate("document.activeElement.tagName")
        _leave(page)
        prompt = page.locator("#prompt-host aside.prompt")
        expect(prompt).to_be_visible()
        expect(prompt.get_by_role("heading")).to_have_text(words["title"])
        expect(prompt.locator(".prompt-why")).to_contain_text(words["why"])
        expect(prompt.locator(".prompt-why")).to_contain_text(words["reason"])
        # Non-modal: the focus stayed where the shopper had it.
        assert page.evaluate("document.activeElement.tagName") == focused
        page.screenshot(path=str(SHOTS / f"prompt_{device}_{lang}.png"))
        prompt.get_by_role("button", name=words["again"]).click()
        expect(page.locator("#prompt-host")).to_contain_text(words["done"])
        page.keyboard.press("Escape")
        expect(page.locator("#prompt-host > *")).to_have_count(0)
        # The cap in the preference center: two a visit, no gap...
        page.goto(shop.url + "/preferences#prompts")
        section = page.locator("section#prompts")
        section.locator("#prompts-per-visit").fill("2")
        section.locator("#prompts-gap").fill("0")
        section.get_by_role("button", name=words["save"]).click()
        expect(page.locator("section#prompts #prompts-now")).to_contain_text(words["saved"])
        page.locator("section#prompts").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"preferences_{device}_{lang}.png"))
        # ...so the caps would allow another: the dismissed prompt still does not come back.
        page.goto(shop.url + "/cart")
        expect(page.locator("#prompt-host")).to_have_attribute("data-cart", "1")
        with page.expect_response("**/prompts/ask") as asked:
            _leave(page)
        assert asked.value.status == 204
        expect(page.locator("#prompt-host aside.prompt")).to_have_count(0)
    finally:
        context.close()

"""The home page's content slots in a real browser: the hero and the block for new or
returning visitors, each with a truthful "Why am I seeing this?"; a first visit is greeted
as new and a later one as returning; a newsletter link changes the hero only for a visitor
who allows the visit's context to be used; the Polish page is in Polish. Saves the
screenshots docs/screenshots/content-home-<lang>[-phone].png and checks the page with
axe-core."""

from __future__ import annotations

import time
import types
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from prefero.web.routes import storefront

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HERO = "section.content-home-hero"
WELCOME = "section.content-home-welcome"


def _context(browser: Any, *, lang: str, phone: bool = False) -> Any:
    return browser.new_context(viewport=PHONE if phone else DESKTOP,
                               locale="pl-PL" if lang == "pl" else "en-GB")


def _why(page: Any, slot: str) -> list[str]:
    """Open the slot's "Why am I seeing this?" and read its reasons."""
    section = page.locator(slot)
    section.locator("details.why summary").click()
    reasons = section.locator("details.why li")
    expect(reasons.first).to_be_visible()
    return [text.strip() for text in reasons.all_inner_texts()]


def _serious(page: Any) -> list[str]:
    """axe-core's critical and serious violations on the page."""
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The storefront's clock moved on (its own ``time`` only: the server, the browser and
    the session's signature keep the real one), as if the visitor came back later."""
    real = time.time
    moved = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time)
                                     if not name.startswith("_")})
    moved.time = lambda: real() + seconds
    monkeypatch.setattr(storefront, "time", moved)


def _screenshot(page: Any, name: str) -> None:
    """The page's first screen, from the top (opening a "why" may have scrolled it)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name))


def _allow_context(page: Any, url: str) -> None:
    """Give the "Use this visit's context" consent in the preference center, as a shopper."""
    page.goto(f"{url}/preferences#consents")
    page.locator("#consent-context").click()
    expect(page.locator("#pc-status")).to_contain_text("Consent given")


def test_a_first_visit_is_new_and_a_later_one_returning(
        shop: Any, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    context = _context(browser, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/")
        hero, welcome = page.locator(HERO), page.locator(WELCOME)
        expect(hero.get_by_role("heading", name="Shop the way you want")).to_be_visible()
        expect(welcome.get_by_role("heading", name="New here? Take a two-minute quiz")
               ).to_be_visible()
        expect(welcome.get_by_role("link", name="Start the quiz")).to_have_attribute(
            "href", "/quizzes")
        # The hero and the welcome come before the product rows.
        assert page.evaluate("""() => {
            const row = document.querySelector('section.row');
            return [...document.querySelectorAll('section.content-slot')].every(s =>
                s.compareDocumentPosition(row) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        assert _why(page, WELCOME) == ["Shown because you are new here"]
        assert _why(page, HERO) == ["Shown to everyone (default)"]
        _screenshot(page, "content-home-en.png")
        assert _serious(page) == []
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _screenshot(page, "content-home-en-phone.png")
        assert _serious(page) == []

        # Back within the half hour: still this visit.
        _later(monkeypatch, 60)
        page.reload()
        expect(welcome.get_by_role("heading", name="New here? Take a two-minute quiz")
               ).to_be_visible()
        # An hour later: a returning visitor.
        _later(monkeypatch, 3600)
        page.reload()
        expect(welcome.get_by_role("heading", name="Welcome back")).to_be_visible()
        expect(welcome).not_to_contain_text("New here?")
        assert _why(page, WELCOME) == ["Shown because you have visited us before"]
    finally:
        context.close()


def test_a_customer_signing_in_on_a_new_browser_is_welcomed_back(shop: Any,
                                                                 browser: Any) -> None:
    """The browser is new but the account is not: the shop's customer has been here."""
    context = _context(browser, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/login")
        page.locator("form[action='/login']:has(input[value='c00001']) button").click()
        page.wait_for_url(f"{shop.url}/")
        welcome = page.locator(WELCOME)
        expect(welcome.get_by_role("heading", name="Welcome back")).to_be_visible()
        assert _why(page, WELCOME) == ["Shown because you have visited us before"]
    finally:
        context.close()


def test_a_newsletter_link_changes_the_hero_only_with_context_consent(
        shop: Any, browser: Any) -> None:
    link = f"{shop.url}/?utm_source=newsletter&utm_medium=email&utm_campaign=week-47"
    context = _context(browser, lang="en")
    try:
        page = context.new_page()
        # Without the consent the link's tags are not even read: the everyone hero.
        page.goto(link)
        hero = page.locator(HERO)
        expect(hero.get_by_role("heading", name="Shop the way you want")).to_be_visible()
        expect(hero).not_to_contain_text("newsletter")
        assert _why(page, HERO) == ["Shown to everyone (default)"]

        _allow_context(page, shop.url)
        page.goto(link)
        expect(hero.get_by_role("heading", name="Thanks for reading our newsletter")
               ).to_be_visible()
        assert _why(page, HERO) == ["Shown because you came from a newsletter"]
        # The same visitor without the link: the hero of an ordinary visit again.
        page.goto(f"{shop.url}/")
        expect(hero).not_to_contain_text("Thanks for reading our newsletter")
    finally:
        context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_polish_home_page_speaks_polish(shop: Any, browser: Any, phone: bool) -> None:
    context = _context(browser, lang="pl", phone=phone)
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/")
        assert page.locator("html").get_attribute("lang") == "pl"
        hero, welcome = page.locator(HERO), page.locator(WELCOME)
        expect(hero.get_by_role("heading", name="Zakupy na Twoich zasadach")).to_be_visible()
        expect(hero.get_by_role("link", name="Ustaw preferencje")).to_be_visible()
        expect(welcome.get_by_role("heading",
                                   name="Pierwszy raz u nas? Rozwiąż dwuminutowy quiz")
               ).to_be_visible()
        assert hero.get_attribute("lang") == welcome.get_attribute("lang") == "pl"
        expect(welcome.locator("details.why summary")).to_have_text(
            "Dlaczego to widzę?")
        assert _why(page, WELCOME) == ["Pokazujemy, bo jesteś tu po raz pierwszy"]
        # Nothing of the page overflows a phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size[
            "width"]
        _screenshot(page, f"content-home-pl{'-phone' if phone else ''}.png")
        assert _serious(page) == []
    finally:
        context.close()


def test_the_time_zone_is_picked_by_place_in_the_preference_center(
        live_server: str, browser: Any, tmp_path: Path) -> None:
    """The zone the hero's time of day is read in: a labelled picker, by place, in Polish."""
    context = _context(browser, lang="pl")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/preferences#timezone")
        picker = page.get_by_role("combobox", name="Gdzie jesteś (strefa czasowa)")
        expect(picker).to_have_value("")
        picker.select_option(label="Warszawa (Polska)")
        page.locator("#time-zone-save").click()
        expect(page.locator("#pc-status")).to_contain_text("Strefa czasowa: Warszawa (Polska)")
        expect(picker).to_have_value("Europe/Warsaw")
        page.locator("#timezone").screenshot(path=str(tmp_path / "time-zone.png"))
        assert _serious(page) == []
        picker.select_option(value="")
        page.locator("#time-zone-save").click()
        expect(page.locator("#pc-status")).to_contain_text("Usunięto strefę czasową")
        expect(picker).to_have_value("")
    finally:
        context.close()

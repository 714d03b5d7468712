"""The measurements form in a real browser: give the fit consent on the page, save
measurements, see the recommended size with its reason pre-selected (and a size required) on
a product page that fits a phone's width, "Your size" on the category's cards, the
measurements in "What we know about you", and the made-to-measure note. Screenshots in English
and Polish, desktop and phone width, under ``PREFERO_SHOTS`` (default /tmp/shots/fit)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dashboard_browser import served
from factories import add_products, product
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.runtime import Runtime

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS", "/tmp/shots/fit"))
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    settings = Settings(mode="demo", data_dir=tmp_path / "data", admin_key="e2e-admin-key")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    with runtime.session(write=True) as session:
        add_products(session, [
            product("tee", category="Fashion > Tops > T-Shirts", brand="H&M", price=49,
                    facets={"size": ["s", "m", "l", "xl"]}, title="Organic cotton tee"),
            product("tee2", category="Fashion > Tops > T-Shirts", brand="H&M", price=59,
                    facets={"size": ["m", "l"]}, title="Striped tee"),
            product("coat", category="Fashion > Outerwear > Coats", brand="Massimo Dutti",
                    price=899, title="Tailored wool coat"),
        ])
    with served(runtime) as address:
        yield address


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["en", "pl"])
def test_measurements_form_and_size_advice(browser: Any, url: str, lang: str,
                                           width: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=WIDTHS[width], locale=lang,
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    try:
        # No size advice yet: the form cannot be sent on the "Choose a size" placeholder.
        page.goto(url + "/p/tee")
        assert page.evaluate("document.querySelector('#size-choice').checkValidity()") is False
        page.goto(url + "/preferences/measurements")
        expect(page.locator("#measurements-save")).to_be_disabled()
        page.screenshot(path=str(SHOTS / f"measurements-off-{lang}-{width}.png"),
                        full_page=True)
        page.click("#fit-consent")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#measurements-save")).to_be_enabled()
        page.fill("#m-chest", "98")
        page.fill("#m-waist", "80")
        page.check("#fit-regular")
        page.click("#measurements-save")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#m-chest")).to_have_value("98")
        page.screenshot(path=str(SHOTS / f"measurements-saved-{lang}-{width}.png"),
                        full_page=True)

        page.goto(url + "/p/tee")
        advice = page.locator("#fit-advice")
        expect(advice).to_contain_text(
            "Size M: your chest 98 cm is in M's 96–104 cm" if lang == "en"
            else "Rozmiar M: obwód klatki piersiowej 98 cm mieści się w zakresie rozmiaru M")
        expect(page.locator("#size-choice")).to_have_value("M")
        expect(page.locator("#size-choice")).to_have_attribute("required", "")
        # Nothing wider than the screen (the watch select once made a phone page 448 px).
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
        page.screenshot(path=str(SHOTS / f"product-advice-{lang}-{width}.png"),
                        full_page=True)

        # Listing cards say "Your size" too.
        page.goto(url + "/c/Fashion")
        expect(page.locator(".product-card[data-product-id='tee'] .your-size")).to_have_text(
            "Your size: M" if lang == "en" else "Twój rozmiar: M")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
        page.screenshot(path=str(SHOTS / f"category-your-size-{lang}-{width}.png"),
                        full_page=True)

        # "What we know about you" lists the measurements and the fit, with units.
        page.goto(url + "/preferences#known")
        facts = page.locator("#known-fit-facts")
        expect(facts).to_contain_text("Chest" if lang == "en" else "Klatka piersiowa")
        expect(facts).to_contain_text("98 cm")
        expect(facts).to_contain_text("Regular" if lang == "en" else "Regularny")
        facts.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"known-fit-{lang}-{width}.png"))
        page.goto(url + "/p/coat")
        expect(page.locator("#fit-advice")).to_contain_text(
            "Made to measure" if lang == "en" else "Na miarę")
        page.screenshot(path=str(SHOTS / f"product-made-to-measure-{lang}-{width}.png"))
    finally:
        context.close()

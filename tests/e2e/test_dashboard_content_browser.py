"""The content slot editor in a real browser: a slot's page with a preview, the variant form
showing its problems and the slot's settings are screenshotted in English and Polish, at
desktop and phone widths (docs/screenshots/dashboard-content-<page>-<lang>[-phone].png), and
axe-core finds no critical or serious violation on them; a variant is moved with its button
and deleted after the confirmation, without any script."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from dashboard_browser import EMAIL, SCREENSHOTS, serious, served, signed_in
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.demo.content import seed_content
from prefero.runtime import Runtime
from staff_accounts import add

pytestmark = pytest.mark.e2e

HERO = "/dashboard/content/slots/home-hero"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's two content slots on an empty shop, a marketer, served."""
    settings = Settings(mode="demo", data_dir=tmp_path_factory.mktemp("content") / "shop",
                        admin_key="e2e-admin-key")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    with runtime.session(write=True) as session:
        seed_content(session, schema=runtime.facet_schema)
    add(runtime, EMAIL, "marketer")
    with served(runtime) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_editor_pages_are_accessible(browser: Any, shop: str, lang: str,
                                         phone: bool) -> None:
    context, page = signed_in(browser, shop, lang=lang, phone=phone)
    suffix = f"-{lang}{'-phone' if phone else ''}"
    try:
        page.goto(f"{shop}{HERO}?preview=1&visitor=new&source=email&device=mobile&hour=19"
                  "&context=on")
        expect(page.locator(".cs-preview-answer")).to_contain_text(
            "newsletter" if lang == "en" else "newslettera")
        page.screenshot(path=SCREENSHOTS / f"dashboard-content-slot{suffix}.png",
                        full_page=True)
        assert serious(page) == [], "slot"
        page.goto(f"{shop}{HERO}/new-variant")
        page.fill("#f-key", "spring")
        page.fill("#f-en-title", "Spring is here")
        page.fill("#f-en-link", "javascript:alert(1)")
        page.check("#f-device-1")
        page.click("form.cs-form button[type=submit]")
        expect(page.locator("#f-en-link-error")).to_be_visible()
        assert page.locator("#f-en-link").get_attribute("aria-invalid") == "true"
        page.screenshot(path=SCREENSHOTS / f"dashboard-content-variant{suffix}.png",
                        full_page=True)
        assert serious(page) == [], "variant"
        page.goto(f"{shop}{HERO}/settings")
        page.screenshot(path=SCREENSHOTS / f"dashboard-content-settings{suffix}.png",
                        full_page=True)
        assert serious(page) == [], "settings"
    finally:
        context.close()


def test_a_variant_is_moved_and_deleted_with_the_pages_buttons(browser: Any,
                                                               shop: str) -> None:
    context, page = signed_in(browser, shop, lang="en")
    try:
        page.goto(f"{shop}/dashboard/content/slots/home-welcome")
        cards = page.locator(".cs-variant code")
        expect(cards).to_have_text(["new", "returning"])
        page.click("#variant-returning button[value=up]")
        expect(page.locator(".flashes")).to_contain_text("Variant returning moved up.")
        expect(cards).to_have_text(["returning", "new"])
        page.click("#variant-new a[href$='/delete']")
        expect(page.locator("main")).to_contain_text("Delete the variant new of")
        page.click("main button.danger")
        expect(page.locator(".flashes")).to_contain_text("Variant new deleted.")
        expect(cards).to_have_text(["returning"])
    finally:
        context.close()

"""The content slot editor in a real browser: a slot's page with a preview, the variant form
showing its problems and the slot's settings are screenshotted in English and Polish, at
desktop and phone widths (docs/screenshots/dashboard-content-<page>-<lang>[-phone].png), and
axe-core finds no critical or serious violation on them; a variant is moved with its button
and deleted after the confirmation, without any script."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import expect

from prefero.api.app import create_app
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.demo.content import seed_content
from prefero.runtime import Runtime
from staff_accounts import PASSWORD, add

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EMAIL = "ola@shop.example"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HERO = "/dashboard/content/slots/home-hero"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


def _signed_in(browser: Any, url: str, *, lang: str, phone: bool = False) -> tuple[Any, Any]:
    context = browser.new_context(viewport=PHONE if phone else DESKTOP,
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    page = context.new_page()
    page.goto(f"{url}/dashboard/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_url(f"{url}/dashboard")
    return context, page


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_editor_pages_are_accessible(browser: Any, shop: str, lang: str,
                                         phone: bool) -> None:
    context, page = _signed_in(browser, shop, lang=lang, phone=phone)
    suffix = f"-{lang}{'-phone' if phone else ''}"
    try:
        page.goto(f"{shop}{HERO}?preview=1&visitor=new&source=email&device=mobile&hour=19"
                  "&context=on")
        expect(page.locator(".cs-preview-answer")).to_contain_text(
            "newsletter" if lang == "en" else "newslettera")
        page.screenshot(path=SCREENSHOTS / f"dashboard-content-slot{suffix}.png",
                        full_page=True)
        assert _serious(page) == [], "slot"
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
        assert _serious(page) == [], "variant"
        page.goto(f"{shop}{HERO}/settings")
        page.screenshot(path=SCREENSHOTS / f"dashboard-content-settings{suffix}.png",
                        full_page=True)
        assert _serious(page) == [], "settings"
    finally:
        context.close()


def test_a_variant_is_moved_and_deleted_with_the_pages_buttons(browser: Any,
                                                               shop: str) -> None:
    context, page = _signed_in(browser, shop, lang="en")
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

"""The segment builder in a real browser: the live count follows the form as it changes
(htmx, under the site's Content-Security-Policy), rows are added and removed, a segment is
saved; the builder and a segment's page are screenshotted
(docs/screenshots/dashboard-segments-<page>-<lang>[-phone].png) and axe-core finds no
critical or serious violation on them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from dashboard_browser import EMAIL, SCREENSHOTS, serious, served, signed_in
from dashboard_shop import example_segments
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.runtime import Runtime
from staff_accounts import add

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("segments")
    runtime = Runtime(Settings(mode="demo", data_dir=path / "shop",
                               admin_key="e2e-admin-key"))
    load_demo(runtime, products=200, customers=80)
    add(runtime, EMAIL, "marketer")
    with runtime.session(write=True) as session:
        example_segments(session, runtime.settings)
    with served(runtime) as url:
        yield url


def _settled(page: Any) -> None:
    """Wait until htmx has finished a swap: the new elements answer events only once it has
    processed them (a person is never that quick; a test is)."""
    page.wait_for_function("() => !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_builder_and_a_segment_page_are_accessible(browser: Any, shop: str, lang: str,
                                                       phone: bool) -> None:
    context, page = signed_in(browser, shop, lang=lang, phone=phone)
    try:
        suffix = f"-{lang}{'-phone' if phone else ''}"
        for name, path in (("builder", "/dashboard/segments/new"),
                           ("segment", "/dashboard/segments/vegan-newsletter"),
                           ("group", "/dashboard/segments/eco-or-organic"),
                           ("json", "/dashboard/segments/careful-vegans")):
            answer = page.goto(f"{shop}{path}")
            assert answer is not None and answer.status == 200, path
            page.screenshot(path=SCREENSHOTS / f"dashboard-segments-{name}{suffix}.png",
                            full_page=True)
            assert serious(page) == [], path
    finally:
        context.close()


def test_the_live_count_follows_the_form_and_a_segment_is_saved(browser: Any,
                                                                shop: str) -> None:
    context, page = signed_in(browser, shop, lang="en")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)

    try:
        page.goto(f"{shop}/dashboard/segments/new")
        live = page.locator("#live-count")
        expect(live).to_have_attribute("aria-live", "polite")
        # Choosing a facet brings its own value field (htmx re-renders the rows).
        page.select_option("#c0-facet", "eco")
        expect(page.locator("select#c0-value option[value=true]")).to_have_count(
            1, timeout=15_000)
        _settled(page)
        page.select_option("#c0-facet", "diet")
        expect(page.locator("input#c0-value")).to_have_count(1, timeout=15_000)
        _settled(page)
        page.fill("#c0-value", "vegan")
        expect(live).to_contain_text("match")
        vegans = live.inner_text()
        # A second row, "any of": the count changes without a page load.
        page.select_option("#add-type", "consent")
        page.click("button[value=add]")
        expect(page.locator("#c1-purpose")).to_be_visible()
        page.check("input[name=match][value=or]")
        expect(live).not_to_have_text(vegans)
        page.click("button[value=remove-1]")
        expect(page.locator("#c1-purpose")).to_have_count(0)
        # Choosing a profile field shows its own fields (htmx re-renders the rows).
        page.select_option("#add-type", "profile")
        page.click("button[value=add]")
        page.select_option("#c1-field", "exploration")
        expect(page.locator("#c1-value option[value=yes]")).to_have_count(1)
        _settled(page)
        page.click("button[value=remove-1]")
        page.fill("#seg-key", "vegans-e2e")
        page.fill("#seg-name", "Vegans (e2e)")
        page.click("button[value=save]")
        page.wait_for_url(f"{shop}/dashboard/segments/vegans-e2e")
        expect(page.locator(".flashes")).to_contain_text("Segment Vegans (e2e) created")
        assert refused == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_every_type_of_row_and_its_errors_are_accessible(browser: Any, shop: str,
                                                         lang: str) -> None:
    context, page = signed_in(browser, shop, lang=lang)
    try:
        page.goto(f"{shop}/dashboard/segments/new")
        for type_ in ("profile", "trait", "consent", "quiz_answer", "behaviour", "rfm"):
            page.select_option("#add-type", type_)
            page.click("button[value=add]")
        expect(page.locator("fieldset.seg-row")).to_have_count(7)
        page.fill("#c5-days", "0")  # behaviour: a window of no days
        page.click("button[value=save]")  # the first row's value is empty, too
        expect(page.locator("#c0-value-error")).to_be_visible()
        expect(page.locator("#c5-days-error")).to_be_visible()
        assert page.locator("#c5-days").get_attribute("aria-describedby") == "c5-days-error"
        page.screenshot(path=SCREENSHOTS / f"dashboard-segments-rows-{lang}.png",
                        full_page=True)
        assert serious(page) == []
    finally:
        context.close()

"""Following in a real browser: follow a brand from its product page (htmx swaps the button
in place), find it in the preference center, see its newest product on the home page under
"New from what you follow" — and not the one the customer's rule excludes —, unfollow it
from the preference center; then choose a coupon. Screenshots in English and Polish
(``PREFERO_SHOTS``, default /tmp/shots_D)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dashboard_browser import EMAIL, serious, served, signed_in
from factories import add_products, customer, product
from prefero.config import Settings
from prefero.coupons import service as coupons
from prefero.coupons.schemas import PoolIn
from prefero.db.base import utcnow
from prefero.db.migrate import upgrade
from prefero.runtime import Runtime
from staff_accounts import add as add_staff

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS", "/tmp/shots_D"))
#: The demo's first persona (``prefero.demo.personas.PERSONA_NO_GLUTEN``).
SHOPPER = "c00001"


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    settings = Settings(mode="demo", data_dir=tmp_path / "data", admin_key="e2e-admin-key")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    with runtime.session(write=True) as session:
        add_products(session, [
            product("oat", category="Groceries > Snacks", brand="Acme", age_days=1,
                    facets={"allergens": []}, title="Oat crunch bar", price=6),
            product("wheat", category="Groceries > Snacks", brand="Acme", age_days=0.5,
                    facets={"allergens": ["gluten"]}, title="Wheat crackers", price=5),
            product("rice", category="Groceries > Snacks", brand="Acme", age_days=3,
                    facets={"allergens": []}, title="Rice cakes", price=4),
            product("cream", category="Cosmetics > Skincare", brand="Bloom", age_days=2,
                    facets={"allergens": []}, title="Night cream", price=49),
        ])
        customer(session, SHOPPER)  # coupons are chosen signed in
    with runtime.session(write=True) as session:
        index = runtime.recommender.snapshot(session)[0]
        now = utcnow()
        coupons.add_pool(session, PoolIn(
            name="Your skincare coupon", percent_off=Decimal(15), codes_total=100,
            valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=14),
            category_roots=["Cosmetics"]), index=index, settings=runtime.settings)
    add_staff(runtime, EMAIL, "marketer")
    with served(runtime) as address:  # closes the runtime afterwards
        yield address


def _sign_in(page: Page, url: str) -> None:
    """Sign in as the demo persona: a coupon is the account's, never an anonymous cookie's."""
    page.goto(url + "/login")
    page.locator(f"form[action='/login']:has(input[value='{SHOPPER}']) button").click()
    page.wait_for_load_state("networkidle")


def _never_gluten(page: Page, url: str) -> None:
    """The shopper's own rule, declared in the preference center's form."""
    page.goto(url + "/preferences#rules")
    page.check("#rule-op-never")
    page.select_option("#rule-facet", "allergens")
    expect(page.locator("#rule-value option[value=gluten]")).to_have_count(1)
    page.select_option("#rule-value", "gluten")
    page.click("#rule-save")
    # htmx swaps the list in place: wait for the rule in it, not for a load already over.
    expect(page.locator('#rules .pc-list input[name=value][value=gluten]')).to_have_count(1)


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_follow_a_brand_and_see_what_is_new(browser: Any, url: str, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang,
                                  extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    try:
        page.goto(url + "/p/oat")
        button = page.locator('span.follow[data-follow-kind="brand"] button')
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        # htmx swapped the button in place: no page load.
        expect(page.locator('span.follow[data-follow-kind="brand"] button')
               ).to_have_attribute("aria-pressed", "true")
        page.screenshot(path=str(SHOTS / f"follows-product-{lang}.png"))

        center = page.goto(url + "/preferences#follows")
        assert center is not None and center.ok
        follows = page.locator("#follows")
        expect(follows.locator("ul.pc-list")).to_contain_text("Acme")
        follows.screenshot(path=str(SHOTS / f"follows-preferences-{lang}.png"))

        _never_gluten(page, url)
        page.goto(url + "/")
        section = page.locator("section.followed-new")
        expect(section).to_be_visible()
        ids = section.locator("[data-product-id]").evaluate_all(
            "cards => cards.map(c => c.dataset.productId)")
        assert ids == ["oat", "rice"], ids  # newest first; the gluten crackers never
        why = ("New from Acme, which you follow" if lang == "en"
               else "Nowości od marki Acme, którą obserwujesz")
        expect(section).to_contain_text(why)
        section.screenshot(path=str(SHOTS / f"follows-home-{lang}.png"))

        page.goto(url + "/preferences#follows")
        page.locator("#follows-remove-1").click()
        # The list of follows is gone (the picker still offers Acme to follow again).
        expect(page.locator("#follows ul.pc-list")).to_have_count(0)
        page.goto(url + "/")
        expect(page.locator("section.followed-new")).to_have_count(0)

        _sign_in(page, url)
        page.goto(url + "/coupons")
        page.screenshot(path=str(SHOTS / f"coupons-offer-{lang}.png"), full_page=True)
        page.select_option("#option-1", "category:Cosmetics > Skincare")
        page.locator("#offer-1 button[type=submit]").click()
        expect(page.locator(".coupon-code")).to_have_count(1)
        page.screenshot(path=str(SHOTS / f"coupons-{lang}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_shop_sees_what_customers_chose(browser: Any, url: str, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shopper = browser.new_context(viewport={"width": 1280, "height": 900})
    page = shopper.new_page()
    _sign_in(page, url)
    page.goto(url + "/coupons")
    page.select_option("#option-1", "category:Cosmetics > Skincare")
    page.locator("#offer-1 button[type=submit]").click()
    expect(page.locator(".coupon-code")).to_have_count(1)
    shopper.close()
    context, staff = signed_in(browser, url, lang=lang)
    try:
        staff.goto(url + "/dashboard/coupons")
        expect(staff.locator("table.pools")).to_contain_text("Your skincare coupon")
        remain = "99 of 100 codes remain." if lang == "en" else "Pozostało kodów: 99 z 100."
        expect(staff.locator("section.figure")).to_contain_text(remain)
        assert serious(staff) == []
        staff.screenshot(path=str(SHOTS / f"dashboard-coupons-{lang}.png"), full_page=True)
    finally:
        context.close()

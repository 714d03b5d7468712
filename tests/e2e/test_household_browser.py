"""The household switcher in a real browser: add a "Kids" profile, shop for it, set a like
that only the kids' recommendations and preference center follow, and switch back; the
pages in English and Polish (screenshots under $PREFERO_SHOTS, default /tmp/shots_G)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from prefero.catalog.models import Product
from prefero.customers.models import Preference
from prefero.recommend.query import RecommendationQuery

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS", "/tmp/shots_G"))
ACCOUNT = "c00001"
KIDS = f"{ACCOUNT}~kids"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _likes(shop: Any, customer_id: str) -> set[tuple[str, str]]:
    with shop.runtime.session() as session:
        return {(f, v) for f, v in session.execute(
            select(Preference.facet, Preference.value).where(
                Preference.customer_id == customer_id, Preference.kind == "like"))}


def _brands_recommended(shop: Any, customer_id: str) -> list[str]:
    with shop.runtime.session() as session:
        items = shop.runtime.recommender.recommend(
            session, RecommendationQuery(customer_id=customer_id, placement="home", n=12)).items
        brands = []
        for item in items:
            product = session.get(Product, item.product_id)
            brands.append(str(product.brand or "").casefold() if product else "")
        return brands


def _switch(page: Page, profile: str) -> None:
    with page.expect_navigation():
        page.select_option("#profile-choice", profile)  # submits on change (prefero.js)
    expect(page.locator("#profile-choice")).to_have_value(profile)


def test_a_household_profile_has_its_own_likes_and_recommendations(
        shop: Any, page: Page) -> None:
    page.goto(shop.url + "/login")
    page.locator(f"form[action='/login']:has(input[value='{ACCOUNT}']) button").click()
    page.wait_for_load_state()
    own_likes = _likes(shop, ACCOUNT)

    page.locator("#manage-profiles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Household profiles")
    expect(page.locator("#active-profile")).to_contain_text("Shopping for: Me")
    page.locator("#profile-name").fill("Kids")
    page.select_option("#profile-kind", "child")
    page.get_by_role("button", name="Add profile").click()
    expect(page.locator(".notice")).to_contain_text("Profile added: Kids.")
    expect(page.locator("#profile-kids")).to_be_visible()

    _switch(page, "kids")
    expect(page.locator("#active-profile")).to_contain_text("Shopping for: Kids")
    _shot(page, "household-profiles-en")

    # A like only the kids have: a brand the account's own recommendations do not lead with.
    page.goto(shop.url + "/preferences")
    page.select_option("#like-facet", "brand")
    options = page.locator("#like-value option")
    expect(options.first).to_have_count(1)
    values = [str(v) for v in options.evaluate_all("os => os.map(o => o.value)") if v]
    mine = set(_brands_recommended(shop, ACCOUNT))
    brand = next((v for v in values if v.casefold() not in mine), values[0])
    page.select_option("#like-value", brand)
    page.locator("#like-save").click()
    expect(page.locator("#pc-status")).to_contain_text("Saved")
    expect(page.locator("#likes .pc-list")).to_contain_text(
        re.compile("Brand: " + re.escape(brand), re.I))

    assert ("brand", brand.casefold()) in {(f, v.casefold()) for f, v in _likes(shop, KIDS)}
    assert _likes(shop, ACCOUNT) == own_likes  # the account's own profile is untouched
    kids_brands = _brands_recommended(shop, KIDS)
    assert brand.casefold() in kids_brands, (brand, kids_brands)
    # The storefront's home page follows the active profile.
    page.goto(shop.url + "/")
    expect(page.locator("#profile-choice")).to_have_value("kids")
    _shot(page, "household-home-kids-en")

    # Back to the account's own profile: its preference center does not hold the kids' like.
    _switch(page, "main")
    page.goto(shop.url + "/preferences")
    listed = " ".join(page.locator("#likes .pc-list li").all_inner_texts()).casefold()
    assert f"brand: {brand.casefold()}" not in listed \
        or ("brand", brand.casefold()) in {(f, v.casefold()) for f, v in own_likes}

    # The same pages in Polish.
    with page.expect_navigation():
        page.select_option("#lang-choice", "pl")
    page.goto(shop.url + "/profiles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile domowników")
    expect(page.locator("#active-profile")).to_contain_text("Zakupy dla: Ja")
    _shot(page, "household-profiles-pl")
    _switch(page, "kids")
    expect(page.locator("#active-profile")).to_contain_text("Zakupy dla: Kids")
    page.goto(shop.url + "/")
    _shot(page, "household-home-kids-pl")

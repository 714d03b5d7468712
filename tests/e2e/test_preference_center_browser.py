"""The preference center in a real browser: what the customer sets there changes the very next
page of the shop, data can be downloaded and deleted, and everything works from the keyboard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from prefero.catalog.models import Product
from prefero.customers.consent import current_consents
from prefero.customers.repository import get_customer
from prefero.recommend.query import RecommendationQuery, RecommendedItem

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Reason codes that use what the customer said or did; none may show once that is switched off.
DECLARED = {"declared_like"}
BEHAVIOURAL = {"co_purchase", "co_view", "behaviour_affinity", "session_context"}
# How the storefront words them on the cards.
DECLARED_TEXTS = ("Matches your preference",)
BEHAVIOURAL_TEXTS = ("Often bought with", "Because you")


def _recommended(shop: Any, customer_id: str) -> list[RecommendedItem]:
    with shop.runtime.session() as session:
        return shop.runtime.recommender.recommend(
            session, RecommendationQuery(customer_id=customer_id, placement="home", n=30)).items


def _codes(items: list[RecommendedItem]) -> set[str]:
    return {reason.code for item in items for reason in item.reasons}


def _home(page: Page, shop: Any) -> tuple[list[str], str] | None:
    """(product ids, text of every card's reasons) on the storefront's home page, or None
    while the storefront shows no product cards."""
    response = page.goto(shop.url + "/")
    if response is None or not response.ok:
        return None
    cards = page.locator("[data-product-id]")
    if cards.count() == 0:
        return None
    ids = [str(cards.nth(i).get_attribute("data-product-id")) for i in range(cards.count())]
    reasons = " ".join(page.locator("[data-product-id] .reasons").all_text_contents())
    return ids, reasons


def _brand(shop: Any, product_id: str) -> str | None:
    with shop.runtime.session() as session:
        product = session.get(Product, product_id)
        assert product is not None
        value = (product.facets or {}).get("brand") or product.brand
        return str(value).casefold() if value else None


def _sign_in(page: Page, shop: Any, customer_id: str) -> None:
    page.goto(shop.url + "/login")
    page.locator(f"form[action='/login']:has(input[value='{customer_id}']) button").click()
    page.wait_for_load_state()


def _open_center(page: Page, shop: Any) -> None:
    page.goto(shop.url + "/preferences")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your preferences")


def _customer_id(page: Page) -> str:
    return page.locator("#known code").first.inner_text().strip()


def test_a_never_rule_set_in_the_center_removes_the_products_from_the_next_page(
        shop: Any, page: Page) -> None:
    before = _home(page, shop)
    candidates = before[0] if before else [item.product_id for item in
                                           _recommended(shop, "nobody-yet")]
    brand = next(b for b in (_brand(shop, pid) for pid in candidates) if b)

    _open_center(page, shop)
    page.locator("#rules").get_by_label("Never show").check()
    page.select_option("#rule-facet", "brand")
    # htmx swaps the value picker for the chosen property's values.
    expect(page.locator(f'#rule-value option[value="{brand}"]')).to_have_count(1)
    page.select_option("#rule-value", brand)
    page.evaluate("window.samePage = true")
    page.locator("#rule-save").click()
    # The brand as the shop spells it ("Apple"), not as stored ("apple").
    expect(page.locator("#pc-status")).to_contain_text(f"Never show: {brand}",
                                                        ignore_case=True)
    expect(page.locator("#rules .pc-list")).to_contain_text(brand, ignore_case=True)
    assert page.evaluate("window.samePage === true"), "htmx should update the page in place"
    customer_id = _customer_id(page)

    after = _home(page, shop)
    if after is not None:
        assert after[0], "the home page still shows products"
        assert all(_brand(shop, pid) != brand for pid in after[0])
    items = _recommended(shop, customer_id)
    assert items and all(_brand(shop, item.product_id) != brand for item in items)


def test_level_off_leaves_no_declared_or_behavioural_reason(shop: Any, page: Page) -> None:
    _sign_in(page, shop, "c00001")
    assert _codes(_recommended(shop, "c00001")) & (DECLARED | BEHAVIOURAL), \
        "the persona should start with personal reasons, or the test proves nothing"

    _open_center(page, shop)
    page.locator("#level-off").check()
    page.locator("#level-save").click()
    expect(page.locator("#level-switch")).to_contain_text("Off")
    expect(page.locator("#pc-status")).to_contain_text("Personalization level: Off")

    home = _home(page, shop)
    if home is not None:
        for text in DECLARED_TEXTS + BEHAVIOURAL_TEXTS:
            assert text not in home[1]
    assert not _codes(_recommended(shop, "c00001")) & (DECLARED | BEHAVIOURAL)


def test_withdrawing_tracking_removes_behavioural_reasons_on_the_next_page(
        shop: Any, page: Page) -> None:
    _sign_in(page, shop, "c00001")
    assert _codes(_recommended(shop, "c00001")) & BEHAVIOURAL, \
        "the persona should start with behavioural reasons, or the test proves nothing"

    _open_center(page, shop)
    tracking = page.locator("#consent-tracking")
    expect(tracking).to_have_text("Withdraw")
    tracking.click()
    expect(page.locator("#pc-status")).to_contain_text("Consent withdrawn: Remember what I do")
    expect(page.locator("#consent-tracking")).to_have_text("Give consent")
    expect(page.locator("#consents table")).to_contain_text("withdrawn")

    home = _home(page, shop)
    if home is not None:
        for text in BEHAVIOURAL_TEXTS:
            assert text not in home[1]
    assert not _codes(_recommended(shop, "c00001")) & BEHAVIOURAL
    with shop.runtime.session() as session:
        assert not current_consents(session, customer_id="c00001",
                                    settings=shop.runtime.settings)["tracking"]


def _add_like(page: Page, facet: str, value: str) -> None:
    page.select_option("#like-facet", facet)
    expect(page.locator(f'#like-value option[value="{value}"]')).to_have_count(1)
    page.select_option("#like-value", value)
    page.locator("#like-save").click()
    expect(page.locator("#pc-status")).to_contain_text("Saved")


def _a_value(page: Page, facet: str) -> str:
    page.select_option("#like-facet", facet)
    option = page.locator("#like-value option").first
    expect(option).to_have_count(1)
    return str(option.get_attribute("value"))


def test_download_my_data_is_this_customers_json(shop: Any, page: Page) -> None:
    _open_center(page, shop)
    value = _a_value(page, "brand")
    _add_like(page, "brand", value)
    customer_id = _customer_id(page)

    with page.expect_download() as download_info:
        page.locator("#export-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text("utf-8"))
    assert data["customer_id"] == customer_id
    assert {(like["facet"], like["value"]) for like in data["preferences"]["likes"]} == {
        ("brand", value)}
    assert data["profile"]["anonymous"] is True


def test_delete_my_data_starts_over_with_an_empty_profile(shop: Any, page: Page) -> None:
    _open_center(page, shop)
    _add_like(page, "brand", _a_value(page, "brand"))
    old_id = _customer_id(page)

    page.locator("#delete-submit").click()  # unconfirmed: the browser refuses (required box)
    expect(page.locator("#pc-status")).not_to_contain_text("deleted")
    page.get_by_label("Yes, delete all my data").check()
    page.locator("#delete-submit").click()
    expect(page.locator("#pc-status")).to_contain_text("Your data was deleted")
    expect(page.locator("#pc-status")).to_contain_text("preferences: 1")
    expect(page.locator("#likes")).to_contain_text("No likes or dislikes yet.")
    expect(page.locator("#known")).to_contain_text("We hold nothing about you yet.")
    with shop.runtime.session() as session:
        assert get_customer(session, old_id) is None


_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName.toLowerCase(), type: el.getAttribute('type'),
          href: el.getAttribute('href'), text: (el.innerText || el.value || '').slice(0, 40),
          visible: el.matches(':focus-visible'), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth)};
}"""


def _tab(page: Page, key: str = "Tab") -> dict[str, Any]:
    page.keyboard.press(key)
    state = page.evaluate(_FOCUS_STATE)
    assert state is not None, f"{key} left the focus nowhere"
    assert state["visible"] and state["outline"] != "none" and state["width"] > 0, \
        f"focus is not visible on {state}"
    return dict(state)


def test_keyboard_only_path_through_the_center(shop: Any, page: Page) -> None:
    _open_center(page, shop)
    visited: list[dict[str, Any]] = []
    for _ in range(80):
        state = _tab(page)
        visited.append(state)
        if state["id"].startswith("level-") and state["type"] == "radio":
            break
    else:
        pytest.fail(f"Tab never reached the level; visited {visited}")
    # The section navigation comes before the sections, in page order.
    nav = [s["href"] for s in visited if (s["href"] or "").startswith("#")]
    assert nav[:3] == ["#main", "#level", "#likes"] or nav[:2] == ["#level", "#likes"], nav
    assert visited[-1]["id"] == "level-balanced"  # the level in force has the focus

    # Arrow keys move the choice within the radio group, then Tab on to "Save".
    assert _tab(page, "ArrowUp")["id"] == "level-declared"
    assert _tab(page, "ArrowUp")["id"] == "level-off"
    assert _tab(page)["id"] == "exploration"
    assert _tab(page)["id"] == "level-save"
    page.keyboard.press("Enter")
    expect(page.locator("#level-switch")).to_contain_text("Off")
    expect(page.locator("#pc-status")).to_contain_text("Personalization level: Off")
    expect(page.locator("#level-off")).to_be_checked()
    # The swap keeps the keyboard where it was, and the way on stays visible.
    expect(page.locator("#level-save")).to_be_focused()
    for _ in range(6):
        _tab(page)


def test_screenshots_of_the_preference_center(shop: Any, browser: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("desktop", {"width": 1280, "height": 900}),
                           ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport)
        try:
            page = context.new_page()
            _sign_in(page, shop, "c00001")
            _open_center(page, shop)
            page.screenshot(path=str(SCREENSHOTS / f"preferences-{name}.png"))
        finally:
            context.close()
    assert (SCREENSHOTS / "preferences-desktop.png").stat().st_size > 10_000

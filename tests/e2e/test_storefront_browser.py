"""The storefront in a real browser: the gluten-free persona sees no gluten anywhere, "Not for
me" removes a card at once and for good, "Why this?" explains, and the cart leads to a
checkout whose add-on services are offered, never pre-selected. Saves the README's
screenshots of the main pages at desktop and phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from prefero.catalog.models import Product

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
CARDS = "li.product-card"


def _sign_in(page: Any, url: str, customer_id: str) -> None:
    page.goto(f"{url}/login")
    page.locator(f"form[action='/login']:has(input[value='{customer_id}']) button").click()
    page.wait_for_url(f"{url}/")


def _card_ids(page: Any) -> list[str]:
    ids: list[str] = page.locator(CARDS).evaluate_all(
        "cards => cards.map(card => card.dataset.productId)")
    return ids


def _gluten(shop: Any, ids: list[str]) -> list[str]:
    """The ids among ``ids`` whose facets list gluten, looked up in the shop's database."""
    with shop.runtime.session() as session:
        products = session.scalars(select(Product).where(Product.id.in_(ids)))
        return [p.id for p in products if "gluten" in (p.facets.get("allergens") or [])]


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"storefront-{name}-{size}.png"))
    page.set_viewport_size(SIZES["desktop"])


def test_the_gluten_free_persona_sees_no_gluten(shop: Any, page: Any) -> None:
    _sign_in(page, shop.url, "c00001")
    home = _card_ids(page)
    assert home and not _gluten(shop, home)
    _screenshot(page, "home")

    page.goto(f"{shop.url}/c/Groceries")
    listing = _card_ids(page)
    assert listing and not _gluten(shop, listing)
    hidden = page.locator("#hidden-line")
    expect(hidden).to_be_visible()
    expect(hidden).to_contain_text("hidden by your preferences")
    expect(hidden).to_contain_text("gluten")
    _screenshot(page, "category")

    page.get_by_role("link", name="show all").click()
    expect(page.locator("#hidden-line")).to_contain_text("Showing everything")
    assert _gluten(shop, _card_ids(page)), "show all brings the hidden products back"

    page.get_by_role("combobox", name="Search products").fill("bread")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=bread")
    assert not _gluten(shop, _card_ids(page))
    expect(page.locator("#hidden-line")).to_contain_text("hidden by your preferences")

    page.goto(f"{shop.url}/c/Groceries")
    page.locator(f"{CARDS} h3 a").first.click()
    page.wait_for_url("**/p/**")
    expect(page.get_by_role("heading", name="Similar and complementary")).to_be_visible()
    similar = _card_ids(page)
    assert similar and not _gluten(shop, similar)
    _screenshot(page, "product")


def test_not_for_me_removes_the_card_at_once_and_for_good(shop: Any, page: Any) -> None:
    _sign_in(page, shop.url, "c00001")
    gone = _card_ids(page)[0]
    card = page.locator(f'{CARDS}[data-product-id="{gone}"]')
    card.get_by_role("button", name="Not for me").click()
    expect(card).to_have_count(0)
    # only htmx fills the live region, so the page was not simply reloaded
    expect(page.locator("#sf-announce")).to_contain_text("Hidden:")
    page.reload()
    assert _card_ids(page) and gone not in _card_ids(page)


def test_why_this_opens_and_shows_reasons(shop: Any, page: Any) -> None:
    _sign_in(page, shop.url, "c00001")
    first = page.locator(CARDS).first
    reasons = first.locator("details.why li")
    expect(reasons.first).to_be_hidden()
    first.get_by_text("Why this?").click()
    expect(first.locator("details.why")).to_have_attribute("open", "")
    expect(reasons.first).to_be_visible()
    assert all(text.strip() for text in reasons.all_inner_texts())


def test_cart_shows_complements_and_checkout_offers_unticked_add_ons(shop: Any,
                                                                    page: Any) -> None:
    _sign_in(page, shop.url, "c00001")
    with shop.runtime.session() as session:
        # a camera for photography: the demo's camera set-up and warranty services serve it
        camera = next(p.id for p in session.scalars(select(Product).where(
            Product.category.startswith("Electronics > Cameras")).order_by(Product.id))
            if "photo" in (p.facets.get("use") or []))
    page.goto(f"{shop.url}/p/{camera}")
    page.locator("article.product").get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart")
    expect(page.locator(f'.cart-line[data-product-id="{camera}"]')).to_be_visible()
    expect(page.get_by_role("heading", name="Goes well with your cart")).to_be_visible()
    assert _card_ids(page), "the cart suggests complements"
    _screenshot(page, "cart")

    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url("**/checkout")
    add_ons = page.locator('.add-ons input[type="checkbox"]')
    assert add_ons.count() >= 1
    for box in add_ons.all():
        expect(box).not_to_be_checked()
    _screenshot(page, "checkout")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Thank you for your order!")).to_be_visible()

"""Checkout in a real browser: a size chosen on the product page stays with the cart line,
the delivery choice lists the windows with why each suits the customer and one pre-selected,
the order is placed with the window, and a line is sent back from the orders page with a
reason, once. In English and Polish, desktop and phone; saves the README's screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from prefero.catalog.models import Product
from prefero.delivery.models import DeliveryBooking
from prefero.delivery.schemas import Wishes
from prefero.delivery.wishes import set_wishes

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {
    "en": {"add": "Add to cart", "checkout": "Go to checkout", "place": "Place order",
           "thanks": "Thank you for your order!", "orders": "Your orders",
           "back": "Send back", "size": "Size", "sent": "Sent back: Too small",
           "small": "Too small"},
    "pl": {"add": "Dodaj do koszyka", "checkout": "Przejdź do kasy", "place": "Złóż zamówienie",
           "thanks": "Dziękujemy za zamówienie!", "orders": "Twoje zamówienia",
           "back": "Odeślij", "size": "Rozmiar", "sent": "Odesłane: Za mały",
           "small": "Za mały"},
}


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is wider than the {size} screen"
    page.set_viewport_size(SIZES["desktop"])


def _sized_product(shop: Any) -> tuple[str, str]:
    with shop.runtime.session() as session:
        for found in session.scalars(select(Product).where(
                Product.category.startswith("Fashion > Tops"), Product.active)
                .order_by(Product.id)):
            sizes = found.facets.get("size") or []
            if found.availability == "in_stock" and len(sizes) > 1:
                return found.id, str(sizes[1])
    raise AssertionError("the demo shop sells tops in sizes")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_size_delivery_order_and_return(shop: Any, page: Any, language: str) -> None:
    words = WORDS[language]
    page.context.add_cookies([{"name": "lang", "value": language, "url": shop.url}])
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login']:has(input[value='c00002']) button").click()
    page.wait_for_url(f"{shop.url}/")
    product_id, size = _sized_product(shop)
    with shop.runtime.session(write=True) as session:
        set_wishes(session, customer_id="c00002",
                   wishes=Wishes(weekdays=[5, 6], method="home", speed="green"))
    page.goto(f"{shop.url}/p/{product_id}")
    form = page.locator("article.product form[action='/cart/add']")
    choice = form.locator("select[name='size']")
    offered = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    size = next(value for value in offered if value.casefold() == size.casefold())
    choice.select_option(size)
    form.get_by_role("button", name=words["add"]).click()
    page.wait_for_url("**/cart")
    line = page.locator(f'.cart-line[data-product-id="{product_id}"]')
    expect(line).to_contain_text(f"{words['size']} {size.upper()}")

    page.get_by_role("link", name=words["checkout"]).click()
    page.wait_for_url("**/checkout")
    choices = page.locator("input[name='delivery_window']:not([disabled])")
    assert choices.count() >= 2
    chosen = page.locator("input[name='delivery_window']:checked")
    expect(chosen).to_have_count(1)
    window = chosen.get_attribute("value")
    # The first choice suits the wishes and says why, in the page's language.
    expect(page.locator(".delivery-option").first.locator(".delivery-why")).not_to_be_empty()
    _screenshot(page, f"checkout-delivery-{language}")
    page.get_by_role("button", name=words["place"]).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible()
    expect(page.locator(".delivery-chosen")).to_be_visible()
    with shop.runtime.session() as session:
        assert session.scalars(select(DeliveryBooking.window_id)).all() == [window]

    page.goto(f"{shop.url}/orders")
    expect(page.get_by_role("heading", name=words["orders"])).to_be_visible()
    order_line = page.locator(f'.order-line[data-product-id="{product_id}"]')
    order_line.locator("select[name='reason']").select_option(label=words["small"])
    order_line.get_by_role("button", name=words["back"]).click()
    page.wait_for_url("**/orders")
    expect(page.locator(f'.order-line[data-product-id="{product_id}"]')).to_contain_text(
        words["sent"])
    expect(page.locator(f'.order-line[data-product-id="{product_id}"] form')).to_have_count(0)
    _screenshot(page, f"orders-{language}")

"""Delivery wishes in a real browser: the shopper declares days, hours, a pick-up point and
green rounds in the preference center's "Delivery" section, sees them back in words, in
English and in Polish, on a desktop and a phone; and the checkout's delivery choice (the
partial the checkout page includes) lists the times that suit them first, with reasons.
Screenshots go to /tmp/shots/delivery/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from factories import add_products, product
from prefero.db.base import utcnow
from prefero.delivery.readiness import RESTOCK
from prefero.delivery.schemas import Wishes
from prefero.delivery.service import checkout_delivery, list_windows, set_wishes
from prefero.delivery.windows import set_capacity
from prefero.web.i18n import translator
from prefero.web.render import templates

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_DELIVERY_SHOTS", "/tmp/shots/delivery"))
SIZES: tuple[tuple[str, ViewportSize], ...] = (
    ("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844}))


def _sign_in(page: Page, shop: Any) -> str:
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login'] button").first.click()
    page.wait_for_load_state()
    page.goto(f"{shop.url}/preferences")
    return page.locator("#known code").first.inner_text().strip()


def _shoot(page: Page, name: str) -> None:
    for size, viewport in SIZES:
        page.set_viewport_size(viewport)
        page.locator("#delivery").scroll_into_view_if_needed()
        page.locator("#delivery").screenshot(path=str(SHOTS / f"{name}-{size}.png"))
    page.set_viewport_size(SIZES[0][1])


def test_declaring_delivery_wishes(shop: Any, page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    customer_id = _sign_in(page, shop)
    section = page.locator("#delivery")
    expect(section.get_by_role("heading", level=2)).to_have_text("Delivery")
    expect(section).to_contain_text("No delivery wishes yet")

    page.locator("#delivery-day-5").check()
    page.locator("#delivery-day-6").check()
    page.get_by_label("Evening (6:00\u202fPM–10:00\u202fPM)").check()
    page.locator("#delivery-method-pickup").check()
    # Mokotów has green rounds every other day: one of each weekend is green.
    page.locator("#delivery-point").select_option("mokotow")
    page.locator("#delivery-speed-green").check()
    page.evaluate("window.samePage = true")
    page.locator("#delivery-save").click()
    expect(page.locator("#pc-status")).to_contain_text("Your delivery wishes were saved")
    assert page.evaluate("window.samePage") is True  # htmx swapped the sections in place
    summary = page.locator("#delivery-summary")
    expect(summary).to_contain_text("Saturday, Sunday")
    expect(summary).to_contain_text("Pick-up point: Mokotów, Puławska 50")
    expect(summary).to_contain_text("Green delivery")
    _shoot(page, "wishes-en")

    page.context.add_cookies([{"name": "lang", "value": "pl", "url": shop.url}])
    page.goto(f"{shop.url}/preferences")  # not "#delivery": a fragment alone does not reload
    expect(section.get_by_role("heading", level=2)).to_have_text("Dostawa")
    expect(summary).to_contain_text("Sobota, Niedziela")
    expect(summary).to_contain_text("Wieczorem (18:00–22:00)")
    expect(page.locator("#delivery-hours")).to_contain_text("Rano (06:00–12:00)")
    _shoot(page, "wishes-pl")

    # The checkout's choice for this customer, as the checkout page includes it.
    with shop.runtime.session() as session:
        add_products(session, [product("e2e-bread", category="Groceries > Bread")])
    for language in ("en", "pl"):
        with shop.runtime.session() as session:
            delivery = checkout_delivery(session, customer_id=customer_id,
                                         cart=["e2e-bread"], now=utcnow(), language=language,
                                         time_zone="Europe/Warsaw")
        t = translator(language)
        html = templates.env.get_template("storefront/_delivery_choice.html").render(
            delivery=delivery, t=t, tn=t.plural, lang=language)
        assert "T" not in "".join(c.hours for c in delivery.choices)  # no ISO times
        first = delivery.choices[0]
        assert first.available and first.preferred
        assert first.place == "Mokotów, Puławska 50" and first.green
        page.goto(f"{shop.url}/preferences")
        page.set_content(
            f'<html lang="{language}"><head><link rel="stylesheet" '
            f'href="{shop.url}/static/web/prefero.css"></head><body><main style="padding:1rem">'
            f'<form>{html}</form></main></body></html>')
        choice = page.locator("#delivery-choice")
        expect(choice.locator("input[name='delivery_window']:checked")).to_have_value(
            first.value)
        expect(choice.locator(".delivery-option").first).to_contain_text(
            "Pasuje Ci" if language == "pl" else "Suits you")
        for size, viewport in SIZES:
            page.set_viewport_size(viewport)
            choice.screenshot(path=str(SHOTS / f"checkout-choice-{language}-{size}.png"))
        page.set_viewport_size(SIZES[0][1])


def _show_choice(page: Page, shop: Any, html: str, language: str) -> None:
    page.goto(f"{shop.url}/preferences")
    page.set_content(
        f'<html lang="{language}"><head><link rel="stylesheet" '
        f'href="{shop.url}/static/web/prefero.css"></head><body><main style="padding:1rem">'
        f'<form>{html}</form></main></body></html>')


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_checkout_choice_fits_a_phone_and_hides_no_window(shop: Any, page: Page,
                                                               language: str) -> None:
    """Every window of the demo shop's fortnight on a phone: the best few with their
    reasons, every other one a line under its day (its reasons when hovered, focused or
    chosen), those before a back-ordered cart is ready and a full one as one short line per
    day. Screenshots: checkout-days-<language>-<size>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with shop.runtime.session(write=True) as session:
        add_products(session, [product("e2e-flour", category="Groceries > Bread",
                                       availability="backorder")])
        set_wishes(session, customer_id="e2e-days",
                   wishes=Wishes(weekdays=[5, 6], method="home", speed="green"))
        late = [w for w in list_windows(session, since=utcnow())
                if w.starts_at > utcnow() + RESTOCK]
        set_capacity(session, late[-1].id, capacity=0)
    with shop.runtime.session() as session:
        delivery = checkout_delivery(session, customer_id="e2e-days", cart=["e2e-flour"],
                                     now=utcnow(), language=language,
                                     time_zone="Europe/Warsaw")
    t = translator(language)
    html = templates.env.get_template("storefront/_delivery_choice.html").render(
        delivery=delivery, t=t, tn=t.plural, lang=language)
    _show_choice(page, shop, html, language)
    choice = page.locator("#delivery-choice")
    # Each window once: a radio when it can be chosen, else a time on its day's line.
    shown = choice.locator("[data-window-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.windowId)")
    assert sorted(shown) == sorted(c.value for c in delivery.choices)
    expect(choice.locator("input[name='delivery_window']:checked")).to_have_count(1)
    closed = choice.locator(".delivery-closed")
    expect(closed.first).to_contain_text("Za wcześnie: " if language == "pl"
                                         else "Too early: ")
    expect(choice.locator(".delivery-ready")).to_contain_text(
        "Zamówienie może być gotowe od" if language == "pl" else "Your order can be ready from")
    expect(closed.last).to_contain_text("Brak miejsc" if language == "pl"
                                        else "No places left")
    page.set_viewport_size(SIZES[1][1])
    # One line a window: the choice stays a few screens tall (about 50 px a window on a
    # phone, headings and the best few included), not one card a window (over 120 px).
    lines = choice.locator(".delivery-line:not(:has(.badge))")
    heights = lines.evaluate_all("nodes => nodes.map(n => n.getBoundingClientRect().height)")
    assert heights and max(heights) < 40, heights
    fieldset = choice.bounding_box()
    assert fieldset is not None
    assert fieldset["height"] < 60 * len(delivery.choices), fieldset
    # A line's reasons: read out with its radio, shown while it is hovered or chosen.
    line = choice.locator(".delivery-line").filter(
        has=page.locator(".delivery-why:not(:empty)")).first
    why = line.locator(".delivery-why")
    radio = line.locator("input[name='delivery_window']")
    assert radio.get_attribute("aria-describedby") == why.get_attribute("id")
    assert (why.bounding_box() or {"width": 0})["width"] <= 1
    line.hover()
    assert (why.bounding_box() or {"width": 0})["width"] > 50
    box = line.bounding_box()
    assert box is not None
    page.screenshot(path=str(SHOTS / f"checkout-line-hover-{language}.png"),
                    clip={"x": 0, "y": box["y"] - 10, "width": SIZES[1][1]["width"],
                          "height": box["height"] + 90})
    radio.check()
    page.mouse.move(0, 0)
    expect(why).to_be_visible()
    assert (why.bounding_box() or {"width": 0})["width"] > 50
    for size, viewport in SIZES:
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"checkout-days-{language}-{size}.png"),
                        full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"wider than the {size} screen"

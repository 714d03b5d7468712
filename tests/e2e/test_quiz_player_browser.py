"""The quiz player in a real browser: htmx swaps, the live counter, keyboard use, and what a
completed quiz changes on the home page. Saves the README's quiz screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from prefero.catalog.models import Product
from prefero.recommend.query import RecommendationQuery

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PERSONA = "c00002"


def _home_product_ids(page: Any, url: str) -> list[str]:
    page.goto(f"{url}/")
    ids: list[str] = page.locator("[data-product-id]").evaluate_all(
        "cards => cards.map(card => card.dataset.productId)")
    return ids


def _recommended(shop: Any, customer_id: str) -> list[str]:
    with shop.runtime.session() as session:
        result = shop.runtime.recommender.recommend(
            session, RecommendationQuery(customer_id=customer_id, n=40))
        return [item.product_id for item in result.items]


def _with_gluten(shop: Any, product_ids: list[str]) -> list[str]:
    with shop.runtime.session() as session:
        found = []
        for product_id in dict.fromkeys(product_ids):
            product = session.get(Product, product_id)
            allergens = (product.facets or {}).get("allergens") if product else None
            if isinstance(allergens, list) and "gluten" in allergens:
                found.append(product_id)
        return found


def _next(page: Any, question: str) -> None:
    """Press Next and wait for htmx to swap in ``question`` (or the results)."""
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("#quiz-body")).to_contain_text(question)


def _remaining(page: Any) -> int:
    return int(page.locator("#quiz-remaining [data-remaining]").get_attribute("data-remaining"))


def test_the_grocery_quiz_removes_allergens_from_home(shop: Any, page: Any) -> None:
    page.goto(f"{shop.url}/login")
    page.locator(f"form[action='/login']:has(input[value='{PERSONA}']) button").click()
    page.wait_for_url(f"{shop.url}/")
    before = _home_product_ids(page, shop.url)
    recommended_before = _recommended(shop, PERSONA)

    page.goto(f"{shop.url}/quizzes/grocery-setup")
    expect(page.locator("legend")).to_contain_text("Do you follow any of these diets?")
    page.get_by_label("Vegetarian").check()
    _next(page, "Are you allergic or intolerant to any of these?")
    page.get_by_label("Gluten").check()
    _next(page, "Do you need certified gluten-free food")
    page.get_by_label("No, avoiding gluten is enough").check()
    _next(page, "How do you feel about sugar?")
    page.get_by_label("I try to eat less").check()
    _next(page, "Do you buy organic?")
    page.get_by_label("When I can").check()
    _next(page, "Anything you always buy?")
    page.get_by_label("Your answer").fill("oat drink")
    _next(page, "Your results")
    expect(page.locator(".quiz-stored")).to_contain_text("saved to your profile")

    after = _home_product_ids(page, shop.url)
    recommended_after = _recommended(shop, PERSONA)
    assert not _with_gluten(shop, after), "home still shows products with gluten"
    assert not _with_gluten(shop, recommended_after)
    if before:
        assert after and after != before, "the home page did not change after the quiz"
    assert recommended_after != recommended_before


def test_camera_finder_narrows_and_explains(shop: Any, page: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{shop.url}/quizzes/camera-finder")
    counter = page.locator("#quiz-remaining")
    expect(counter).to_have_attribute("aria-live", "polite")
    start = _remaining(page)
    expect(counter).to_have_text(f"{start} of {start} products left")
    expect(page.get_by_text("Question 1 of 8")).to_be_visible()

    page.get_by_label("I'm new to this").check()
    _next(page, "What will you mostly photograph?")
    page.get_by_label("Travel").check()
    page.get_by_label("Everyday photos and portraits").check()
    _next(page, "Will you film video as well?")

    # Keyboard only: focus moved to the new question, so Tab reaches its options, the arrows
    # choose, and Tab then Enter presses Next.
    expect(page.locator("fieldset.quiz-question")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Yes, often")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("No, photos only")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Next", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("legend")).to_contain_text("What is the most you would like to spend?")

    # The slider and the number box stay in step, with the value shown live.
    page.get_by_label("Exact value (PLN)").fill("3000")
    expect(page.locator("#quiz-output")).to_have_text("3000")
    assert page.locator("#quiz-slider").input_value() == "3000"
    page.screenshot(path=str(SCREENSHOTS / "quiz-question-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "quiz-question-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    _next(page, "Do you already own lenses")
    narrowed = _remaining(page)
    assert narrowed < start
    expect(counter).to_have_text(f"{narrowed} of {start} products left")
    expect(page.get_by_text("Removed the most")).to_be_visible()
    page.get_by_label("No, starting fresh").check()
    _next(page, "How heavy a camera")
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("legend")).to_contain_text("Would you like a hand")
    page.get_by_role("button", name="Back").click()
    expect(page.locator("legend")).to_contain_text("How heavy a camera")
    page.get_by_role("button", name="Skip").click()
    page.get_by_label("Yes, help me set it up").check()
    _next(page, "Your results")

    picks = page.locator(".quiz-pick")
    assert picks.count() >= 1
    expect(picks.first.locator(".quiz-reasons li").first).to_be_visible()
    expect(picks.first.get_by_role("button", name="Add to cart")).to_be_visible()
    services = page.locator(".quiz-services")
    if services.count():
        expect(services).to_contain_text("nothing goes into your cart unless you add it")
    assert _remaining(page) <= narrowed
    page.screenshot(path=str(SCREENSHOTS / "quiz-results-desktop.png"), full_page=True)

"""The strict Content-Security-Policy in a real browser: every page a shopper uses (and /docs)
runs without a single violation, and what used to be inline script (the language switch, the
quiz's focus after a swap, the like slider's words) and the htmx actions still work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# Runs before any page script, on every document of the context: a CSP violation, and htmx
# refusing to evaluate an expression (what hx-on needs), are reported to the test.
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportProblem(`CSP ${e.violatedDirective} blocked ${e.blockedURI} ${e.sample || ""}`);
});
document.addEventListener("htmx:evalDisallowedError", () => {
  window.reportProblem("htmx wanted to evaluate an expression");
});
"""


@dataclass
class Watch:
    problems: list[str] = field(default_factory=list)
    htmx_posts: list[dict[str, str]] = field(default_factory=list)

    def clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def watch(page: Page) -> Iterator[Watch]:
    seen = Watch()
    page.expose_function("reportProblem", lambda text: seen.problems.append(text))
    page.add_init_script(WATCH)

    def on_console(message: Any) -> None:
        # Chromium also logs each violation; this catches one the event missed.
        if "Content Security Policy" in message.text:
            seen.problems.append(f"console: {message.text}")

    def on_request(request: Any) -> None:
        if request.method == "POST" and request.headers.get("hx-request") == "true":
            seen.htmx_posts.append(request.headers)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error}"))
    page.on("request", on_request)
    yield seen


def _visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe" not in csp, url
    page.wait_for_load_state("load")


def test_the_shop_pages_run_under_the_policy_without_a_violation(shop: Any, page: Page,
                                                                 watch: Watch) -> None:
    _visit(page, shop.url + "/")
    product = page.locator("li.product-card a[href^='/p/']").first.get_attribute("href")
    assert product
    for path in (product, "/c/Groceries", "/search?q=oat", "/cart", "/quizzes", "/login"):
        _visit(page, shop.url + path)

    # "Add to cart" is a plain form post: it must carry the page's token and be accepted.
    _visit(page, shop.url + product)
    page.locator("form[action='/cart/add'] button").first.click()
    page.wait_for_url(f"{shop.url}/cart")
    expect(page.locator(".cart-lines .cart-line")).to_have_count(1)
    watch.clean()


def test_the_language_switch_submits_on_change(shop: Any, page: Page, watch: Watch) -> None:
    _visit(page, shop.url + "/search?q=oat")
    with page.expect_navigation():
        page.select_option("#lang-choice", "pl")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert page.url == f"{shop.url}/search?q=oat", "the switch returns to the same page"
    expect(page.locator("#lang-choice")).to_have_value("pl")
    watch.clean()


def test_the_preference_center_updates_in_place_with_the_token_header(
        shop: Any, page: Page, watch: Watch) -> None:
    _visit(page, shop.url + "/preferences")
    # The like slider names its value in words (was an inline oninput handler).
    slider = page.locator("#like-weight")
    slider.focus()
    slider.press("ArrowLeft")
    expect(page.locator("#like-weight-text")).not_to_have_text("Love it")
    assert slider.get_attribute("aria-valuetext") == page.locator("#like-weight-text").inner_text()

    page.evaluate("window.samePage = true")
    expect(page.locator("#consent-tracking")).to_have_text("Give consent")
    page.locator("#consent-tracking").click()
    expect(page.locator("#consent-tracking")).to_have_text("Withdraw")
    assert page.evaluate("window.samePage === true"), "htmx should update the page in place"
    assert watch.htmx_posts, "the consent button should post through htmx"
    assert all(headers.get("x-csrf-token") for headers in watch.htmx_posts)
    watch.clean()


def test_a_stale_page_reloads_instead_of_failing_silently(shop: Any, page: Page,
                                                          watch: Watch) -> None:
    _visit(page, shop.url + "/preferences")
    # The session ends (expired, or reset in another tab): the page's token no longer fits.
    page.context.clear_cookies()
    page.evaluate("window.samePage = true")
    with page.expect_navigation():
        page.locator("#consent-tracking").click()
    assert page.evaluate("window.samePage === undefined"), "the page should have reloaded"
    expect(page.locator("#consent-tracking")).to_have_text("Give consent")
    # The reloaded page's token works.
    page.locator("#consent-tracking").click()
    expect(page.locator("#consent-tracking")).to_have_text("Withdraw")
    watch.clean()


def test_the_quiz_player_swaps_questions_and_moves_the_focus(shop: Any, page: Page,
                                                            watch: Watch) -> None:
    # A picture that does not load disappears (was an inline onerror handler); the demo's
    # style pictures are not shipped, so the first one fails.
    _visit(page, shop.url + "/quizzes/fashion-style")
    expect(page.locator("img[data-hide-broken]").first).to_be_hidden()
    expect(page.get_by_text("Timeless classics")).to_be_visible()

    _visit(page, shop.url + "/quizzes/grocery-setup")
    page.evaluate("window.samePage = true")
    page.get_by_label("Vegetarian").check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator("#quiz-body")).to_contain_text(
        "Are you allergic or intolerant to any of these?")
    assert page.evaluate("window.samePage === true"), "htmx should swap the question in place"
    # The new question has the focus (was hx-on::after-settle, which needs eval).
    expect(page.locator("#quiz-body .quiz-question")).to_be_focused()

    # A range question: the slider and the number box show one value (was oninput=).
    _visit(page, shop.url + "/quizzes/camera-finder")
    for option in ("expert", "photo", "never"):
        page.locator(f"#option-{option}").check()
        page.get_by_role("button", name="Next", exact=True).click()
        expect(page.locator(f"#option-{option}")).to_have_count(0)
    page.locator("#quiz-value").fill("3000")
    expect(page.locator("#quiz-slider")).to_have_value("3000")
    expect(page.locator("#quiz-output")).to_have_text("3000")
    page.locator("#quiz-slider").fill("5000")
    expect(page.locator("#quiz-value")).to_have_value("5000")

    assert watch.htmx_posts and all(h.get("x-csrf-token") for h in watch.htmx_posts)
    watch.clean()


def test_the_api_docs_run_under_the_policy(live_server: str, page: Page, watch: Watch) -> None:
    _visit(page, live_server + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    page.wait_for_selector(".opblock")
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    watch.clean()

"""A Polish shopper takes a quiz end to end in Chromium: every question, answer, notice and
result reads Polish (no English message of the catalogue or the quiz, no raw value), and the
quiz ends on results, never on an empty page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.test_polish_pages_browser import _catalogue_data, _english_messages, _leaks
from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.loader import load_definition_file
from prefero.quizzes.publish import library_files

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _quiz_english(quiz_id: str) -> set[str]:
    """The quiz's own English texts (title, questions, options) that Polish words
    differently."""
    source = next(f for f in library_files() if f.name == f"{quiz_id}.yaml")
    definition = load_definition_file(Path(str(source)), schema=load_facet_schema())
    texts = {definition.title}
    for question in definition.questions:
        texts.add(question.text)
        texts.update(option.label for option in question.options)
    polish = definition.translations.get("pl", {})
    # a brand or a model name reads the same in Polish: only what Polish words otherwise
    return {text for text in texts if len(text) > 3 and polish.get(text, text) != text}


@pytest.mark.parametrize("quiz_id", ["camera-finder", "grocery-setup"])
def test_a_polish_quiz_runs_end_to_end(shop: Any, page: Any, quiz_id: str) -> None:
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login'] button").first.click()
    page.context.add_cookies([{"name": "lang", "value": "pl", "url": shop.url}])
    english, data = _english_messages(), _catalogue_data(shop)
    quiz_english = _quiz_english(quiz_id)
    page.goto(f"{shop.url}/quizzes/{quiz_id}")
    leaks: list[str] = []
    for _ in range(20):
        leaks += _leaks(page, english, data)
        leaks += [text for text in page.evaluate("() => document.body.innerText.split('\\n')")
                  if text.strip() in quiz_english]
        if page.locator(".quiz-form").count() == 0:
            break
        asked = page.locator(".quiz-form input[name=question_id]").get_attribute("value")
        choice = page.locator(".quiz-form input[name=option]").first
        if choice.count():
            choice.check()
        page.get_by_role("button", name="Dalej", exact=True).click()
        # htmx swaps the next question (or the results) in place
        page.wait_for_function(
            "asked => { const q = document.querySelector('.quiz-form input[name=question_id]');"
            " return !q || q.value !== asked; }", arg=asked)
    else:
        pytest.fail("the quiz never reached its results")
    expect(page.locator("#quiz-body")).to_contain_text("Twoje wyniki")
    assert page.locator("#quiz-body [data-product-id]").count() > 0, "ended with no picks"
    assert not leaks, "\n".join(dict.fromkeys(leaks))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"pl-quiz-{quiz_id}-results-desktop.png"),
                    full_page=False)

"""The demo shop's prompts: what a page tells the watcher script, the fragment the script
gets when a trigger fires (and 204 when none), the prompt's buttons, and the preference
center's caps form, in English and Polish."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.prompts.caps import prompt_settings
from prefero.runtime import Runtime
from prompt_helpers import prompt_shop
from webforms import PREFERENCES, me, shopper, submit


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    prompt_shop(runtime)
    with runtime.session(write=True) as session:
        add_products(session, [product("shoe", category="Fashion > Shoes", brand="Acme",
                                       title="Trail runner")])
    browser = shopper(client)
    # The shopper allows this visit's context, as the preference center offers.
    submit(browser, f"{PREFERENCES}/consents", {"purpose": "context", "granted": "true"},
           page=PREFERENCES)
    return browser


def _cart(web: TestClient) -> None:
    submit(web, "/cart/add", {"product_id": "shoe"}, follow_redirects=False)


def test_a_page_tells_the_script_only_what_may_fire(web: TestClient, runtime: Runtime) -> None:
    _cart(web)
    page = web.get("/cart").text
    assert 'id="prompt-host"' in page and 'data-cart="1"' in page
    assert 'data-dwell="20"' in page and 'data-scroll="60"' in page and "data-exit" in page
    assert '<script src="/static/web/prompts.js" defer></script>' in page
    submit(web, f"{PREFERENCES}/consents", {"purpose": "context", "granted": "false"},
           page=PREFERENCES)
    assert 'id="prompt-host"' not in web.get("/cart").text


def test_a_fired_trigger_answers_the_prompt_then_the_cap_holds(web: TestClient) -> None:
    _cart(web)
    first = submit(web, "/prompts/ask", {"trigger": "cart_exit", "back": "/cart"})
    assert first.status_code == 200
    assert 'role="region"' in first.text and "everyone in English" in first.text
    assert "Why am I seeing this?" in first.text
    assert "Shown because you are leaving with 1 item in your cart" in first.text
    assert "At most 1 suggestion like this per visit." in first.text
    assert "Don&#39;t show me these" in first.text or "Don't show me these" in first.text
    again = submit(web, "/prompts/ask", {"trigger": "dwell", "dwell": "30"})
    assert again.status_code == 204
    # The visit's one prompt was shown: the page's watcher stops.
    assert 'id="prompt-host"' not in web.get("/cart").text


def test_dismissing_and_switching_off(web: TestClient, runtime: Runtime) -> None:
    _cart(web)
    shown = submit(web, "/prompts/ask", {"trigger": "cart_exit"})
    done = submit(web, "/prompts/exit/dismiss", {"back": "/cart"}, html=shown.text,
                  headers={"X-Prompt": "fragment"})
    assert done.status_code == 200 and "this suggestion again" in done.text
    off = submit(web, "/prompts/off", {"back": "/cart"}, html=shown.text,
                 follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == "/cart"
    cid = me(web)
    with runtime.session() as session:
        found = prompt_settings(session, cid, language="en")
    assert found.off and found.dismissed == ["exit"]
    assert submit(web, "/prompts/ask", {"trigger": "cart_exit"}).status_code == 204


def test_without_the_csrf_token_nothing_is_asked(web: TestClient) -> None:
    refused = web.post("/prompts/ask", data={"trigger": "cart_exit"})
    assert refused.status_code == 403


def test_the_preference_center_shows_and_changes_the_caps(web: TestClient,
                                                          runtime: Runtime) -> None:
    center = web.get(PREFERENCES).text
    assert 'id="prompts"' in center and "Suggestions on the pages" in center
    assert "At most 1 suggestion like this per visit." in center
    saved = submit(web, f"{PREFERENCES}/prompts", {"per_visit": "2", "gap_minutes": "10",
                                                   "show": "on"}, html=center)
    assert saved.status_code == 200
    assert "At most 2 suggestions like this per visit. At least 10 minutes between two of " \
           "them." in saved.text
    bad = submit(web, f"{PREFERENCES}/prompts", {"per_visit": "9", "gap_minutes": "x"},
                 html=center)
    assert bad.status_code == 422
    assert "Enter a whole number from 0 to 5." in bad.text
    assert 'id="prompts-gap-error"' in bad.text
    off = submit(web, f"{PREFERENCES}/prompts", {"per_visit": "1", "gap_minutes": "30"},
                 html=center)
    assert "You have switched these suggestions off." in off.text
    cid = me(web)
    with runtime.session() as session:
        assert prompt_settings(session, cid, language="en").off


def test_polish_pages_say_it_in_polish(web: TestClient) -> None:
    web.cookies.set("lang", "pl")
    _cart(web)
    shown = submit(web, "/prompts/ask", {"trigger": "cart_exit"})
    assert "Dlaczego to widzę?" in shown.text
    assert "Pokazujemy, bo wychodzisz z 1 produktem w koszyku" in shown.text
    assert "Nie teraz" in shown.text and "Nie pokazuj mi takich podpowiedzi" in shown.text
    center = web.get(PREFERENCES).text
    assert "Podpowiedzi na stronach" in center and "Zapisz limity" in center

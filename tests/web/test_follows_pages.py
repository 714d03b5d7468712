"""Following from the shop's pages: the product page offers its brand and category, the
category page itself; htmx swaps the button, a plain post comes back to the page; the home
page shows "New from what you follow" within the customer's rules, saying why; the
preference center lists follows and unfollows. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.runtime import Runtime
from webforms import PREFERENCES, shopper, submit

CARD = re.compile(r'<li class="card product-card" data-product-id="([^"]+)"')


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("fresh", category="Groceries > Snacks", brand="Acme", age_days=1,
                    facets={"allergens": []}, title="Fresh oat bar"),
            product("gluten", category="Groceries > Snacks", brand="Acme", age_days=2,
                    facets={"allergens": ["gluten"]}, title="Wheat crackers"),
            product("dear", category="Groceries > Snacks", brand="Acme", age_days=1,
                    price=500, facets={"allergens": []}, title="Golden truffles"),
            product("old", category="Groceries > Snacks", brand="Acme", age_days=200,
                    facets={"allergens": []}, title="Old biscuits"),
            product("bolt", category="Fashion > Shoes", brand="Bolt", age_days=1,
                    title="Bolt runner"),
        ])
    return shopper(client)


def _section(html: str) -> str:
    start = html.find('id="row-followed-new"')
    if start < 0:
        return ""
    return html[start:html.find("</section>", start)]


def test_follow_a_brand_from_a_product_page_and_see_it_new_on_home(web: TestClient) -> None:
    page = web.get("/p/fresh")
    assert 'data-follow-kind="brand" data-follow-value="acme"' in page.text
    assert 'data-follow-kind="category" data-follow-value="Groceries &gt; Snacks"' \
        in page.text
    assert _section(web.get("/").text) == ""
    followed = submit(web, "/follows", {"kind": "brand", "value": "acme", "back": "/p/fresh"},
                      html=page.text, follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"] == "/p/fresh"
    assert 'aria-pressed="true"' in web.get("/p/fresh").text
    # Rules the customer declared: never gluten, a budget of 100.
    rules = submit(web, f"{PREFERENCES}/rules", {"op": "never", "facet": "allergens",
                                                  "value": "gluten"},
                   page=PREFERENCES, follow_redirects=False)
    assert rules.status_code == 303, rules.text
    budget = submit(web, f"{PREFERENCES}/budget", {"max": "100"}, page=PREFERENCES,
                    follow_redirects=False)
    assert budget.status_code == 303, budget.text
    section = _section(web.get("/").text)
    assert CARD.findall(section) == ["fresh"]
    assert "New from Acme, which you follow" in section


def test_htmx_swaps_the_button_and_bad_values_change_nothing(web: TestClient) -> None:
    page = web.get("/c/Fashion/Shoes")
    assert 'data-follow-kind="category" data-follow-value="Fashion &gt; Shoes"' in page.text
    swapped = submit(web, "/follows", {"kind": "category", "value": "Fashion > Shoes"},
                     html=page.text, headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert 'aria-pressed="true"' in swapped.text and "<html" not in swapped.text
    refused = submit(web, "/follows", {"kind": "brand", "value": "Nobody"}, html=page.text,
                     follow_redirects=False)
    assert refused.status_code == 422
    listed = web.get(PREFERENCES).text
    assert "Nobody" not in listed and "follows-remove-1" in listed
    assert "follows-remove-2" not in listed


def test_the_preference_center_unfollows(web: TestClient) -> None:
    page = web.get("/p/bolt")
    submit(web, "/follows", {"kind": "brand", "value": "bolt"}, html=page.text)
    center = web.get(PREFERENCES).text
    assert "Bolt" in center and "follows-remove-1" in center
    gone = submit(web, f"{PREFERENCES}/follows/remove", {"kind": "brand", "value": "bolt"},
                  html=center, follow_redirects=False)
    assert gone.status_code == 303
    after = web.get(PREFERENCES).text
    assert "You no longer follow Bolt." in after
    assert "follows-remove-1" not in after


def test_the_preference_center_follows_from_the_catalogues_lists(web: TestClient) -> None:
    center = web.get(PREFERENCES).text
    # The lists hold what the catalogue has, worded as the shop writes it.
    assert '<option value="brand:bolt">Bolt</option>' in center
    assert 'value="category:Fashion &gt; Shoes"' in center
    added = submit(web, f"{PREFERENCES}/follows/add", {"target": "brand:bolt"}, html=center,
                   follow_redirects=False)
    assert added.status_code == 303, added.text
    after = web.get(PREFERENCES).text
    assert "You follow Bolt now." in after and "follows-remove-1" in after
    # A value the catalogue lacks is refused next to the list, and nothing is followed.
    refused = submit(web, f"{PREFERENCES}/follows/add", {"target": "brand:nobody"},
                     html=after, follow_redirects=False)
    assert refused.status_code == 422
    assert "Choose a brand or a category from the list." in refused.text
    assert 'id="follows-target" name="target" aria-invalid="true"' in refused.text
    assert "follows-remove-2" not in web.get(PREFERENCES).text


def test_polish_pages_word_the_section(web: TestClient) -> None:
    page = web.get("/p/fresh")
    submit(web, "/follows", {"kind": "brand", "value": "acme"}, html=page.text)
    home = web.get("/", headers={"Accept-Language": "pl"}).text
    section = _section(home)
    assert "Nowości od marki Acme, którą obserwujesz" in section

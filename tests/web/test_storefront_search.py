"""The search page says so when it searched a corrected query, in English and Polish."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.runtime import Runtime


def test_a_corrected_query_is_said_and_its_products_shown(client: TestClient,
                                                          runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [product("mb-air", title="Apple MacBook Air 13",
                                       category="Electronics > Laptops")])
    page = client.get("/search", params={"q": "macbok"}).text
    assert "Nothing matched “macbok”; showing results for “macbook”." in page
    assert "Apple MacBook Air 13" in page
    polish = client.get("/search", params={"q": "macbok"},
                        headers={"Accept-Language": "pl"}).text
    assert "Nic nie pasuje do „macbok”; pokazujemy wyniki dla „macbook”." in polish
    exact = client.get("/search", params={"q": "macbook"}).text
    assert "showing results for" not in exact


def test_the_search_box_suggests_as_the_shopper_types(client: TestClient,
                                                      runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [
            product("mb-air", title="Apple MacBook Air 13", category="Electronics > Laptops",
                    brand="Apple"),
            product("mb-pro", title="Apple MacBook Pro 16", category="Electronics > Laptops",
                    brand="Apple")])
    fragment = client.get("/search/suggest", params={"q": "mac"}).text
    assert 'role="listbox"' in fragment
    assert '<a href="/search?q=macbook" tabindex="-1">macbook</a>' in fragment
    assert 'href="/p/mb-air"' in fragment and 'href="/p/mb-pro"' in fragment
    assert "3 suggestions" in fragment  # said to screen readers (role=status)
    polish = client.get("/search/suggest", params={"q": "lap"},
                        headers={"Accept-Language": "pl"}).text
    assert "Kategoria:" in polish and "podpowiedzi" in polish
    assert "No suggestions" in client.get("/search/suggest", params={"q": "zzzz"}).text
    assert client.get("/search/suggest", params={"q": " "}).text.strip() == ""

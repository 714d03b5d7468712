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

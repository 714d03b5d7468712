"""Suggestions as the shopper types come from the catalogue: completions of the word being
typed, brands and categories by name, the best products with the customer's rules applied;
a brand the customer ruled out is never suggested."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import customer
from prefero.runtime import Runtime
from prefero.search.suggest import suggest


def test_a_half_typed_word_is_completed_with_the_catalogues_words(shop: Runtime) -> None:
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="apple mac", customer_id=None)
    assert found.completions == ["apple macbook"]
    assert {item.product_id for item in found.products} == {"mb-air", "mb-pro"}
    assert found.corrected_query is None


def test_brands_and_categories_are_suggested_by_name_largest_first(shop: Runtime) -> None:
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="pa", customer_id=None)
        brand = suggest(session, shop.recommender, query="bari", customer_id=None)
    # Equal counts: by name. The value is the whole path, to filter a listing by.
    assert [(c.label, c.value, c.count) for c in found.categories] == [
        ("Pasta", "Groceries > Pasta & Grains > Pasta", 2),
        ("Pasta & Grains", "Groceries > Pasta & Grains", 2)]
    assert found.completions[0] == "pasta"
    assert found.products == []  # two letters: what they may mean, no product search yet
    assert [(b.label, b.count) for b in brand.brands] == [("Barilla", 3)]


def test_a_typo_is_corrected_and_what_was_looked_for_is_said(shop: Runtime) -> None:
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="macbok", customer_id=None)
    assert found.corrected_query == "macbook"
    assert found.completions == ["macbook"]
    assert {item.product_id for item in found.products} == {"mb-air", "mb-pro"}


def test_a_ruled_out_brand_is_neither_suggested_nor_shown(shop: Runtime) -> None:
    with shop.session() as session:
        customer(session, "c-1", never=[("brand", "barilla")])
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="bari", customer_id="c-1")
        stranger = suggest(session, shop.recommender, query="pasta", customer_id=None)
        ruled = suggest(session, shop.recommender, query="pasta", customer_id="c-1")
    assert found.brands == [] and found.products == []
    assert {item.product_id for item in stranger.products} == {"pasta-sauce", "penne",
                                                              "fusilli"}
    assert ruled.products == []


def test_the_api_answers_as_the_shopper_types(shop: Runtime, client: TestClient) -> None:
    response = client.get("/v1/search/suggest", params={"q": "pas", "n": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["completions"] == ["pasta"] and len(body["products"]) == 2
    assert all(product["reasons"] for product in body["products"])
    refused = client.get("/v1/search/suggest", params={"q": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "q"]


def test_a_word_of_a_description_is_not_taken_for_a_typo(shop: Runtime) -> None:
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="breathable lin", customer_id=None)
    assert found.corrected_query is None
    assert [item.product_id for item in found.products] == ["linen"]
    assert found.completions == ["breathable linen"]


def test_a_polish_word_finds_the_english_catalogues_aisle(shop: Runtime) -> None:
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="czekol", customer_id=None)
    assert found.corrected_query == "chocolate"
    assert found.completions == ["chocolate"]
    assert [item.product_id for item in found.products] == ["dark-bar"]

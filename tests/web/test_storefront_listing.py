"""A listing page over HTTP: pages linked with the shopper's filters kept, a sort and
filters read from the address (a bad one refused or ignored, never a server error), and the
page in Polish."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from prefero.demo import load_demo
from prefero.runtime import Runtime

CARD = re.compile(r'<li class="card product-card" data-product-id="([^"]+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> TestClient:
    load_demo(runtime, products=300, customers=20)
    return client


def test_pages_follow_one_another_and_keep_the_filters(shop: TestClient) -> None:
    first = shop.get("/c/Fashion", params={"sort": "price_asc", "price_min": "1"})
    assert first.status_code == 200
    link = NEXT.search(first.text)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query == {"sort": ["price_asc"], "price_min": ["1"], "page": ["2"]}
    second = shop.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert not set(CARD.findall(first.text)) & set(CARD.findall(second.text))
    assert 'aria-current="page">2<' in second.text


def test_a_checked_filter_and_the_sort_are_shown_as_chosen(shop: TestClient) -> None:
    page = shop.get("/c/Fashion", params={"sort": "newest", "color": "black"})
    assert re.search(r'name="color" value="black" data-autosubmit checked', page.text)
    assert re.search(r'<option value="newest" selected>', page.text)


@pytest.mark.parametrize("params", [{"sort": "cheapest"}, {"page": "0"}, {"page": "x"}])
def test_a_bad_sort_or_page_is_refused_not_a_server_error(shop: TestClient,
                                                          params: dict[str, str]) -> None:
    assert shop.get("/c/Fashion", params=params).status_code == 422


def test_an_unreadable_price_bound_is_no_bound(shop: TestClient) -> None:
    everything = shop.get("/c/Fashion")
    typed = shop.get("/c/Fashion", params={"price_min": "cheap", "price_max": "-5"})
    assert CARD.findall(typed.text) == CARD.findall(everything.text)
    comma = shop.get("/c/Fashion", params={"price_min": "100,5", "sort": "price_asc"})
    prices = [float(p.replace(",", "")) for p in
              re.findall(r'<p class="price">PLN\xa0([\d,.]+)</p>', comma.text)]
    assert prices and min(prices) >= 100.5


def test_the_listing_reads_in_polish(shop: TestClient) -> None:
    shop.cookies.set("lang", "pl")
    page = shop.get("/c/Fashion", headers={"Accept-Language": "pl"})
    for words in ("Filtry", "Sortuj", "Dla Ciebie", "Cena: od najniższej", "Kolor",
                  "Następna strona", "Działy"):
        assert words in page.text, words
    assert ">black <" not in page.text and "czarny" in page.text


def test_a_search_is_counted_once_and_without_its_searcher(shop: TestClient,
                                                           runtime: Runtime) -> None:
    from sqlalchemy import select

    from prefero.search.models import PopularSearch

    assert shop.get("/search", params={"q": "chocolate"}).status_code == 200
    # The same search again as its next page, in another order, filtered: not counted.
    for params in ({"page": "2"}, {"sort": "newest"}, {"price_min": "5"}, {"all": "1"}):
        shop.get("/search", params={"q": "chocolate", **params})
    # "certified" finds products (in their descriptions) but is not a word of any title,
    # brand or category: a description may hold anything, so it is not counted.
    described = shop.get("/search", params={"q": "certified"})
    assert CARD.findall(described.text)
    with runtime.session() as session:
        rows = session.execute(select(PopularSearch.query, PopularSearch.count)).all()
    assert [tuple(row) for row in rows] == [("chocolate", 1)]


def test_a_filter_reads_as_the_api_reads_it_and_an_unknown_value_is_dropped(
        shop: TestClient) -> None:
    lower = shop.get("/c/Fashion", params={"color": "black"})
    upper = shop.get("/c/Fashion", params={"color": "Black"})
    assert CARD.findall(upper.text) == CARD.findall(lower.text) != []
    unknown = shop.get("/c/Fashion", params={"color": "\u202enot-a-colour"})
    assert "data-autosubmit checked" not in unknown.text  # nothing shown as chosen
    assert CARD.findall(unknown.text) == CARD.findall(shop.get("/c/Fashion").text)


def test_a_price_range_typed_backwards_means_the_same_range(shop: TestClient) -> None:
    forwards = shop.get("/c/Fashion", params={"price_min": "50", "price_max": "200"})
    backwards = shop.get("/c/Fashion", params={"price_min": "200", "price_max": "50"})
    assert CARD.findall(backwards.text) == CARD.findall(forwards.text) != []


def test_a_page_past_the_last_does_not_claim_to_be_one(shop: TestClient) -> None:
    page = shop.get("/c/Fashion", params={"page": "999"})
    assert page.status_code == 200
    assert "page 999" not in page.text and "This page is past the last one." in page.text

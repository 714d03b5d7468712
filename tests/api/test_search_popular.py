"""Popular searches over HTTP: ``GET /v1/search`` counts a search that found products (in
the catalogue's words, after answering, never who searched); type-ahead never counts; the
suggestions offer a popular query from its floor on, and nothing below the floor is ever
seen through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from apikeys import READ_KEY, TOKEN_KEY
from factories import add_products, customer, product
from prefero.db.base import utcnow
from prefero.runtime import Runtime
from prefero.search.models import PopularSearch
from prefero.search.popular import MINIMUM

SEARCH = "/v1/search"
SUGGEST = "/v1/search/suggest"
READER = {"X-API-Key": READ_KEY}


def shop(runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [
            product("mb-air", title="Apple MacBook Air 13", category="Electronics > Laptops",
                    brand="Apple"),
            product("mb-pro", title="Apple MacBook Pro 16", category="Electronics > Laptops",
                    brand="Apple"),
            product("linen", title="Linen Shirt", category="Fashion > Shirts",
                    brand="Nordlys", description="Breathable linen for summer."),
        ])


def counts(runtime: Runtime) -> dict[str, int]:
    with runtime.session() as session:
        found: dict[str, int] = {}
        for row in session.scalars(select(PopularSearch)):
            found[row.query] = found.get(row.query, 0) + row.count
        return found


def searched(client: TestClient, query: str, *, times: int = 1, **params: object) -> None:
    for _ in range(times):
        answer = client.get(SEARCH, params={"q": query, **params}, headers=READER)
        assert answer.status_code == 200, answer.text


def completions(client: TestClient, typed: str) -> list[str]:
    answer = client.get(SUGGEST, params={"q": typed}, headers=READER)
    assert answer.status_code == 200, answer.text
    found: list[str] = answer.json()["completions"]
    return found


def test_a_search_that_found_products_is_counted_by_its_words(client: TestClient,
                                                             runtime: Runtime) -> None:
    shop(runtime)
    searched(client, "MacBook  Air!", times=2)
    searched(client, "macbok")                  # a typo: counted as what was searched
    searched(client, "linen summer")            # found, but "summer" is no catalogue word
    searched(client, "linen jan.kowalski@example.com")  # found nothing
    searched(client, "macbook air", apply_preferences="false")  # the same search, whole
    assert counts(runtime) == {"macbook air": 2, "macbook": 1}
    with runtime.session() as session:
        assert set(session.scalars(select(PopularSearch.day))) == {utcnow().date()}


def test_a_customers_search_is_counted_without_the_customer(client: TestClient,
                                                           runtime: Runtime) -> None:
    shop(runtime)
    with runtime.session() as session:
        customer(session, "c-pop-1")
    token = client.post("/v1/customers/c-pop-1/tokens",
                        headers={"X-API-Key": TOKEN_KEY}).json()["token"]
    # Its own client: the suite's carries the admin key, which would search as nobody.
    answer = TestClient(client.app).get(SEARCH, params={"q": "linen shirt"},
                                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["customer_id"] == "c-pop-1"
    assert counts(runtime) == {"linen shirt": 1}


def test_type_ahead_never_counts(client: TestClient, runtime: Runtime) -> None:
    shop(runtime)
    for typed in ("m", "ma", "mac", "macb", "macbook", "macbook a", "macbook air"):
        completions(client, typed)
    assert counts(runtime) == {}


def test_suggestions_offer_a_popular_query_from_its_floor_on(client: TestClient,
                                                            runtime: Runtime) -> None:
    shop(runtime)
    searched(client, "macbook air", times=MINIMUM - 1)
    assert completions(client, "mac") == ["macbook"]
    searched(client, "macbook air")
    assert completions(client, "mac") == ["macbook air", "macbook"]
    assert completions(client, "macbook a") == ["macbook air", "macbook apple"]


def test_nothing_below_the_floor_is_seen_through_the_api(client: TestClient,
                                                        runtime: Runtime) -> None:
    shop(runtime)
    typed = [query[:end] for query in ("apple macbook pro", "linen shirt")
             for end in range(1, len(query) + 1)]
    before = {text: client.get(SUGGEST, params={"q": text}, headers=READER).json()
              for text in typed}
    searched(client, "apple macbook pro", times=MINIMUM - 1)
    searched(client, "linen shirt", times=MINIMUM - 1)
    # Below the floor, every suggestion is what it was before anybody searched.
    for text in typed:
        assert client.get(SUGGEST, params={"q": text}, headers=READER).json() == before[text]
    spec = client.get("/openapi.json").json()
    suggestions = spec["components"]["schemas"]["Suggestions"]["properties"]
    # Completions are bare queries: no count is ever given out with them.
    assert suggestions["completions"]["items"] == {"type": "string"}

"""``GET /v1/listing``: a category or a search page by page, filtered by ``facet:value``
choices, with precise errors for what cannot be read and nothing else changed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import add_products, customer, product
from prefero.runtime import Runtime

TOPS = "Fashion > Tops"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            *(product(f"tee-{c}", category=TOPS, price=20, group="tee", title=f"Tee {c}",
                      facets={"color": [c], "size": ["S", "M"]}) for c in ("red", "navy")),
            *(product(f"top-{i}", category=TOPS, price=30 + i, title=f"Linen top {i}",
                      brand="Nordlys" if i % 2 else "Acme", facets={"color": ["white"]})
              for i in range(6)),
        ])
        customer(session, "no-navy", never=[("color", "navy")])
    return runtime


def test_a_category_page_with_filters_and_counts(client: TestClient, shop: Runtime) -> None:
    answer = client.get("/v1/listing", params={"category": "Fashion/Tops", "per_page": 3,
                                               "sort": "price_asc"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["total"], body["pages"]) == (7, 3)
    assert body["items"][0]["product_id"] in ("tee-navy", "tee-red")
    family = body["items"][0]["variants"]
    assert sorted(family["colors"]) == ["navy", "red"]
    # Nothing was searched on a category: no card says it matches a search.
    assert all(r["code"] != "search_match" for i in body["items"] for r in i["reasons"])
    colours = next(f for f in body["filters"] if f["facet"] == "color")
    assert {v["value"]: v["count"] for v in colours["values"]} == {
        "white": 6, "navy": 1, "red": 1}

    narrowed = client.get("/v1/listing", params=[
        ("category", TOPS), ("filter", "brand:ACME"), ("filter", "color:white")]).json()
    assert narrowed["total"] == 3
    assert {i["product_id"] for i in narrowed["items"]} == {"top-0", "top-2", "top-4"}


def test_a_search_listing_applies_the_customers_rules(client: TestClient,
                                                      shop: Runtime) -> None:
    body = client.get("/v1/listing", params={"q": "tee", "customer_id": "no-navy"}).json()
    assert [i["product_id"] for i in body["items"]] == ["tee-red"]
    assert body["items"][0]["variants"] is None  # its only allowed member is itself
    assert body["hidden_total"] == 0  # the model still shows, in red
    navy = client.get("/v1/listing", params={"q": "tee", "customer_id": "no-navy",
                                             "filter": "color:navy"}).json()
    assert (navy["total"], navy["hidden_total"]) == (0, 1)


@pytest.mark.parametrize(("params", "loc"), [
    ({"category": TOPS, "filter": "colour:red"}, ["query", "filter", 0]),
    ({"category": TOPS, "filter": "red"}, ["query", "filter", 0]),
    ({"category": TOPS, "sort": "cheap"}, ["query", "sort"]),
    ({"category": TOPS, "price_min": 50, "price_max": 10}, ["query", "price_min"]),
    ({"category": TOPS, "q": "tee"}, ["query", "category"]),
    ({}, ["query", "category"]),
    ({"category": TOPS, "page": 0}, ["query", "page"]),
])
def test_what_cannot_be_read_is_named(client: TestClient, shop: Runtime,
                                      params: dict[str, object], loc: list[object]) -> None:
    answer = client.get("/v1/listing", params=params)  # type: ignore[arg-type]
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert loc in [error["loc"] for error in answer.json()["errors"]]


def test_an_empty_category_is_not_found(client: TestClient, shop: Runtime) -> None:
    answer = client.get("/v1/listing", params={"category": "Garden"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"

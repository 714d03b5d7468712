"""Catalog HTTP API: products, listing, deactivation, feed import; auth and problem+json."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from apikeys import INGEST_KEY, READ_KEY
from prefero.config import Settings

DATA = Path(__file__).parents[1] / "catalog" / "data"
PROBLEM = "application/problem+json"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A PLN shop with a rate for the euro (the sample pantry feed is in EUR), none for GBP.
    return settings.model_copy(update={"currency_rates": {"EUR": Decimal("4.3")}})


def _body(pid: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": pid, "title": f"Product {pid}", "price": "19.99",
                            "currency": "PLN"}
    body.update(fields)
    return body


def test_post_creates_then_replaces(client: TestClient) -> None:
    created = client.post("/v1/products", json=_body(
        "tee-1", brand="Nike", category="Fashion>Tops", facets={"color": "Red/Blue"}))
    assert created.status_code == 201
    product = created.json()
    assert product["price"] == "19.99"  # money stays exact: a decimal string
    assert product["facets"] == {"color": ["red", "blue"], "brand": "nike",
                                 "category": "Fashion > Tops"}

    replaced = client.post("/v1/products", json=_body("tee-1", title="Tee v2"))
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "Tee v2"
    assert replaced.json()["facets"] == {}
    assert replaced.json()["created_at"] == product["created_at"]


def test_get_returns_every_facet_value(client: TestClient) -> None:
    client.post("/v1/products", json=_body(
        "cam-1", brand="Fujifilm", category="Photo > Cameras", condition="new",
        facets={"megapixels": "40.2", "size": "M"}))
    response = client.get("/v1/products/cam-1")
    assert response.status_code == 200
    assert response.json()["facets"] == {
        "megapixels": 40.2, "size": ["m"], "brand": "fujifilm", "category": "Photo > Cameras",
        "condition": "new",
    }


@pytest.mark.parametrize("pid", ["żółw 1", "a?b#c", "50%+off", "日本-1", "x.y:z"])
def test_ids_with_any_character_but_slash_round_trip(client: TestClient, pid: str) -> None:
    url = f"/v1/products/{quote(pid, safe='')}"
    response = client.put(url, json=_body(pid))
    assert response.status_code == 201, response.text
    assert client.get(url).json()["id"] == pid
    assert client.post(f"{url}/deactivate").json()["active"] is False


def test_put_needs_the_body_id_to_match_the_path(client: TestClient) -> None:
    response = client.put("/v1/products/a", json=_body("b"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"loc": ["body", "id"], "msg": "must be 'a', the id in the path"}
    ]
    assert client.get("/v1/products/b").status_code == 404


def test_invalid_body_is_problem_json_with_field_paths(client: TestClient) -> None:
    response = client.post("/v1/products", json=_body("x", currency="EURO", price="-1",
                                                      colour="red"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    locs = [error["loc"] for error in response.json()["errors"]]
    assert locs == [["body", "price"], ["body", "currency"], ["body", "colour"]]


def test_bad_facet_value_points_at_the_facet(client: TestClient) -> None:
    response = client.post("/v1/products", json=_body("x", facets={"megapixels": "many"}))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["facets", "megapixels"], "msg": "expected a number, got 'many'"}
    ]


def test_missing_product_is_404_problem(client: TestClient) -> None:
    response = client.get("/v1/products/ghost")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "there is no product with id 'ghost'"


def test_list_pages_and_filters(client: TestClient) -> None:
    for n, category in enumerate(["Home > Kitchen", "Home > Kitchen > Knives", "Garden",
                                  "Home > Kitchenware"]):
        client.post("/v1/products", json=_body(f"p{n}", category=category))
    client.post("/v1/products/p1/deactivate")

    first = client.get("/v1/products", params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == ["p0", "p1"]
    second = client.get("/v1/products", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [item["id"] for item in second.json()["items"]] == ["p2", "p3"]
    assert second.json()["next_cursor"] is None

    kitchen = client.get("/v1/products", params={"category": "Home > Kitchen"}).json()
    assert [item["id"] for item in kitchen["items"]] == ["p0", "p1"]
    active = client.get("/v1/products", params={"category": "Home>Kitchen", "active": "true"})
    assert [item["id"] for item in active.json()["items"]] == ["p0"]


def test_list_rejects_bad_paging(client: TestClient) -> None:
    too_many = client.get("/v1/products", params={"limit": 100_000})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["loc"] == ["query", "limit"]
    forged = client.get("/v1/products", params={"cursor": "bm9wZQ"})
    assert forged.status_code == 422
    assert forged.json()["errors"] == [{"loc": ["cursor"],
                                        "msg": "not a cursor returned by this API"}]


def test_deactivate_keeps_the_product(client: TestClient) -> None:
    client.post("/v1/products", json=_body("old"))
    response = client.post("/v1/products/old/deactivate")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert client.get("/v1/products/old").json()["active"] is False
    assert client.post("/v1/products/none/deactivate").status_code == 404


def test_keys_and_scopes(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    response = anonymous.get("/v1/products")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM

    for key in (READ_KEY, INGEST_KEY):
        forbidden = client.post("/v1/products", json=_body("a"), headers={"X-API-Key": key})
        assert forbidden.status_code == 403
        assert forbidden.json()["detail"] == "this endpoint needs the 'admin' scope"
        assert client.post("/v1/catalog/import", content=b"id,title,price\n",
                           headers={"X-API-Key": key}).status_code == 403
        assert client.post("/v1/products/a/deactivate",
                           headers={"X-API-Key": key}).status_code == 403

    assert client.get("/v1/products", headers={"X-API-Key": READ_KEY}).status_code == 200
    assert client.get("/v1/products/a", headers={"X-API-Key": READ_KEY}).status_code == 404


def test_import_a_feed_from_the_raw_body(client: TestClient) -> None:
    response = client.post("/v1/catalog/import", content=(DATA / "shop_rss.xml").read_bytes(),
                           headers={"Content-Type": "application/rss+xml"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 2, "updated": 0, "unchanged": 0, "deactivated": 0, "skipped": [],
        "errors": [],
        "warnings": ["element 'g:shipping' is neither a product field nor a facet of the "
                     "schema; ignored"],
        "currency": "PLN", "converted": [],
    }
    assert client.get("/v1/products/ZK-100").json()["sale_price"] == "19.90"

    again = client.post("/v1/catalog/import", params={"format": "jsonl"},
                        content=(DATA / "pantry.jsonl").read_bytes())
    assert (again.json()["created"], again.json()["updated"]) == (3, 0)

    # The whole catalogue now is the pantry feed: the RSS feed's products are deactivated.
    synced = client.post("/v1/catalog/import", params={"format": "jsonl", "full": "true"},
                         content=(DATA / "pantry.jsonl").read_bytes())
    assert {key: synced.json()[key] for key in ("updated", "unchanged", "deactivated")} == {
        "updated": 0, "unchanged": 3, "deactivated": 2}
    assert client.get("/v1/products/ZK-100").json()["active"] is False


BAD = b"id,title,price\nA,Fine,5 PLN\nB,Broken,five\nC,Fine,6 PLN\n"


def test_a_feed_with_row_errors_is_refused_whole(client: TestClient) -> None:
    response = client.post("/v1/catalog/import", content=BAD,
                           headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["errors"] == [{
        "loc": ["rows", 3, "price"],
        "msg": "'five' is not a price; write the amount and an ISO 4217 currency code, "
               "e.g. '12.99 USD'",
    }]
    assert client.get("/v1/products", params={"limit": 10}).json()["items"] == []


def test_skip_bad_rows_imports_the_rest(client: TestClient) -> None:
    response = client.post("/v1/catalog/import", params={"skip_bad_rows": "true"}, content=BAD)
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["updated"]) == (2, 0)
    assert report["skipped"] == [{
        "line": 3, "column": "price", "product_id": "B",
        "reason": "'five' is not a price; write the amount and an ISO 4217 currency code, "
                  "e.g. '12.99 USD'",
    }]
    listed = client.get("/v1/products").json()["items"]
    assert [item["id"] for item in listed] == ["A", "C"]


def test_unreadable_feed_and_unknown_format(client: TestClient) -> None:
    broken = client.post("/v1/catalog/import", content=b"<rss><channel><item></rss>")
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["loc"] == ["feed", 1]
    unknown = client.post("/v1/catalog/import", params={"format": "xlsx"}, content=BAD)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["query", "format"]


NO_GBP = "the price is in GBP; the shop sells in PLN and PREFERO_CURRENCY_RATES has no GBP rate"


def test_a_product_in_another_currency_is_stored_in_the_shops(client: TestClient) -> None:
    created = client.post("/v1/products", json=_body("eur-1", price="19.99", currency="EUR",
                                                      sale_price="9.99"))
    assert created.status_code == 201, created.text
    # 19.99 × 4.3 = 85.957 and 9.99 × 4.3 = 42.957: rounded half up to the grosz.
    assert {k: created.json()[k] for k in ("price", "sale_price", "currency")} == {
        "price": "85.96", "sale_price": "42.96", "currency": "PLN"}


def test_a_product_without_a_rate_is_refused_with_the_field_path(client: TestClient) -> None:
    for response in (client.post("/v1/products", json=_body("gbp-1", currency="GBP")),
                     client.put("/v1/products/gbp-1", json=_body("gbp-1", currency="GBP"))):
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"] == [{"loc": ["currency"], "msg": NO_GBP}]
    assert client.get("/v1/products/gbp-1").status_code == 404


MIXED = b"id,title,g:price\nA,Fine,5 PLN\nB,Tea,3.50 GBP\nC,Bar,2 EUR\n"


def test_a_feed_row_without_a_rate_refuses_the_feed_unless_skipped(client: TestClient) -> None:
    refused = client.post("/v1/catalog/import", content=MIXED,
                          headers={"Content-Type": "text/csv"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"loc": ["rows", 3, "g:price"], "msg": NO_GBP}]
    assert client.get("/v1/products").json()["items"] == []

    skipped = client.post("/v1/catalog/import", params={"skip_bad_rows": "true"}, content=MIXED,
                          headers={"Content-Type": "text/csv"})
    assert skipped.status_code == 200
    report = skipped.json()
    assert report["skipped"] == [{"line": 3, "column": "g:price", "product_id": "B",
                                  "reason": NO_GBP}]
    assert (report["currency"], report["converted"]) == (
        "PLN", [{"currency": "EUR", "rate": "4.3", "products": 1}])
    assert client.get("/v1/products/C").json()["price"] == "8.60"

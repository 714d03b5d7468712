"""Issue 10, findings 5 and 6: input that once crashed with a 500 or was silently useless.

Each reproduction of the issue is here, on SQLite and PostgreSQL (PostgreSQL is the one that
cannot store a NUL). Bad input is a precise 422 with the field's path and changes nothing;
rule values are stored in the catalogue's normal form and echoed back so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

PRODUCT = {"id": "p1", "title": "Oat bar", "price": 3, "currency": "PLN",
           "category": "Groceries > Snacks"}


def _problem(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


# --------------------------------------------------------------------------- finding 5


@pytest.mark.parametrize(("change", "loc"), [
    ({"title": "Oat\x00bar"}, ["body", "title"]),
    ({"description": "crunchy\x00"}, ["body", "description"]),
    ({"brand": "Oa\x00ty"}, ["body", "brand"]),
    ({"category": "Groceries\x00 > Snacks"}, ["body", "category"]),
    ({"link": "https://shop/\x00"}, ["body", "link"]),
    # facet errors come from the facet schema, with the catalog routes' ("facets", name)
    ({"facets": {"allergens": ["gluten\x00"]}}, ["facets", "allergens"]),
])
def test_a_nul_in_a_product_is_a_422_with_its_path(client: TestClient, change: dict[str, Any],
                                                   loc: list[str | int]) -> None:
    for method, path in (("POST", "/v1/products"), ("PUT", "/v1/products/p1")):
        errors = _problem(client.request(method, path, json={**PRODUCT, **change}))
        assert [e["loc"] for e in errors] == [loc], errors
    assert client.get("/v1/products/p1").status_code == 404


@pytest.mark.parametrize(("content_type", "feed"), [
    ("text/csv", b"id,title,price\np1,Oat\x00bar,3 PLN\n"),
    ("application/x-ndjson", b'{"id": "p1", "title": "Oat\\u0000bar", "price": "3 PLN"}\n'),
    # XML cannot carry a NUL at all (not even as &#0;): the parser refuses the file.
    ("application/xml", b'<rss><channel><item><id>p1</id><title>Oat&#0;bar</title>'
                        b'<price>3 PLN</price></item></channel></rss>'),
])
def test_a_nul_in_a_feed_cell_is_a_row_error(client: TestClient, content_type: str,
                                             feed: bytes) -> None:
    errors = _problem(client.post("/v1/catalog/import", content=feed,
                                  headers={"Content-Type": content_type}))
    if content_type == "application/xml":
        assert errors[0]["loc"][0] == "feed"
    else:
        assert errors == [{"loc": ["rows", 2 if content_type == "text/csv" else 1, "title"],
                           "msg": "must not contain NUL characters"}]
    assert client.get("/v1/products/p1").status_code == 404


def test_a_time_that_utc_cannot_hold_is_a_422(client: TestClient) -> None:
    event = {"event_id": "e1", "type": "view", "customer_id": "c1", "product_id": "p1",
             "occurred_at": "0001-01-01T00:00:00+14:00"}
    errors = _problem(client.post("/v1/events", json={"events": [event]}))
    assert [e["loc"] for e in errors] == [["events", 0, "occurred_at"]]
    # partial: the event is rejected with its path, not the request crashed
    answer = client.post("/v1/events", params={"partial": "true"}, json={"events": [event]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rejected"][0]["errors"][0]["loc"] == ["events", 0, "occurred_at"]
    errors = _problem(client.get("/v1/quizzes/q/analytics",
                                 params={"since": "0001-01-01T00:00:00+14:00"}))
    assert errors[0]["loc"][0] == "query"


def test_an_xml_feed_in_an_unreadable_encoding_is_a_422(client: TestClient) -> None:
    feed = ('<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><item><id>p1</id>'
            '<title>お茶</title><price>3 PLN</price></item></channel></rss>').encode("shift_jis")
    errors = _problem(client.post("/v1/catalog/import", content=feed,
                                  headers={"Content-Type": "application/xml"}))
    assert errors == [{"loc": ["feed", 1], "msg": "the XML is in Shift_JIS, an encoding the "
                                                  "importer cannot read; save the feed as UTF-8"}]


@pytest.mark.parametrize(("body", "msg"), [
    ("[" * 1000 + "]" * 1000, "JSON nested too deeply"),
    ('{"level": ' + "9" * 5000 + "}", "a number in the JSON text has too many digits"),
])
@pytest.mark.parametrize("path", ["/v1/customers/c1/preferences", "/v1/events", "/v1/products"])
def test_json_the_parser_gives_up_on_is_a_precise_422(client: TestClient, body: str, msg: str,
                                                      path: str) -> None:
    method = "PUT" if "preferences" in path else "POST"
    errors = _problem(client.request(method, path, content=body,
                                     headers={"Content-Type": "application/json"}))
    assert errors == [{"loc": ["body"], "msg": msg}]


def test_lone_surrogate_escapes_are_refused_not_stored(client: TestClient) -> None:
    body = '{"id": "p1", "title": "Oat \\ud800", "price": 3, "currency": "PLN"}'
    errors = _problem(client.post("/v1/products", content=body,
                                  headers={"Content-Type": "application/json"}))
    assert [e["loc"] for e in errors] == [["body", "title"]]
    rule = ('{"constraints": [{"facet": "allergens", "op": "never", "values": ["\\udfff"]}]}')
    errors = _problem(client.put("/v1/customers/c1/preferences", content=rule,
                                 headers={"Content-Type": "application/json"}))
    assert [e["loc"] for e in errors] == [["body", "constraints", 0, "values", 0]]


# --------------------------------------------------------------------------- finding 6


def test_rule_values_are_stored_normalized_and_exclude_the_product(client: TestClient) -> None:
    gluten = {**PRODUCT, "facets": {"allergens": ["gluten"]}}
    assert client.post("/v1/products", json=gluten).status_code == 201
    rule = {"constraints": [{"facet": "allergens", "op": "never", "values": ["ＧＬＵＴＥＮ"]}]}
    answer = client.put("/v1/customers/c1/preferences", json=rule)
    assert answer.status_code == 200, answer.text
    assert answer.json()["constraints"][0]["values"] == ["gluten"]
    assert answer.json()["warnings"] == []
    shown = client.get("/v1/recommendations", params={"customer_id": "c1", "n": 10}).json()
    assert shown["items"] == []
    found = client.get("/v1/search", params={"q": "oat", "customer_id": "c1"}).json()
    assert found["items"] == []


def test_product_facet_values_are_normalized_the_same_way(client: TestClient) -> None:
    product = {**PRODUCT, "brand": "ＡＣＭＥ", "facets": {"allergens": "ＧＬＵＴＥＮ|Ｍｉｌｋ"}}
    stored = client.post("/v1/products", json=product).json()
    assert stored["facets"]["allergens"] == ["gluten", "milk"]
    assert stored["facets"]["brand"] == "acme"
    assert stored["brand"] == "ＡＣＭＥ"  # the display name stays as the shop wrote it


@pytest.mark.parametrize("invisible", ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff",
                                       "\u00ad", "\u2060", "\x07", "\ufe0f"])
def test_invisible_characters_are_refused_with_their_path(client: TestClient,
                                                          invisible: str) -> None:
    value = f"glu{invisible}ten"
    rule = {"constraints": [{"facet": "allergens", "op": "never", "values": ["nuts", value]}]}
    errors = _problem(client.put("/v1/customers/c1/preferences", json=rule))
    assert [e["loc"] for e in errors] == [["body", "constraints", 0, "values", 1]]
    like = {"likes": [{"facet": "brand", "value": value, "weight": 1}]}
    errors = _problem(client.put("/v1/customers/c1/preferences", json=like))
    assert [e["loc"] for e in errors] == [["body", "likes", 0, "value"]]
    assert client.get("/v1/customers/c1/preferences").status_code == 404
    product = {**PRODUCT, "facets": {"allergens": [value]}}
    errors = _problem(client.post("/v1/products", json=product))
    assert [e["loc"] for e in errors] == [["facets", "allergens"]]
    feed = f"id,title,price,allergens\np1,Oat bar,3 PLN,{value}\n".encode()
    errors = _problem(client.post("/v1/catalog/import", content=feed,
                                  headers={"Content-Type": "text/csv"}))
    assert [e["loc"] for e in errors] == [["rows", 2, "allergens"]]


def test_a_value_no_product_carries_is_stored_with_a_warning(client: TestClient) -> None:
    for pid, allergen in (("p1", "gluten"), ("p2", "milk")):
        product = {**PRODUCT, "id": pid, "facets": {"allergens": [allergen]}}
        assert client.post("/v1/products", json=product).status_code == 201
    rule = {"constraints": [{"facet": "allergens", "op": "never",
                             "values": ["milk", "Glutne"]}]}
    answer = client.put("/v1/customers/c1/preferences", json=rule)
    assert answer.status_code == 200, answer.text
    assert answer.json()["constraints"][0]["values"] == ["milk", "glutne"]  # stored anyway
    assert answer.json()["warnings"] == [{
        "loc": ["constraints", 0, "values", 1],
        "msg": "no product carries 'glutne'; did you mean 'gluten'?",
        "suggestions": ["gluten"]}]
    assert "warnings" not in client.get("/v1/customers/c1/preferences").json()
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "warnings" in schema["SavedPreferences"]["properties"]


def test_the_openapi_problem_shape_is_unchanged_by_the_new_handlers(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert json.dumps(document)  # the document still builds

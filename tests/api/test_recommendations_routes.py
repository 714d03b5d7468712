"""The recommendations and search endpoints: contract shape, auth, errors, hot artefacts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from apikeys import INGEST_KEY, READ_KEY
from factories import activity, add_products, product
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as s:
        add_products(s, [
            product("bread-wheat", category="Groceries > Bread", price=6,
                    title="Country wheat bread", description="Crusty loaf with wheat flour",
                    facets={"allergens": ["gluten"]}),
            product("bread-gf", category="Groceries > Bread", price=12,
                    title="Gluten-free seeded bread", description="Seeded loaf, no wheat",
                    facets={"allergens": [], "diet": ["gluten free"]}),
            product("bread-spelt", category="Groceries > Bread", price=9,
                    title="Spelt bread", description="Bread from spelt",
                    facets={"allergens": ["gluten"]}),
            product("chleb", category="Groceries > Bread", price=7, title="Chleb żytni",
                    description="Tradycyjny chleb na zakwasie", facets={"allergens": []}),
            product("tee", category="Fashion > Shirts", price=60, title="Organic tee"),
        ])
        activity(s, {"bread-wheat": 30, "bread-spelt": 20, "bread-gf": 5, "tee": 50})
    return runtime


def test_contract_shape(client: TestClient, shop: Runtime) -> None:
    response = client.get("/v1/recommendations",
                          params={"customer_id": "c1", "placement": "home", "n": 3})
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 3
    for item in body["items"]:
        assert isinstance(item["product_id"], str)
        assert isinstance(item["score"], float)
        assert item["reasons"] and {"code", "text"} <= set(item["reasons"][0])
    assert body["placement"] == "home"
    assert body["level"] == "balanced"


def test_gluten_excluder_sees_no_gluten_in_recommendations_or_search(
    client: TestClient, shop: Runtime
) -> None:
    put = client.put("/v1/customers/c-gf/preferences", json={
        "likes": [], "constraints": [{"facet": "allergens", "op": "never", "values": ["gluten"]}],
    })
    assert put.status_code == 200, put.text
    recs = client.get("/v1/recommendations", params={"customer_id": "c-gf", "n": 10}).json()
    assert {i["product_id"] for i in recs["items"]} == {"bread-gf", "chleb", "tee"}

    found = client.get("/v1/search", params={"q": "bread", "customer_id": "c-gf"}).json()
    # The Polish loaf says "bread" only in its category, which search reads too.
    assert [i["product_id"] for i in found["items"]] == ["bread-gf", "chleb"]
    assert found["total_hits"] == 4
    assert found["hidden_total"] == 2
    assert found["hidden"] == [{"rule": "never:allergens=gluten",
                                "label": "never Allergens: gluten", "count": 2,
                                "missing_information": False}]
    everything = client.get("/v1/search", params={
        "q": "bread", "customer_id": "c-gf", "apply_preferences": "false"}).json()
    assert {i["product_id"] for i in everything["items"]} == {
        "bread-wheat", "bread-gf", "bread-spelt", "chleb"}
    assert everything["hidden"] == []


def test_search_handles_non_latin_text_and_prefixes(client: TestClient, shop: Runtime) -> None:
    found = client.get("/v1/search", params={"q": "żytn"}).json()
    assert [i["product_id"] for i in found["items"]] == ["chleb"]
    assert client.get("/v1/search", params={"q": '"); DROP TABLE products; --'}).status_code \
        == 200


def test_product_placement_needs_a_known_product(client: TestClient, shop: Runtime) -> None:
    missing = client.get("/v1/recommendations", params={"placement": "product"})
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["errors"][0]["loc"] == ["query", "product_id"]
    unknown = client.get("/v1/recommendations",
                         params={"placement": "product", "product_id": "nope"})
    assert unknown.status_code == 404
    ok = client.get("/v1/recommendations",
                    params={"placement": "product", "product_id": "bread-gf", "n": 2})
    assert ok.status_code == 200
    assert "bread-gf" not in [i["product_id"] for i in ok.json()["items"]]


@pytest.mark.parametrize(("params", "loc"), [
    ({"n": 0}, ["query", "n"]),
    ({"n": 101}, ["query", "n"]),
    ({"placement": "sidebar"}, ["query", "placement"]),
])
def test_bad_parameters_are_precise_problems(client: TestClient, shop: Runtime,
                                             params: dict[str, object], loc: list[str]) -> None:
    response = client.get("/v1/recommendations", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/invalid-input")
    assert body["errors"][0]["loc"] == loc


def test_post_variant_points_into_the_body(client: TestClient, shop: Runtime) -> None:
    # Found by the schemathesis contract test: the POST answer pointed at ["query", ...].
    response = client.post("/v1/recommendations", json={"placement": "product"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "product_id"]


@pytest.mark.parametrize("exploration", [0, 1, "yes"])
def test_post_variant_takes_only_a_json_boolean_for_exploration(
    client: TestClient, shop: Runtime, exploration: object
) -> None:
    # Found by the schemathesis contract test: lax parsing took 0 and 1 as booleans.
    response = client.post("/v1/recommendations", json={"exploration": exploration})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "exploration"]
    # The query string still spells booleans as text.
    assert client.get("/v1/recommendations", params={"exploration": "false"}).status_code \
        == 200


def test_cart_is_documented_as_a_plain_list(client: TestClient, shop: Runtime) -> None:
    # A query string cannot say null: documenting "list | null" made schemathesis read one
    # ?cart=x as an invalid non-list value.
    operation = client.get("/openapi.json").json()["paths"]["/v1/recommendations"]["get"]
    cart = next(p for p in operation["parameters"] if p["name"] == "cart")
    assert cart["schema"]["type"] == "array"
    response = client.get("/v1/recommendations",
                          params={"placement": "cart", "cart": ["bread-gf", "tee"], "n": 2})
    assert response.status_code == 200
    assert not {"bread-gf", "tee"} & {i["product_id"] for i in response.json()["items"]}


def test_keys_and_scopes(client: TestClient, shop: Runtime) -> None:
    url = "/v1/recommendations"
    assert client.get(url, headers={"X-API-Key": ""}).status_code == 401
    wrong = client.get(url, headers={"X-API-Key": "not-a-key"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert client.get(url, headers={"X-API-Key": READ_KEY}).status_code == 200
    assert client.get(url, headers={"X-API-Key": INGEST_KEY}).status_code == 200
    assert client.get("/v1/search", params={"q": "x"},
                      headers={"X-API-Key": "nope"}).status_code == 401


def test_post_variant_takes_a_cart(client: TestClient, shop: Runtime) -> None:
    response = client.post("/v1/recommendations",
                           json={"placement": "cart", "cart": ["bread-gf"], "n": 2})
    assert response.status_code == 200
    assert "bread-gf" not in [i["product_id"] for i in response.json()["items"]]
    bad = client.post("/v1/recommendations", json={"placement": "cart", "n": "many"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "n"]


def test_new_artefacts_and_catalog_changes_are_picked_up_without_restart(
    client: TestClient, shop: Runtime
) -> None:
    before = client.get("/healthz").json()["artefacts"]
    version = train(shop)
    shop.recommender._artefact_checked = 0.0  # skip the few seconds' polling interval
    response = client.get("/v1/recommendations", params={"n": 2})
    assert response.json()["artefact_version"] == version != before
    with shop.session() as s:
        from prefero.catalog.models import Product
        from prefero.catalog.revisions import bump
        s.get(Product, "tee").active = False  # type: ignore[union-attr]
        bump(s)
    ids = [i["product_id"] for i in
           client.get("/v1/recommendations", params={"n": 10}).json()["items"]]
    assert "tee" not in ids


def test_checkout_answers_about_the_order(client: TestClient, shop: Runtime) -> None:
    # Issue 11, finding 8: placement=checkout answered 422.
    got = client.get("/v1/recommendations",
                     params={"placement": "checkout", "cart": ["bread-gf"], "n": 3})
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["placement"], body["basis"]) == ("checkout", "context")
    assert [i["category"] for i in body["items"]] == ["Groceries > Bread"] * 3
    assert "bread-gf" not in {i["product_id"] for i in body["items"]}
    posted = client.post("/v1/recommendations",
                         json={"placement": "checkout", "cart": ["bread-gf"], "n": 3})
    assert posted.status_code == 200
    assert [i["product_id"] for i in posted.json()["items"]] == [
        i["product_id"] for i in body["items"]]
    placements = client.get("/openapi.json").json()["components"]["schemas"][
        "RecommendationQuery"]["properties"]["placement"]
    assert "checkout" in placements["enum"]


def test_rows_say_what_placed_them_and_the_level_in_force(client: TestClient,
                                                          shop: Runtime) -> None:
    # Issue 11, finding 8: "Picked for you" over editorial picks, "Something different" at
    # level off, and effective_level reading "balanced" after personalization was withdrawn.
    url = "/v1/recommendations"
    stranger = client.get(url, params={"n": 5, "exploration": "false"}).json()
    assert stranger["basis"] == "editorial"
    assert {i["basis"] for i in stranger["items"]} == {"editorial"}
    put = client.put("/v1/customers/c-lab/preferences", json={
        "likes": [{"facet": "brand", "value": "chleb-co", "weight": 1.0},
                  {"facet": "category", "value": "Groceries > Bread", "weight": 1.0}],
        "level": "balanced"})
    assert put.status_code == 200, put.text
    liked = client.get(url, params={"customer_id": "c-lab", "n": 4,
                                    "exploration": "false"}).json()
    assert (liked["basis"], liked["level"]) == ("declared", "balanced")
    # Without tracking consent behaviour is not used: the level in force is "declared".
    assert liked["effective_level"] == "declared"
    withdrawn = client.post("/v1/customers/c-lab/consents",
                            json={"purpose": "personalization", "granted": False})
    assert withdrawn.status_code == 201
    after = client.get(url, params={"customer_id": "c-lab", "n": 5,
                                    "exploration": "true"}).json()
    assert (after["level"], after["effective_level"], after["basis"]) == (
        "balanced", "off", "editorial")
    codes = {r["code"] for i in after["items"] for r in i["reasons"]}
    assert not codes & {"exploration", "declared_like", "declared_peers"}
    profile = client.get("/v1/customers/c-lab/preferences").json()
    assert (profile["level"], profile["effective_level"]) == ("balanced", "off")


def test_reasons_are_worded_in_the_language_the_client_ranks_highest(
    client: TestClient, shop: Runtime
) -> None:
    put = client.put("/v1/customers/c-pl/preferences", json={
        "likes": [{"facet": "diet", "value": "gluten free", "weight": 1.0}],
        "budget": {"max": 1_000_000}})
    assert put.status_code == 200, put.text
    asked = {"customer_id": "c-pl", "n": 3, "exploration": "false"}
    english = client.get("/v1/recommendations", params=asked)
    polish = client.get("/v1/recommendations", params=asked,
                        headers={"Accept-Language": "en;q=0.3, pl-PL"})
    assert english.headers["content-language"] == "en"
    assert polish.headers["content-language"] == "pl"
    assert "accept-language" in polish.headers["vary"].lower()
    first_en, first_pl = (r.json()["items"][0]["reasons"] for r in (english, polish))
    # the same evidence, typed, whatever the language
    assert [r["params"] for r in first_en] == [r["params"] for r in first_pl]
    liked = next(r for r in first_pl if r["code"] == "declared_like")
    assert liked["params"]["likes"] == [
        {"facet": "diet", "value": "gluten free", "label": "gluten free"}]
    assert liked["text"].startswith("Pasuje do Twoich preferencji (Dieta: ")
    budget = next(r for r in first_pl if r["code"] == "within_budget")
    assert budget["params"]["amount"] == 1_000_000
    assert "1e+06" not in budget["text"] and "000" in budget["text"]
    searched = client.get("/v1/search", params={"q": "bread", "customer_id": "c-pl"},
                          headers={"Accept-Language": "pl"}).json()
    assert any(r["text"] == "Pasuje do Twojego wyszukiwania" for i in searched["items"]
               for r in i["reasons"])


def test_every_price_names_its_currency(client: TestClient, shop: Runtime) -> None:
    for params in ({"customer_id": "c1", "placement": "home", "n": 5},
                   {"placement": "product", "product_id": "bread-gf", "n": 3}):
        items = client.get("/v1/recommendations", params=params).json()["items"]
        assert items and {item["currency"] for item in items} == {"PLN"}
    found = client.get("/v1/search", params={"q": "bread"}).json()["items"]
    assert found and {item["currency"] for item in found} == {"PLN"}


@pytest.mark.parametrize("path, params, field", [
    ("/v1/search", {"q": "bread", "customer_id": "\x00"}, "customer_id"),
    ("/v1/search", {"q": "bre\x00ad"}, "q"),
    ("/v1/recommendations", {"customer_id": "c\x00"}, "customer_id"),
])
def test_a_control_character_in_an_id_or_a_query_is_a_precise_422(
    client: TestClient, shop: Runtime, path: str, params: dict[str, str], field: str
) -> None:
    # Found by the stateful schemathesis walk on PostgreSQL, which cannot store a NUL: the
    # customer lookup answered 500.
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in response.json()["errors"]] == [["query", field]]

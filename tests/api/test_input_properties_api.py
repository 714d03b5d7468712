"""Properties of input hygiene through the real API and database (issue 10, findings 5, 6):

* any text in any string field of the JSON API's bodies, NUL and lone-surrogate escapes
  included, is answered below 500;
* a ``never`` rule written in any case, width or compatibility form of an allergen that
  products carry keeps every such product out of recommendations and search, and the same
  value with an invisible character in it is refused with its path.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any code point: controls, NUL, format characters, and lone surrogates, which JSON text can
# carry as escapes ("\ud800") although no valid UTF-8 can.
ANY_CHAR = st.characters(codec=None, categories=None, exclude_categories=())
WILD = st.text(ANY_CHAR, min_size=1, max_size=12) | st.sampled_from(
    ["\x00", "\ud800", "a\udfffb", "\u202egluten", "\ufeff", "ＧＬＵＴＥＮ", " "])


def _send(client: TestClient, method: str, path: str, body: Any) -> int:
    # ensure_ascii: every character travels as an escape, lone surrogates included.
    response = client.request(method, path, content=json.dumps(body, ensure_ascii=True),
                              headers={"Content-Type": "application/json"})
    assert response.status_code < 500, (method, path, body, response.text)
    return response.status_code


@PROPERTY
@given(text=WILD, field=st.sampled_from(["id", "title", "description", "brand", "category",
                                         "gtin", "link", "allergens", "color"]))
def test_any_text_in_a_product_is_answered_below_500(client: TestClient, text: str,
                                                     field: str) -> None:
    body: dict[str, Any] = {"id": "p1", "title": "Oat bar", "price": 3, "currency": "PLN"}
    if field in ("allergens", "color"):
        body["facets"] = {field: [text]}
    else:
        body[field] = text
    _send(client, "POST", "/v1/products", body)
    _send(client, "PUT", "/v1/products/p1", body)


@PROPERTY
@given(text=WILD, where=st.sampled_from(["like_value", "like_source", "rule_value",
                                         "size_category", "size_value", "dismissed"]))
def test_any_text_in_preferences_is_answered_below_500(client: TestClient, text: str,
                                                       where: str) -> None:
    body: dict[str, Any] = {
        "like_value": {"likes": [{"facet": "brand", "value": text, "weight": 1}]},
        "like_source": {"likes": [{"facet": "brand", "value": "acme", "weight": 1,
                                   "source": text}]},
        "rule_value": {"constraints": [{"facet": "allergens", "op": "never",
                                        "values": [text]}]},
        "size_category": {"sizes": [{"category": text, "values": ["42"]}]},
        "size_value": {"sizes": [{"category": "Shoes", "values": [text]}]},
        "dismissed": {"dismissed": [text]},
    }[where]
    _send(client, "PUT", "/v1/customers/c1/preferences", body)


@PROPERTY
@given(text=WILD, field=st.sampled_from(["event_id", "customer_id", "anonymous_id",
                                         "product_id", "query", "session_id", "placement"]))
def test_any_text_in_an_event_is_answered_below_500(client: TestClient, text: str,
                                                    field: str) -> None:
    event: dict[str, Any] = {"event_id": "e1", "type": "search", "customer_id": "c1",
                             "query": "oats"}
    if field == "anonymous_id":
        del event["customer_id"]
    event[field] = text
    _send(client, "POST", "/v1/events", {"events": [event]})
    _send(client, "POST", "/v1/events?partial=true", {"events": [event]})
    ga4 = {"client_id": text if field == "anonymous_id" else "555.1", "events": [
        {"name": "view_item", "params": {"items": [{"item_id": text}]}}]}
    _send(client, "POST", "/v1/events/ga4", ga4)


@PROPERTY
@given(text=WILD)
def test_any_text_in_consent_and_merge_is_answered_below_500(client: TestClient,
                                                             text: str) -> None:
    _send(client, "POST", "/v1/customers/c1/consents",
          {"purpose": "tracking", "granted": True, "source": text})
    _send(client, "POST", "/v1/customers/c1/consents",
          {"purpose": "tracking", "granted": True, "policy_version": text})
    _send(client, "POST", "/v1/customers/c1/merge", {"anonymous_id": text})


# --------------------------------------------------------------------------- finding 6

ALLERGENS = ["gluten", "fish", "milk"]
_EXAMPLES = itertools.count()
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202b",
             "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
             "\x01", "\x7f", "\ufe0f", "\u034f"]


@st.composite
def variants(draw: st.DrawFn, value: str) -> str:
    """``value`` as a person or a feed might write it: per letter lower, upper, full-width
    or mathematical bold; 'fi' perhaps as its ligature; spaces around. NFKC + case folding
    brings every one of them back to ``value``."""
    text = value.replace("fi", "\ufb01") if "fi" in value and draw(st.booleans()) else value
    out = []
    for char in text:
        if not char.isascii():
            out.append(char)
            continue
        form = draw(st.sampled_from(["lower", "upper", "full", "bold"]))
        upper = char.upper()
        out.append({"lower": char, "upper": upper,
                    "full": chr(ord(upper) + 0xFEE0),
                    "bold": chr(0x1D400 + ord(upper) - ord("A"))}[form])
    pad = draw(st.sampled_from(["", " ", "  ", "\u3000"]))  # U+3000: ideographic space
    return pad + "".join(out) + pad


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), allergen=st.sampled_from(ALLERGENS))
def test_a_never_rule_in_any_form_keeps_the_products_out(client: TestClient,
                                                         data: st.DataObject,
                                                         allergen: str) -> None:
    # Examples share the database (products accumulate; each example has its own customer),
    # so what counts is each shown product's stored allergens, read back from the API.
    example = next(_EXAMPLES)
    customer = f"c{example}"
    for i, carried in enumerate(ALLERGENS * 2):
        product = {"id": f"p{example}-{i}", "title": f"Oat bar {i}", "price": 3 + i,
                   "currency": "PLN", "category": "Groceries > Snacks",
                   "facets": {"allergens": data.draw(variants(carried))}}
        stored = client.post("/v1/products", json=product)
        assert stored.status_code == 201, stored.text
        assert stored.json()["facets"]["allergens"] == [carried]
    written = data.draw(variants(allergen))
    rule = {"constraints": [{"facet": "allergens", "op": "never", "values": [written]}]}
    answer = client.put(f"/v1/customers/{customer}/preferences", json=rule)
    assert answer.status_code == 200, answer.text
    assert answer.json()["constraints"][0]["values"] == [allergen]
    assert answer.json()["warnings"] == []
    shown = [item["product_id"] for item in client.get(
        "/v1/recommendations", params={"customer_id": customer, "n": 50}).json()["items"]]
    found = [item["product_id"] for item in client.get(
        "/v1/search", params={"q": "oat", "customer_id": customer, "n": 50}).json()["items"]]
    leaked = [pid for pid in {*shown, *found}
              if allergen in client.get(f"/v1/products/{pid}").json()["facets"]["allergens"]]
    assert leaked == [], (written, leaked)
    assert found  # the rule hides only what it names

    position = data.draw(st.integers(0, len(written)))
    hidden = written[:position] + data.draw(st.sampled_from(INVISIBLE)) + written[position:]
    rule = {"constraints": [{"facet": "allergens", "op": "never", "values": ["milk", hidden]}]}
    refused = client.put(f"/v1/customers/{customer}/preferences", json=rule)
    assert refused.status_code == 422, (hidden, refused.text)
    assert [e["loc"] for e in refused.json()["errors"]] == [
        ["body", "constraints", 0, "values", 1]]
    kept = client.get(f"/v1/customers/{customer}/preferences").json()  # nothing changed
    assert kept["constraints"][0]["values"] == [allergen]

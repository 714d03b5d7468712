"""The preference center over HTTP, without a browser: each form changes exactly what it
says, bad input changes nothing and says why next to the field, a session reaches only its
own customer, and export and deletion cover this visitor only."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_products, consent, customer, events, product
from prefero.audit.models import AuditEntry
from prefero.customers.consent import consent_state
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import get_preferences
from prefero.customers.repository import get_customer
from prefero.privacy.service import subject_hash
from prefero.runtime import Runtime
from webforms import me, shopper, submit

PAGE = "/preferences"
VICTIM = "c-victim"
# Values only the other customer holds: none may ever show up in this visitor's answers.
VICTIM_MARKS = (VICTIM, "zz-victim-brand", "victim-allergen")


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    """A tiny catalogue (groceries with allergens, shoes with sizes) and another customer."""
    with runtime.session() as s:
        add_products(s, [
            product("p1", category="Groceries > Snacks", brand="Acme",
                    facets={"allergens": ["gluten"], "diet": ["vegan"], "sugar_free": True}),
            product("p2", category="Groceries > Snacks", brand="Bolt",
                    facets={"allergens": ["peanuts"]}),
            product("p3", category="Fashion > Shoes", brand="Runner",
                    facets={"size": ["42", "43"], "color": ["red"]}),
            product("p4", category="Fashion > Shoes", brand="Strider",
                    facets={"size": ["44"], "color": ["blue"]}),
        ])
        customer(s, VICTIM, level="declared", likes=[("brand", "zz-victim-brand", 1.0)],
                 never=[("allergens", "victim-allergen")], budget_max=50)
        consent(s, VICTIM, "tracking", True)
    return runtime


@pytest.fixture
def web(client: TestClient) -> TestClient:
    return shopper(client)


def state(runtime: Runtime, cid: str) -> dict[str, Any] | None:
    """The customer's declared profile and consent ledger, without timestamps."""
    with runtime.session() as s:
        if get_customer(s, cid) is None:
            return None
        p = get_preferences(s, customer_id=cid, settings=runtime.settings)
        ledger = consent_state(s, cid, runtime.settings)
        return {
            "likes": sorted((x.facet, x.value, x.weight, x.source) for x in p.likes),
            "rules": sorted((c.op, c.facet, v, c.source) for c in p.constraints
                            for v in c.values),
            "sizes": sorted((g.category, v) for g in p.sizes for v in g.values),
            "budget": (None if p.budget is None else tuple(
                None if x is None else float(x) for x in (p.budget.min, p.budget.max))),
            "level": p.level,
            "exploration": p.exploration,
            "consents": [(h.purpose, h.granted, h.source) for h in ledger.history],
        }


EMPTY: dict[str, Any] = {"likes": [], "rules": [], "sizes": [], "budget": None,
                         "level": None, "exploration": True, "consents": []}


def post(web: TestClient, path: str, data: dict[str, str], **kwargs: Any) -> Any:
    """Submit a form of the center as the browser does: with the session's token."""
    return submit(web, path, data, follow_redirects=False, **kwargs)


def saved(web: TestClient, path: str, data: dict[str, str], section: str) -> str:
    """Post a form the way a browser without JavaScript does; the page it lands on."""
    response = post(web, path, data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{PAGE}#{section}"
    page = web.get(PAGE)
    assert page.status_code == 200
    return page.text


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="pc-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert found, f"no error shown for {field}"
    assert f'aria-describedby="{field}-error' in html
    return found.group(1)


# --------------------------------------------------------------------------- reading


def test_the_first_page_shows_an_empty_profile_and_stores_nothing(
        shop: Runtime, client: TestClient) -> None:
    client.headers.pop("X-API-Key", None)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "prefero_session" in page.headers["set-cookie"]
    for heading in ("Personalization level", "Likes and dislikes", "Hidden categories",
                    "Consent", "What we know about you", "Download or delete your data"):
        assert f">{heading}</h2>" in page.text
    assert "We hold nothing about you yet." in page.text
    assert "Only what is popular and new; nothing about you" in page.text
    assert '<option value="acme" >Acme</option>' in page.text  # values from the catalogue
    with shop.session() as s:
        assert s.query(Customer).count() == 1  # only the other customer


def test_polish_visitors_get_the_polish_page(shop: Runtime, web: TestClient) -> None:
    page = web.get(PAGE, headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert '<html lang="pl">' in page.text
    assert "Twoje preferencje" in page.text
    assert "Tylko to, co popularne i nowe; nic o Tobie" in page.text


def test_the_value_picker_lists_one_facets_catalogue_values(shop: Runtime,
                                                            web: TestClient) -> None:
    html = web.get(f"{PAGE}/values", params={"facet": "allergens", "kind": "rule"}).text
    assert 'id="rule-value"' in html
    assert re.findall(r'<option value="([^"]+)"', html) == ["gluten", "peanuts"]


# --------------------------------------------------------------------------- each form


def test_a_like_is_added_with_its_weight_and_removed_alone(shop: Runtime,
                                                           web: TestClient) -> None:
    page = saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "0.5"},
                 "likes")
    cid = me(web)
    assert "Saved: Like it — acme." in page
    assert "Brand: Acme</strong>" in page and "— Like it" in page
    assert state(shop, cid) == {**EMPTY, "likes": [("brand", "acme", 0.5, "declared")]}
    with shop.session() as s:
        visitor_row = get_customer(s, cid)
        assert visitor_row is not None and visitor_row.anonymous

    saved(web, f"{PAGE}/likes", {"facet": "color", "value": "red", "weight": "-1"}, "likes")
    saved(web, f"{PAGE}/likes/remove", {"facet": "brand", "value": "acme"}, "likes")
    assert state(shop, cid) == {**EMPTY, "likes": [("color", "red", -1.0, "declared")]}


def test_never_and_must_rules_and_hidden_categories(shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/rules", {"op": "never", "facet": "allergens", "value": "gluten"},
          "rules")
    cid = me(web)
    saved(web, f"{PAGE}/rules", {"op": "must", "facet": "color", "value": "red"}, "rules")
    page = saved(web, f"{PAGE}/categories", {"category": "Fashion > Shoes"}, "categories")
    assert "Hidden: Fashion &gt; Shoes." in page
    assert state(shop, cid) == {**EMPTY, "rules": [
        ("must", "color", "red", "declared"),
        ("never", "allergens", "gluten", "declared"),
        ("never", "category", "Fashion > Shoes", "declared")]}

    response = post(web, f"{PAGE}/rules/remove", {"op": "never", "facet": "category",
                                                  "value": "Fashion > Shoes",
                                                  "back": "categories"})
    assert response.headers["location"] == f"{PAGE}#categories"
    saved(web, f"{PAGE}/rules/remove", {"op": "must", "facet": "color", "value": "red"},
          "rules")
    assert state(shop, cid) == {**EMPTY, "rules": [
        ("never", "allergens", "gluten", "declared")]}


def test_budget_sizes_level_and_exploration(shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    cid = me(web)
    base = state(shop, cid)
    assert base is not None

    saved(web, f"{PAGE}/budget", {"min": "10", "max": "199,90 zł"}, "budget")
    assert state(shop, cid) == {**base, "budget": (10, 199.9)}
    saved(web, f"{PAGE}/sizes", {"category": "Fashion > Shoes", "sizes": "42, 43"}, "sizes")
    saved(web, f"{PAGE}/sizes", {"category": "Fashion > Shoes", "sizes": "44"}, "sizes")
    assert state(shop, cid) == {**base, "budget": (10, 199.9),
                                "sizes": [("Fashion > Shoes", "44")]}
    page = saved(web, f"{PAGE}/level", {"level": "declared"}, "level")  # box unticked
    assert "Personalization: <strong>Only what I said</strong>" in page
    assert state(shop, cid) == {**base, "budget": (10, 199.9),
                                "sizes": [("Fashion > Shoes", "44")], "level": "declared",
                                "exploration": False}
    saved(web, f"{PAGE}/budget", {"min": "", "max": ""}, "budget")
    saved(web, f"{PAGE}/sizes/remove", {"category": "Fashion > Shoes"}, "sizes")
    saved(web, f"{PAGE}/level", {"level": "full", "exploration": "on"}, "level")
    assert state(shop, cid) == {**base, "level": "full"}


def test_consents_are_appended_to_the_ledger_and_shown_with_their_history(
        shop: Runtime, web: TestClient) -> None:
    page = saved(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "true"},
                 "consents")
    assert "Consent given: Remember what I do." in page
    cid = me(web)
    page = saved(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "false"},
                 "consents")
    assert state(shop, cid) == {**EMPTY, "consents": [
        ("tracking", True, "preference_center"), ("tracking", False, "preference_center")]}
    history = page.split("History of your decisions")[1].split("</table>")[0]
    assert history.count("granted") == 1 and history.count("withdrawn") == 1


def test_suggestions_show_their_evidence_and_can_be_accepted_or_rejected(
        shop: Runtime, web: TestClient) -> None:
    cid = me(web)
    with shop.session() as s:
        add_products(s, [product(f"g{i}", category="Groceries > Snacks" if i % 2
                                 else "Groceries > Dairy", brand=f"b{i % 5}",
                                 facets={"sugar_free": i < 8}) for i in range(10)])
        s.add(Customer(id=cid, anonymous=True))
        s.flush()
        events(s, cid, [("purchase", f"g{i}") for i in range(10)])
    page = web.get(PAGE).text
    assert "8 of your last 10 orders in Groceries were sugar-free" in page
    after_evidence = page.split("were sugar-free")[1]
    sugar_free = re.findall(r'/preferences/suggestions/([^/"]+)/accept', after_evidence)[0]
    saved(web, f"{PAGE}/suggestions/{sugar_free}/accept", {}, "suggestions")
    current = state(shop, cid)
    assert current is not None and ("sugar_free", "true", pytest.approx(1.0, abs=0.5),
                                    "suggestion") in current["likes"]
    rest = re.findall(r'/preferences/suggestions/([^/"]+)/reject', web.get(PAGE).text)
    if rest:
        before = state(shop, cid)
        saved(web, f"{PAGE}/suggestions/{rest[0]}/reject", {}, "suggestions")
        assert state(shop, cid) == before  # a rejection adds no preference
        assert rest[0] not in web.get(PAGE).text


def test_a_quizs_answers_are_grouped_and_removed_together(shop: Runtime,
                                                          web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    cid = me(web)
    with shop.session() as s:
        s.add_all([Preference(customer_id=cid, kind="like", facet="color", value="red",
                              weight=1.0, source="quiz:style-finder@2"),
                   Preference(customer_id=cid, kind="never", facet="allergens",
                              value="peanuts", source="quiz:style-finder@2")])
    page = web.get(PAGE).text
    assert "Quiz “style-finder”" in page and "Remove this quiz&#39;s answers" in page
    saved(web, f"{PAGE}/quizzes/style-finder/remove", {}, "quizzes")
    assert state(shop, cid) == {**EMPTY, "likes": [("brand", "acme", 1.0, "declared")]}


def test_what_we_know_lists_everything_with_sources(shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/consents", {"purpose": "marketing_email", "granted": "true"},
          "consents")
    known = web.get(PAGE).text.split('id="known-heading"')[1].split('id="data-heading"')[0]
    assert me(web) in known
    assert "anonymous visitor" in known
    assert "Love it</td><td>Brand: Acme</td><td>you told us</td>" in known
    assert "E-mails with offers — granted (this page)" in known
    assert "No events are linked to you." in known


# --------------------------------------------------------------------------- bad input


BAD: list[tuple[str, dict[str, str], str, str]] = [
    ("likes", {"facet": "brand", "value": "nosuch", "weight": "1"}, "like-value",
     "This shop has no brand “nosuch”"),
    ("likes", {"facet": "brand", "value": "bolt", "weight": "2"}, "like-weight",
     "less than or equal to 1"),
    ("likes", {"facet": "size", "value": "42", "weight": "1"}, "like-facet",
     "Choose one of the listed properties."),
    ("likes", {"facet": "allergens", "value": "gluten", "weight": "1"}, "like-value",
     "&#39;gluten&#39; is excluded with &#39;never&#39;; remove that first"),
    ("rules", {"op": "sometimes", "facet": "brand", "value": "acme"}, "rule-op",
     "Choose “never” or “must”."),
    ("rules", {"op": "must", "facet": "allergens", "value": "gluten"}, "rule-value",
     "&#39;gluten&#39; is already &#39;never&#39;"),
    ("rules", {"op": "never", "facet": "brand", "value": "acme"}, "rule-value",
     "&#39;acme&#39; is liked; remove the like first"),
    ("categories", {"category": "Garden"}, "hide-value", "This shop has no category"),
    ("budget", {"min": "300", "max": "100"}, "budget-max", "budget min is above max"),
    ("budget", {"min": "cheap", "max": ""}, "budget-min", "Enter an amount in zł"),
    ("budget", {"min": "-5", "max": ""}, "budget-min", "greater than or equal to 0"),
    ("sizes", {"category": "Fashion > Shoes", "sizes": " , "}, "size-values",
     "Enter at least one size"),
    ("sizes", {"category": "Garden", "sizes": "42"}, "size-category",
     "Choose one of the listed categories."),
    ("level", {"level": "max"}, "level", "Choose one of the four levels."),
    ("delete", {}, "delete-confirm", "Tick the box to confirm"),
]


@pytest.mark.parametrize(("path", "data", "field", "message"), BAD,
                         ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_says_why_next_to_the_field_and_changes_nothing(
        shop: Runtime, web: TestClient, path: str, data: dict[str, str], field: str,
        message: str) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/rules", {"op": "never", "facet": "allergens", "value": "gluten"},
          "rules")
    cid = me(web)
    before = state(shop, cid)

    response = post(web, f"{PAGE}/{path}", data)
    assert response.status_code == 422
    assert message in error_of(response.text, field)
    assert "Nothing was changed" in response.text
    assert state(shop, cid) == before

    # With htmx the same answer comes as 200, which htmx swaps in.
    swapped = post(web, f"{PAGE}/{path}", data, headers={"HX-Request": "true"})
    assert swapped.status_code == (422 if path == "delete" else 200)
    assert message in error_of(swapped.text, field)
    assert state(shop, cid) == before


def test_bad_input_from_a_new_visitor_does_not_even_create_the_customer(
        shop: Runtime, web: TestClient) -> None:
    response = post(web, f"{PAGE}/likes", {"facet": "brand", "value": "nosuch",
                                           "weight": "1"})
    assert response.status_code == 422
    assert state(shop, me(web)) is None


# --------------------------------------------------------------------------- isolation


def victim_state(runtime: Runtime) -> dict[str, Any] | None:
    return state(runtime, VICTIM)


def assert_clean(response: Any) -> None:
    for mark in VICTIM_MARKS:
        assert mark not in response.text, f"{mark} leaked into {response.request.url}"


def test_a_session_reaches_only_its_own_customer(shop: Runtime, web: TestClient) -> None:
    victim_before = victim_state(shop)
    assert victim_before is not None and victim_before["likes"]
    other = {"customer_id": VICTIM}

    reads = [
        web.get(PAGE, params=other),
        web.get(f"{PAGE}/export", params=other),
        web.get(f"{PAGE}/values", params={**other, "facet": "brand"}),
        web.get(f"{PAGE}/{VICTIM}"),
        web.get(f"{PAGE}/export/{VICTIM}"),
        web.get(f"{PAGE}/%2e%2e/v1/customers/{VICTIM}/data"),
        web.get(f"/v1/customers/{VICTIM}/data"),  # the API wants an admin key
    ]
    for response in reads:
        assert_clean(response)

    writes = [
        (f"{PAGE}/likes?customer_id={VICTIM}", {"facet": "brand", "value": "bolt",
                                                 "weight": "1", **other}),
        (f"{PAGE}/rules", {"op": "never", "facet": "allergens", "value": "peanuts", **other}),
        (f"{PAGE}/budget", {"min": "1", "max": "2", **other}),
        (f"{PAGE}/level", {"level": "off", **other}),
        (f"{PAGE}/consents", {"purpose": "tracking", "granted": "false", **other}),
        (f"{PAGE}/likes/remove", {"facet": "brand", "value": "zz-victim-brand", **other}),
        (f"{PAGE}/rules/remove", {"op": "never", "facet": "allergens",
                                  "value": "victim-allergen", **other}),
        (f"{PAGE}/quizzes/any/remove", other),
        (f"{PAGE}/delete", {"confirm": "yes", **other}),
    ]
    for path, data in writes:
        response = post(web, path, data)
        assert response.status_code in (303, 422), (path, response.text)
        assert_clean(web.get(PAGE))
    assert victim_state(shop) == victim_before


def test_a_forged_session_naming_another_customer_is_ignored(shop: Runtime,
                                                             web: TestClient) -> None:
    forged = base64.b64encode(json.dumps({"customer_id": VICTIM,
                                          "signed_in": True}).encode()).decode()
    web.cookies.set("prefero_session", forged)
    page = web.get(PAGE)
    assert_clean(page)
    assert me(web) != VICTIM
    post(web, f"{PAGE}/delete", {"confirm": "yes"})
    assert victim_state(shop) is not None


# --------------------------------------------------------------------------- your data


def test_export_is_this_visitors_json_only(shop: Runtime, web: TestClient) -> None:
    empty = web.get(f"{PAGE}/export")
    assert empty.json() == {"customer_id": me(web), "held": "nothing"}

    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    response = web.get(f"{PAGE}/export", params={"customer_id": VICTIM})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["customer_id"] == me(web)
    assert [(x["facet"], x["value"]) for x in body["preferences"]["likes"]] == [
        ("brand", "acme")]
    assert set(body) >= {"profile", "preferences", "consents", "events", "derived",
                         "traits", "quiz_sessions"}
    assert_clean(response)


def test_delete_erases_this_visitor_and_starts_over_with_an_empty_profile(
        shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "true"}, "consents")
    old = me(web)

    response = post(web, f"{PAGE}/delete", {"confirm": "yes"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}#data"
    page = web.get(PAGE).text
    assert "Your data was deleted." in page
    assert "preferences: 1" in page and "consent records: 1" in page
    assert "We hold nothing about you yet." in page
    assert "No likes or dislikes yet." in page
    assert old not in page
    assert state(shop, old) is None
    assert me(web) != old
    assert victim_state(shop) is not None
    # Gone means gone: the next page does not say it again, and the new visitor is empty.
    assert "Your data was deleted." not in web.get(PAGE).text
    assert state(shop, me(web)) is None


def audit_trail(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as s:
        return [(e.actor, e.action, e.target) for e in s.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]


def test_privacy_actions_in_the_center_are_audited_and_pseudonymised_on_erasure(
        shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "true"}, "consents")
    exported = web.get(f"{PAGE}/export").json()
    cid = exported["customer_id"]
    actor = f"customer:{cid}"
    assert audit_trail(shop) == [(actor, "preferences.write", cid),
                                 (actor, "consent.write", cid),
                                 (actor, "customer.data.read", cid)]
    # The customer's own export lists what was done with their data (newest first), its own
    # download too.
    assert [a["action"] for a in exported["actions"]] == [
        "customer.data.read", "consent.write", "preferences.write"]
    # A refused form (bad input) leaves no entry.
    post(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "maybe"})
    assert len(audit_trail(shop)) == 3

    post(web, f"{PAGE}/delete", {"confirm": "yes"})
    digest = subject_hash(cid, key=shop.settings.erasure_key)
    trail = audit_trail(shop)
    assert trail[-1] == (f"erased:{digest}", "customer.erase", digest)
    assert all(cid not in f"{a}{t}" for a, _, t in trail)

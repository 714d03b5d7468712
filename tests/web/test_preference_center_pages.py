"""The preference center over HTTP, without a browser: each form changes exactly what it
says, bad input changes nothing and says why next to the field, a session reaches only its
own customer, and export and deletion cover this visitor only."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factories import add_products, consent, customer, events, product
from prefero.audit.models import AuditEntry
from prefero.customers.consent import consent_state
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import get_preferences
from prefero.customers.repository import get_customer
from prefero.i18n.formats import money, number
from prefero.privacy.service import subject_hash
from prefero.quizzes.models import CustomerTrait, QuizSession
from prefero.quizzes.publish import publish_library
from prefero.runtime import Runtime
from prefero.web.routes.preferences import _amount
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


class _Visible(HTMLParser):
    """A page's text as a reader meets it: text nodes, and what screen readers and forms
    show (aria-label, title, placeholder); not hidden inputs, addresses or scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.texts)


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
    assert "Saved: Like it — Acme." in page  # the brand as the shop spells it
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
    assert "Hidden: Fashion › Shoes." in page
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
    assert "Sugar-free — 8 of your last 10 orders in Groceries" in page
    after_evidence = page.split("8 of your last 10 orders in Groceries")[1]
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
    # A quiz the shop no longer has: said in words, never by its id.
    assert "A quiz that is no longer offered" in page and "Remove this quiz&#39;s answers" in page
    assert "style-finder" not in visible_text(page)
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
     "Brand: this shop has no “nosuch”"),
    ("likes", {"facet": "brand", "value": "bolt", "weight": "2"}, "like-weight",
     "Choose how much you like it."),
    ("likes", {"facet": "size", "value": "42", "weight": "1"}, "like-facet",
     "Choose one of the listed properties."),
    ("rules", {"op": "sometimes", "facet": "brand", "value": "acme"}, "rule-op",
     "Choose “never” or “must”."),
    ("categories", {"category": "Garden"}, "hide-value", "Category: this shop has no “Garden”"),
    ("budget", {"min": "300", "max": "100"}, "budget-max",
     "The upper limit is below the lower one."),
    ("budget", {"min": "cheap", "max": ""}, "budget-min", "Enter an amount, like 120"),
    ("budget", {"min": "-5", "max": ""}, "budget-min", "Enter an amount of 0 or more"),
    ("budget", {"min": "", "max": "10.5555"}, "budget-max", "Use at most two decimal places."),
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


def test_the_level_in_force_follows_consent_and_the_choice_stays(
        shop: Runtime, web: TestClient) -> None:
    # Issue 11, finding 8: the level read "balanced" after personalization was withdrawn.
    saved(web, f"{PAGE}/level", {"level": "balanced", "exploration": "on"}, "level")
    page = saved(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "true"},
                 "consents")
    assert "Personalization: <strong>Balanced</strong>" in page
    assert "Your consents limit this" not in page
    page = saved(web, f"{PAGE}/consents", {"purpose": "personalization", "granted": "false"},
                 "consents")
    assert "Personalization: <strong>Off</strong>" in page
    assert "Your consents limit this: what applies now is “Off”." in page
    # The choice is kept (and stays selected), so granting again restores it.
    assert re.search(r'id="level-balanced"[^>]*\bchecked', page)
    current = state(shop, me(web))
    assert current is not None and current["level"] == "balanced"
    polish = web.get(PAGE, headers={"Accept-Language": "pl"}).text
    assert "Ze względu na Twoje zgody obecnie obowiązuje poziom" in polish


# --------------------------------------------------------------------------- contradictions


# (form, fields, what the offer says, its button, the section): a new like or rule against
# one held (the like of acme, the "never gluten" rule set up by the test).
SWITCHES: list[tuple[str, dict[str, str], str, str, str]] = [
    ("likes", {"facet": "allergens", "value": "gluten", "weight": "1"},
     "You excluded Allergens: gluten with a “never” rule.",
     "Like it instead (the “never” rule goes)", "likes"),
    ("rules", {"op": "never", "facet": "brand", "value": "acme"},
     "You like Brand: Acme.", "Never show it instead (the like goes)", "rules"),
    ("rules", {"op": "must", "facet": "allergens", "value": "gluten"},
     "You excluded Allergens: gluten with a “never” rule.",
     "Only show it instead (the “never” rule goes)", "rules"),
]


@pytest.mark.parametrize(("path", "data", "says", "button", "section"), SWITCHES,
                         ids=[f"{s[0]}-{s[1].get('op', 'like')}" for s in SWITCHES])
def test_a_contradiction_offers_to_switch_and_the_switch_does_it(
        shop: Runtime, web: TestClient, path: str, data: dict[str, str], says: str,
        button: str, section: str) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/rules", {"op": "never", "facet": "allergens", "value": "gluten"},
          "rules")
    cid = me(web)
    before = state(shop, cid)

    offered = post(web, f"{PAGE}/{path}", data)
    assert offered.status_code == 409
    assert state(shop, cid) == before
    html = offered.text
    assert "pc-switch" in html and says in html and button in html
    assert "Nothing was changed yet" in html
    assert "excluded with &#39;never&#39;" not in html  # no developer message
    switch = re.search(r'<div class="notice pc-switch".*?</div>', html, re.S)
    assert switch is not None
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             switch.group(0)))
    assert fields.pop("replace") == "1" and fields.pop("csrf_token")

    switched = post(web, f"{PAGE}/{path}", {**fields, "replace": "1"})
    assert switched.status_code == 303
    assert switched.headers["location"] == f"{PAGE}#{section}"
    after = state(shop, cid)
    assert after is not None and before is not None
    if path == "likes":
        assert ("allergens", "gluten", 1.0, "declared") in after["likes"]
        assert not [r for r in after["rules"] if r[1:3] == ("allergens", "gluten")]
    elif data["op"] == "never":
        assert not [x for x in after["likes"] if x[:2] == ("brand", "acme")]
        assert ("never", "brand", "acme", "declared") in after["rules"]
    else:
        assert [r[:3] for r in after["rules"]] == [("must", "allergens", "gluten")]
    assert "Switched:" in web.get(PAGE).text


def test_with_htmx_the_offer_comes_as_200_to_swap_in(shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    swapped = post(web, f"{PAGE}/rules", {"op": "never", "facet": "brand", "value": "acme"},
                   headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert "Never show it instead (the like goes)" in swapped.text


def test_removing_a_like_or_rule_keeps_everything_else(shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"}, "likes")
    saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "bolt", "weight": "-0.5"},
          "likes")
    saved(web, f"{PAGE}/rules", {"op": "never", "facet": "allergens", "value": "gluten"},
          "rules")
    saved(web, f"{PAGE}/budget", {"min": "", "max": "80"}, "budget")
    cid = me(web)
    saved(web, f"{PAGE}/likes/remove", {"facet": "brand", "value": "acme"}, "likes")
    saved(web, f"{PAGE}/rules/remove", {"op": "never", "facet": "allergens",
                                        "value": "gluten"}, "rules")
    after = state(shop, cid)
    assert after is not None
    assert after["likes"] == [("brand", "bolt", -0.5, "declared")]
    assert after["rules"] == [] and after["budget"] == (None, 80.0)
    assert "There was nothing to remove." in saved(
        web, f"{PAGE}/likes/remove", {"facet": "brand", "value": "acme"}, "likes")


# --------------------------------------------------------------------------- hidden products


def test_hidden_products_are_listed_by_name_and_can_be_shown_again(
        shop: Runtime, web: TestClient) -> None:
    # "Not for me" as the shop's card sends it, and one for a product the shop dropped since.
    assert submit(web, "/dismiss", {"product_id": "p2", "back": "/"},
                  follow_redirects=False).status_code == 303
    cid = me(web)
    with shop.session() as s:
        s.add(Preference(customer_id=cid, kind="dismiss", facet="product", value="gone-1"))
    page = web.get(PAGE).text
    hidden = page.split('id="dismissed-heading"')[1].split('id="budget-heading"')[0]
    assert "Product p2" in hidden and 'href="/p/p2"' in hidden
    assert "A product that is no longer in the shop" in hidden
    assert "gone-1" not in hidden.replace('value="gone-1"', "")  # never an id on show

    landed = saved(web, f"{PAGE}/dismissed/remove", {"product_id": "p2"}, "dismissed")
    assert "Shown again: Product p2." in landed
    with shop.session() as s:
        left = s.scalars(select(Preference.value).where(
            Preference.customer_id == cid, Preference.kind == "dismiss")).all()
    assert left == ["gone-1"]
    assert "There was nothing to remove." in saved(
        web, f"{PAGE}/dismissed/remove", {"product_id": "p2"}, "dismissed")


# --------------------------------------------------------------------------- labels, not values


def test_the_polish_center_shows_labels_never_stored_values(shop: Runtime,
                                                             web: TestClient) -> None:
    """Issue 11: "Saved: Love it — lindt." and product ids in the history. Each part of the
    page names what it holds by its label in the visitor's language."""
    web.cookies.set("lang", "pl")
    page = saved(web, f"{PAGE}/likes", {"facet": "brand", "value": "acme", "weight": "1"},
                 "likes")
    assert "Zapisano: Uwielbiam — Acme." in page
    cid = me(web)
    saved(web, f"{PAGE}/likes", {"facet": "diet", "value": "vegan", "weight": "0.5"}, "likes")
    page = saved(web, f"{PAGE}/rules", {"op": "never", "facet": "color", "value": "red"},
                 "rules")
    assert "Nigdy nie pokazujemy: Kolor: czerwony." in page
    page = saved(web, f"{PAGE}/categories", {"category": "Groceries > Snacks"}, "categories")
    assert "Ukryto: Artykuły spożywcze › Przekąski." in page
    page = saved(web, f"{PAGE}/sizes", {"category": "Fashion > Shoes", "sizes": "42"}, "sizes")
    assert "Zapisano rozmiary w kategorii Moda › Obuwie." in page
    page = saved(web, f"{PAGE}/level", {"level": "declared"}, "level")
    assert "Poziom personalizacji: Tylko to, co podaję." in page
    with shop.session() as s:
        events(s, cid, [("purchase", "p1"), ("view", "p3")])
        s.add(CustomerTrait(customer_id=cid, trait="extraversion", value=0.75,
                            source="quiz:gone@1"))
    page = web.get(PAGE).text
    text = visible_text(page)

    assert "Marka: Acme" in text and "Dieta: wegańska" in text
    assert "Artykuły spożywcze › Przekąski" in text  # hidden, and in "What we know"
    assert "Moda › Obuwie: 42" in text
    # The latest events by product title, their kinds in Polish.
    assert "<td>Product p1</td>" in page and "<td>p1</td>" not in page
    assert "Zakupy" in text and "Wyświetlenia produktów" in text
    # Derived affinities: the brand by its spelling, the category by its Polish path.
    known = text.split("Co z tego wnioskujemy")[1]
    assert "Acme (" in known and "Artykuły spożywcze › Przekąski (" in known
    # A quiz trait by its name, the number as Polish writes it, a gone quiz in words.
    assert "Ekstrawersja: 0,75" in text
    assert "quiz, którego sklep już nie oferuje" in text
    # Nothing as stored: lowercase brand ids, English paths and values, codes, ids.
    for raw in ("acme", "vegan", "Groceries", "Snacks", "Fashion", "extraversion",
                "in_progress", "gone"):
        assert not re.search(rf"(?<![\w-]){raw}(?![\w-])", text), raw
    # Times as Polish writes them (day, month name, year), not ISO.
    assert not re.search(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b", text)


def test_the_english_center_names_values_and_quizzes_by_their_labels(
        shop: Runtime, web: TestClient) -> None:
    saved(web, f"{PAGE}/likes", {"facet": "sugar_free", "value": "true", "weight": "1"},
          "likes")
    cid = me(web)
    with shop.session() as s:
        publish_library(s, schema=shop.facet_schema)
        s.add(Preference(customer_id=cid, kind="never", facet="allergens", value="gluten",
                         source="quiz:grocery-setup@1"))
        s.add(QuizSession(id="qs-1", customer_id=cid, quiz_id="grocery-setup", version=1,
                          status="active", answers=[], stored=False))
    page = web.get(PAGE).text
    text = visible_text(page)
    assert "Sugar-free: Yes" in text
    assert "Quiz “Set up your groceries”" in text  # the quiz's title, not its id
    assert "Set up your groceries — in progress" in text
    assert "grocery-setup" not in text and "in_progress" not in text and "true" not in text
    web.cookies.set("lang", "pl")
    polish = visible_text(web.get(PAGE).text)
    assert "Quiz „Ustaw swoje zakupy spożywcze”" in polish
    assert "Ustaw swoje zakupy spożywcze — w toku" in polish


def test_an_unknown_value_is_refused_in_the_visitors_words(shop: Runtime,
                                                           web: TestClient) -> None:
    web.cookies.set("lang", "pl")
    response = post(web, f"{PAGE}/likes", {"facet": "brand", "value": "Nosuch",
                                           "weight": "1"})
    assert response.status_code == 422
    assert error_of(response.text, "like-value") == (
        "Marka: w tym sklepie nie ma „Nosuch”; wybierz jedną z wartości z listy.")
    response = post(web, f"{PAGE}/budget", {"min": "tanio", "max": ""})
    assert error_of(response.text, "budget-min") == "Wpisz kwotę, np. 120 albo 99,90."
    response = post(web, f"{PAGE}/budget", {"min": "300", "max": "100"})
    assert error_of(response.text, "budget-max") == "Górna granica jest niższa niż dolna."


@pytest.mark.parametrize(("typed", "stored"), [
    ("1 299,90 zł", 1299.9), ("1,299.90", 1299.9), ("PLN 120", 120.0), ("99,9", 99.9),
    ("120\u00a0zł", 120.0)])
def test_amounts_are_read_as_shoppers_type_them(shop: Runtime, web: TestClient, typed: str,
                                                stored: float) -> None:
    saved(web, f"{PAGE}/budget", {"min": "", "max": typed}, "budget")
    assert state(shop, me(web))["budget"] == (None, stored)  # type: ignore[index]


def test_the_header_and_the_language_choice_say_words(shop: Runtime, web: TestClient) -> None:
    page = web.get(PAGE).text
    options = re.findall(r'<option value="(\w\w)" lang="\w\w" ?(?:selected)?>([^<]+)</option>',
                         page)
    assert dict(options) == {"en": "English", "pl": "Polski"}
    web.cookies.set("lang", "pl")
    assert ">Zmień język</button>" in web.get(PAGE).text


@settings(max_examples=200, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**9, places=2),
       language=st.sampled_from(["en", "pl"]), as_money=st.booleans())
def test_an_amount_written_as_the_shop_writes_money_reads_back(
        amount: Decimal, language: str, as_money: bool) -> None:
    """What the pages show ("1 299,90 zł", "PLN 1,299.90", "1,299.9") can be typed back."""
    written = (money(amount, "PLN", language) if as_money
               else number(amount, language))
    assert _amount(written, "budget-max", {}, currency="PLN") == amount

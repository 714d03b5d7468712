"""The merchandising editor: the rules in staff's words (English and Polish, times in the
shop's time zone), adding, editing and deleting them as a marketer (deleting asks first),
every wrong field named beside it with nothing stored, every change audited under the staff
member's name, and a read-only account that sees no form and is refused every write. Runs
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_products, product
from prefero.audit.models import AuditEntry
from prefero.config import Settings
from prefero.merchandising.schemas import Condition, Rule, RuleIn
from prefero.merchandising.service import add_rule, list_rules
from prefero.runtime import Runtime
from staff_accounts import staff_browser
from webforms import origin, submit

PAGE = "/dashboard/merchandising"
ZONE = "Europe/Warsaw"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"content_time_zone": ZONE})


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            product("boot-1", title="Trail Runner 2", category="Fashion > Shoes > Running",
                    brand="Acme", facets={"eco": True}),
            product("boot-2", title="Road Runner", category="Fashion > Shoes > Running",
                    brand="Acme"),
            product("bar", title="Dark Bar", category="Groceries > Sweets", brand="Wedel"),
        ])
    return runtime


def _add(runtime: Runtime, **fields: Any) -> Rule:
    with runtime.session() as session:
        return add_rule(session, RuleIn.model_validate(fields), schema=runtime.facet_schema)


def _rules(runtime: Runtime) -> list[Rule]:
    with runtime.session() as session:
        return list_rules(session)


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("merchandising."))
            .order_by(AuditEntry.id))]


def _form(**fields: Any) -> dict[str, Any]:
    """A filled-in form: a boost of the brand Acme everywhere, switched on."""
    return {"name": "Acme week", "action": "boost", "match": "facet", "facet": "brand",
            "values": "Acme", "product_ids": "", "strength": "2", "position": "1",
            "priority": "0", "starts_at": "", "ends_at": "", "enabled": "on",
            "placements": ["home", "product", "cart", "checkout", "search"], **fields}


def _error(html: str, field_id: str) -> str:
    """The error shown under the field ``field_id``, tied to it by aria-describedby."""
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert found, f"no error for {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{field_id}-error\b', html), field_id
    return unescape(found.group(1))


def _seed_campaigns(runtime: Runtime) -> None:
    _add(runtime, name="Eco week", action="boost", strength=0.5,
         placements=["cart", "checkout"], condition={"facet": "eco", "values": ["true"]},
         starts_at="2026-01-01T00:00:00Z", ends_at="2026-01-08T00:00:00Z")
    _add(runtime, name="Running season", action="pin", position=4, placements=["home"],
         condition={"facet": "category", "values": ["Fashion > Shoes > Running"]},
         starts_at="2999-03-01T11:00:00Z")
    _add(runtime, name="Trail first", action="hide", priority=5,
         condition={"product_ids": ["boot-1", "gone-1", "gone-2"]})
    _add(runtime, name="Quiet", action="bury", enabled=False,
         condition={"facet": "brand", "values": ["wedel"]}, placements=["search"])


def test_the_list_words_every_rule_as_staff_read_it(client: TestClient,
                                                    shop: Runtime) -> None:
    _seed_campaigns(shop)
    web = staff_browser(client, shop, "ola@shop.example", "read_only")
    html = web.get(PAGE).text
    row = {name: html.split(f'<th scope="row">{name}</th>')[1].split("</tr>")[0]
           for name in ("Eco week", "Running season", "Trail first", "Quiet")}
    assert "Boost" in row["Eco week"] and "strength 0.5" in row["Eco week"]
    assert "Eco-friendly: Yes" in row["Eco week"]
    assert "Cart, Checkout" in row["Eco week"]
    # Times in the shop's zone (Warsaw: UTC+1 in January).
    assert "Jan 1, 2026, 1:00\u202fAM to Jan 8, 2026, 1:00\u202fAM" in row["Eco week"]
    assert "Ended" in row["Eco week"]
    assert "Pin" in row["Running season"] and "slot 4" in row["Running season"]
    assert "Category: Fashion › Shoes › Running" in row["Running season"]
    assert "From Mar 1, 2999, 12:00\u202fPM" in row["Running season"]
    assert "Scheduled" in row["Running season"] and "Home page" in row["Running season"]
    assert "Trail Runner 2, 2 products not in the catalogue" in row["Trail first"]
    assert "Everywhere" in row["Trail first"] and "Active now" in row["Trail first"]
    assert "No time limit" in row["Trail first"]
    assert "Switched off" in row["Quiet"] and "Brand: Wedel" in row["Quiet"]
    assert "Search results" in row["Quiet"]
    assert "Warsaw (Poland)" in html
    for raw in (">true<", "gone-1", ">cart<", "boot-1"):
        assert raw not in html
    # A read-only account sees no form and no link to one.
    assert 'method="post" class="stack rule-form"' not in html
    assert f'href="{PAGE}/' not in html

    web.cookies.set("lang", "pl")
    polish = web.get(PAGE).text
    assert "Przyjazne środowisku: Tak" in polish
    assert "1 sty 2026, 01:00" in polish
    assert "siła 0,5" in polish
    assert "Zakończona" in polish and "Zaplanowana" in polish
    assert "Koszyk, Kasa" in polish and "Przypięcie" in polish


def test_a_marketer_adds_a_rule_in_the_shops_time_zone_audited(client: TestClient,
                                                               shop: Runtime) -> None:
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    answer = submit(web, PAGE, _form(starts_at="2026-07-01T09:30", ends_at="2026-07-08T00:00",
                                     placements=["cart", "search"]), page=PAGE)
    assert answer.status_code == 200
    assert "Rule “Acme week” added." in answer.text
    [rule] = _rules(shop)
    assert rule.condition == Condition(facet="brand", values=["acme"])
    assert (rule.action, rule.strength, rule.position, rule.placements) == (
        "boost", 2.0, None, ("cart", "search"))
    # Warsaw keeps summer time in July: UTC+2.
    assert rule.starts_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert rule.ends_at == datetime(2026, 7, 7, 22, 0, tzinfo=UTC)
    assert _audit(shop) == [("staff:ola@shop.example", "merchandising.rules.add",
                             str(rule.id))]


def test_every_wrong_field_is_named_beside_it_and_nothing_is_saved(client: TestClient,
                                                                   shop: Runtime) -> None:
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    form = _form(name="  ", action="pin", facet="color", values="Red\n\nred", placements=[],
                 starts_at="2026-12-10T10:00", ends_at="2026-12-01T10:00", position="0",
                 priority="high")
    answer = submit(web, PAGE, form, page=PAGE)
    assert answer.status_code == 422
    html = answer.text
    assert _error(html, "rule-name").startswith("Give the rule a name")
    assert _error(html, "rule-values") == "Line 3 repeats an earlier line."
    assert _error(html, "rule-placements") == "Choose at least one place."
    assert _error(html, "rule-ends") == "The end must come after the start."
    assert _error(html, "rule-position") == "Enter a slot from 1 to 100."
    assert _error(html, "rule-priority") == "Enter a whole number from -1,000 to 1,000."
    assert 'id="rule-strength-error"' not in html  # a pin's form ignores the strength
    assert "Nothing was saved: check the marked fields." in html
    # What was typed comes back as typed.
    assert ">Red\n\nred</textarea>" in html and 'value="2026-12-10T10:00"' in html
    assert _rules(shop) == [] and _audit(shop) == []

    web.cookies.set("lang", "pl")
    polish = submit(web, PAGE, {**form, "name": "Ok", "values": "tak", "facet": "eco",
                                "starts_at": "", "ends_at": "jutro"}, page=PAGE).text
    assert _error(polish, "rule-ends") == "Podaj datę i godzinę albo zostaw pole puste."
    assert "rule-values-error" not in polish  # "tak" is Polish for yes
    assert _rules(shop) == []


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"match": "products", "product_ids": ""}, "rule-products",
     "Give between 1 and 100 product ids, one per line."),
    ({"match": "products", "product_ids": "a1\nb2\na1"}, "rule-products",
     "Line 3 repeats an earlier line."),
    ({"facet": ""}, "rule-facet", "Choose one of the shop's facets."),
    ({"facet": "price"}, "rule-facet", "Choose one of the shop's facets."),
    ({"facet": "eco", "values": "maybe"}, "rule-values", "Line 1: write “Yes” or “No”."),
    ({"facet": "eco", "values": "yes\nmaybe\n\nYES"}, "rule-values",
     "Line 2: write “Yes” or “No”. Line 4 repeats an earlier line."),
    ({"values": "\n \n"}, "rule-values", "Give between 1 and 100 values, one per line."),
    ({"strength": "11"}, "rule-strength", "Enter a number above 0 and at most 10."),
    ({"strength": "nan"}, "rule-strength", "Enter a number above 0 and at most 10."),
    ({"action": "shout"}, "rule-action", "Choose what the rule does."),
    ({"placements": ["home", "attic"]}, "rule-placements", "Choose at least one place."),
    ({"starts_at": "2026-03-29T02:30"}, "rule-starts",
     "The clocks skip this time in the shop's time zone: choose another."),
    ({"name": "x" * 201}, "rule-name", "Give the rule a name of at most 200 characters."),
])
def test_a_wrong_field_is_named(client: TestClient, shop: Runtime, fields: dict[str, Any],
                                field_id: str, message: str) -> None:
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    answer = submit(web, PAGE, _form(**fields), page=PAGE)
    assert answer.status_code == 422
    assert _error(answer.text, field_id) == message
    assert _rules(shop) == []


def test_a_rule_is_edited_from_its_own_fields(client: TestClient, shop: Runtime) -> None:
    rule = _add(shop, name="Eco week", action="boost", strength=0.5,
                condition={"facet": "eco", "values": ["true"]}, placements=["cart"],
                starts_at="2026-01-01T00:00:00Z")
    web = staff_browser(client, shop, "ola@shop.example", "admin")
    web.cookies.set("lang", "pl")
    edit = web.get(f"{PAGE}/{rule.id}").text
    assert 'value="2026-01-01T01:00"' in edit  # Warsaw's winter time
    assert '>Tak</textarea>' in edit and 'value="0.5"' in edit
    assert 'id="rule-place-cart" name="placements" value="cart" checked' in edit
    assert 'id="rule-place-home" name="placements" value="home">' in edit
    saved = submit(web, f"{PAGE}/{rule.id}", _form(
        name="Eco month", facet="eco", values="Tak", strength="0,75", placements=["cart"],
        starts_at="2026-01-01T01:00", ends_at="2026-02-01T00:00", enabled=""), html=edit)
    assert saved.status_code == 200
    assert "Reguła „Eco month” zapisana." in saved.text
    [changed] = _rules(shop)
    assert (changed.name, changed.strength, changed.enabled) == ("Eco month", 0.75, False)
    assert changed.condition == Condition(facet="eco", values=["true"])
    assert changed.starts_at == rule.starts_at
    assert changed.ends_at == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    assert _audit(shop) == [("staff:ola@shop.example", "merchandising.rules.write",
                             str(rule.id))]
    refused = submit(web, f"{PAGE}/{rule.id}", _form(strength="0"), page=PAGE)
    assert refused.status_code == 422
    assert "Eco month" in refused.text  # still the rule's own page
    assert _rules(shop) == [changed]


def test_deleting_asks_first(client: TestClient, shop: Runtime) -> None:
    rule = _add(shop, name="Old pin", action="pin", position=2,
                condition={"product_ids": ["bar"]})
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    question = web.get(f"{PAGE}/{rule.id}/delete")
    assert question.status_code == 200
    assert "Delete this rule? It stops applying at once" in question.text
    assert "Dark Bar" in question.text and "slot 2" in question.text
    assert _rules(shop) == [rule]  # asking deletes nothing
    done = submit(web, f"{PAGE}/{rule.id}/delete", {}, html=question.text)
    assert "Rule “Old pin” deleted." in done.text
    assert _rules(shop) == []
    again = submit(web, f"{PAGE}/{rule.id}/delete", {}, html=question.text)
    assert again.status_code == 404
    assert "There is no such rule" in again.text
    assert _audit(shop) == [("staff:ola@shop.example", "merchandising.rules.delete",
                             str(rule.id))]


@pytest.mark.parametrize("path", ["999", "abc", "0", "99999999999", "1e3", "%C2%B2"])
def test_an_address_naming_no_rule_is_a_404_page(client: TestClient, shop: Runtime,
                                                 path: str) -> None:
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    for suffix in ("", "/delete"):
        answer = web.get(f"{PAGE}/{path}{suffix}")
        assert answer.status_code == 404, (path, suffix)
        assert "There is no such rule" in answer.text
        posted = submit(web, f"{PAGE}/{path}{suffix}", _form(), page=PAGE)
        assert posted.status_code == 404, (path, suffix)
    assert _rules(shop) == []


def test_a_read_only_account_is_refused_every_write(client: TestClient,
                                                    shop: Runtime) -> None:
    rule = _add(shop, name="Keep", action="hide", condition={"product_ids": ["bar"]})
    web = staff_browser(client, shop, "marek@shop.example", "read_only")
    for path in (f"{PAGE}/{rule.id}", f"{PAGE}/{rule.id}/delete"):
        assert web.get(path).status_code == 403
    for path in (PAGE, f"{PAGE}/{rule.id}", f"{PAGE}/{rule.id}/delete"):
        answer = web.post(path, data={**_form(), "csrf_token": _token(web)},
                          headers={"Origin": origin(web)}, follow_redirects=False)
        assert answer.status_code == 403, path
        assert "Your role does not allow this. Nothing was changed." in answer.text
    assert _rules(shop) == [rule] and _audit(shop) == []


def _token(web: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get(PAGE).text)
    assert found
    return found.group(1)

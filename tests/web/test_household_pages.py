"""The household on the storefront: the header's switcher, the "Manage profiles" page, and
what follows the active profile (likes, rules, recommendations) and what stays the
account's (consent, the data export, erasure). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_products, customer, product
from prefero.customers.household_models import HouseholdProfile
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.runtime import Runtime
from webforms import submit


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as s:
        add_products(s, [product("blocks", category="Toys > Blocks", brand="Bricko"),
                         product("bread", category="Groceries > Bread", brand="Acme")])
        customer(s, "alice", likes=[("brand", "acme", 1.0)])
        customer(s, "bob")
    client.headers.pop("X-API-Key", None)
    response = submit(client, "/login", {"customer_id": "alice"}, page="/login",
                      follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def _shopping_for(html: str) -> str:
    found = re.search(r'<option value="([^"]+)" selected>', html[html.find("profile-choice"):])
    assert found, "no household switcher on the page"
    return found.group(1)


def _add_kids(web: TestClient) -> None:
    added = submit(web, "/profiles", {"name": "Kids", "kind": "child"}, page="/profiles")
    assert added.status_code == 200 and "Profile added: Kids." in added.text


def _likes(runtime: Runtime, customer_id: str) -> set[str]:
    with runtime.session() as s:
        return set(s.scalars(select(Preference.value).where(
            Preference.customer_id == customer_id, Preference.kind == "like")))


def test_add_switch_and_shop_for_a_profile(web: TestClient, runtime: Runtime) -> None:
    page = web.get("/profiles").text
    assert "Shopping for" in page and _shopping_for(page) == "main"
    _add_kids(web)
    switched = submit(web, "/profiles/switch", {"profile": "kids"}, page="/profiles",
                      headers={"Referer": str(web.base_url) + "/preferences"},
                      follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/preferences"
    assert _shopping_for(web.get("/").text) == "kids"
    assert "<strong>Kids</strong>" in web.get("/profiles").text
    liked = submit(web, "/preferences/likes", {"facet": "brand", "value": "bricko"},
                   page="/preferences")
    assert liked.status_code == 200
    assert _likes(runtime, "alice~kids") == {"bricko"}
    assert _likes(runtime, "alice") == {"acme"}  # the account's own stays as it was
    back = submit(web, "/profiles/switch", {"profile": "main"}, page="/")
    assert back.status_code == 200 and _shopping_for(back.text) == "main"


def test_consent_and_the_export_stay_the_accounts(web: TestClient, runtime: Runtime) -> None:
    _add_kids(web)
    submit(web, "/profiles/switch", {"profile": "kids"}, page="/profiles")
    given = submit(web, "/preferences/consents", {"purpose": "tracking", "granted": "true"},
                   page="/preferences")
    assert given.status_code == 200 and "Consent given" in given.text
    with runtime.session() as s:
        owners = {c for c, in s.execute(select(ConsentRecord.customer_id)
                                        .where(ConsentRecord.purpose == "tracking"))}
    assert owners == {"alice", "alice~kids"}  # the account's, mirrored to its profile
    assert web.get("/preferences/export").json()["customer_id"] == "alice"


def test_deleting_the_active_profile_goes_back_to_the_account(
        web: TestClient, runtime: Runtime) -> None:
    _add_kids(web)
    submit(web, "/profiles/switch", {"profile": "kids"}, page="/profiles")
    unconfirmed = submit(web, "/profiles/kids/delete", {}, page="/profiles")
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    deleted = submit(web, "/profiles/kids/delete", {"confirm": "yes"}, page="/profiles")
    assert deleted.status_code == 200 and "Profile deleted: Kids." in deleted.text
    assert _shopping_for(deleted.text) == "main"
    with runtime.session() as s:
        assert s.get(Customer, "alice~kids") is None
        assert s.scalars(select(HouseholdProfile)).all() == []


def test_renaming_and_bad_input(web: TestClient, runtime: Runtime) -> None:
    _add_kids(web)
    empty = submit(web, "/profiles", {"name": "   "}, page="/profiles")
    assert empty.status_code == 422 and "Give the profile a name" in empty.text
    odd = submit(web, "/profiles", {"name": "Gran", "kind": "robot"}, page="/profiles")
    assert odd.status_code == 422 and "Choose one of the listed kinds." in odd.text
    renamed = submit(web, "/profiles/kids/rename", {"name": "The kids"}, page="/profiles")
    assert renamed.status_code == 200 and "Profile renamed: The kids." in renamed.text
    gone = submit(web, "/profiles/nobody/rename", {"name": "X"}, page="/profiles")
    assert gone.status_code == 404 and "no longer exists" in gone.text
    with runtime.session() as s:
        assert list(s.scalars(select(HouseholdProfile.name))) == ["The kids"]


def test_another_accounts_profile_is_out_of_reach(web: TestClient, client: TestClient,
                                                  runtime: Runtime) -> None:
    with runtime.session() as s:
        s.add(Customer(id="bob~secret", household_owner_id="bob"))
        s.flush()
        s.add(HouseholdProfile(owner_id="bob", profile_key="secret", name="Secret",
                               subject_id="bob~secret"))
    submit(web, "/profiles/switch", {"profile": "secret"}, page="/profiles")
    assert _shopping_for(web.get("/").text) == "main"
    renamed = submit(web, "/profiles/secret/rename", {"name": "Mine"}, page="/profiles")
    assert renamed.status_code == 404
    with runtime.session() as s:
        assert s.scalar(select(HouseholdProfile.name)) == "Secret"


def test_a_visitor_has_no_household(client: TestClient, runtime: Runtime) -> None:
    client.headers.pop("X-API-Key", None)
    page = client.get("/profiles").text
    assert "profile-choice" not in page and "Sign in to shop for several people" in page
    refused = submit(client, "/profiles", {"name": "Kids"}, page="/profiles")
    assert refused.status_code == 422 and "Sign in to add profiles." in refused.text
    with runtime.session() as s:
        assert s.scalars(select(HouseholdProfile)).all() == []

"""Coupons on the web: the shopper's page lists open offers with what may be chosen, takes
one code per offer and shows it; a choice the offer does not make changes nothing. The
dashboard shows pools, codes remaining and what was chosen, lets a marketer open a pool
(every wrong field named, nothing stored) and refuses a read-only account the form. Runs
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import add_products, customer, product
from prefero.coupons import service
from prefero.coupons.schemas import PoolIn
from prefero.db.base import utcnow
from prefero.runtime import Runtime
from staff_accounts import staff_browser
from webforms import shopper, submit

CODE = re.compile(r'<strong class="coupon-code">([A-Z0-9]+)</strong>')


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [product("cream", category="Beauty > Skincare",
                                       title="Night cream"),
                               product("shoe", category="Fashion > Shoes")])
    with runtime.session(write=True) as session:
        index = runtime.recommender.snapshot(session)[0]
        now = utcnow()
        service.add_pool(session, PoolIn(
            name="Beauty week", percent_off=Decimal(15), codes_total=5,
            valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=7),
            category_roots=["Beauty"]), index=index, settings=runtime.settings)
    return runtime


def signed_in(client: TestClient, runtime: Runtime, cid: str, **rules: Any) -> TestClient:
    """The browser of account ``cid`` (created with ``rules``), signed in."""
    with runtime.session(write=True) as session:
        customer(session, cid, **rules)
    client.headers.pop("X-API-Key", None)
    response = submit(client, "/login", {"customer_id": cid}, page="/login",
                      follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def test_a_shopper_chooses_a_category_and_gets_one_code(client: TestClient,
                                                        shop: Runtime) -> None:
    web = signed_in(client, shop, "ann")
    page = web.get("/coupons")
    assert 'value="category:Beauty &gt; Skincare"' in page.text
    assert "15% off" in page.text and CODE.findall(page.text) == []
    refused = submit(web, "/coupons", {"pool_id": "1", "option": "category:Fashion"},
                     html=page.text)
    assert refused.status_code == 422 and CODE.findall(refused.text) == []
    chosen = submit(web, "/coupons", {"pool_id": "1",
                                      "option": "category:Beauty > Skincare"},
                    html=page.text, follow_redirects=False)
    assert chosen.status_code == 303
    after = web.get("/coupons").text
    [code] = CODE.findall(after)
    assert f"Your code is ready: {code}" in after
    assert 'id="offer-1"' not in after  # one code per offer
    polish = web.get("/coupons", headers={"Accept-Language": "pl"}).text
    assert "Twoje kupony" in polish and code in polish


def test_an_anonymous_visitor_is_invited_to_sign_in_and_takes_no_code(
        client: TestClient, shop: Runtime) -> None:
    # Each fresh cookie is a new anonymous visitor: were it allowed to choose, a script
    # could empty the pool one cookie at a time.
    web = shopper(client)
    page = web.get("/coupons")
    assert page.status_code == 200
    assert "Sign in to choose your coupons" in page.text and 'id="offer-1"' not in page.text
    refused = submit(web, "/coupons", {"pool_id": "1",
                                       "option": "category:Beauty > Skincare"},
                     html=page.text, follow_redirects=False)
    assert refused.status_code == 403 and "Sign in to choose a coupon." in refused.text
    with shop.session() as session:
        assert service.get_pool(session, 1, settings=shop.settings).issued == 0
    polish = web.get("/coupons", headers={"Accept-Language": "pl"}).text
    assert "Zaloguj się, aby wybrać kupony" in polish


def test_the_page_offers_only_what_the_shoppers_rules_allow(client: TestClient,
                                                            shop: Runtime) -> None:
    with shop.session(write=True) as session:
        add_products(session, [product("serum", category="Beauty > Makeup",
                                       title="Glow serum")])
    web = signed_in(client, shop, "picky", never=[("category", "Beauty > Makeup")])
    page = web.get("/coupons")
    assert 'value="category:Beauty &gt; Skincare"' in page.text
    assert "Beauty &gt; Makeup" not in page.text
    refused = submit(web, "/coupons", {"pool_id": "1", "option": "category:Beauty > Makeup"},
                     html=page.text)
    assert refused.status_code == 422 and CODE.findall(refused.text) == []


def test_the_dashboard_shows_choices_and_a_marketer_opens_a_pool(client: TestClient,
                                                                 shop: Runtime) -> None:
    with shop.session(write=True) as session:
        from prefero.coupons.schemas import CouponChoice
        index = shop.recommender.snapshot(session)[0]
        service.choose(session, customer_id="c1", index=index, settings=shop.settings,
                       now=utcnow(), choice=CouponChoice(pool_id=1,
                                                         category="Beauty > Skincare"))
    web = staff_browser(client, shop, "ola@shop.example", "marketer")
    page = web.get("/dashboard/coupons")
    assert page.status_code == 200
    assert "Beauty week" in page.text and "4 of 5 codes remain." in page.text
    refused = submit(web, "/dashboard/coupons", {
        "name": "Shoes", "kind": "percent", "discount": "10", "codes_total": "3",
        "valid_from": "2026-12-01", "valid_until": "2026-12-31", "categories": "Garden"},
        html=page.text)
    assert refused.status_code == 422
    assert 'id="pool-categories-error"' in refused.text
    with shop.session() as session:
        assert len(service.list_pools(session, settings=shop.settings)) == 1
    opened = submit(web, "/dashboard/coupons", {
        "name": "Shoes", "kind": "amount", "discount": "20", "codes_total": "3",
        "valid_from": "2026-12-01", "valid_until": "2026-12-31",
        "categories": "Fashion > Shoes"}, html=page.text, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    with shop.session() as session:
        assert [p.name for p in service.list_pools(session, settings=shop.settings)] == [
            "Shoes", "Beauty week"]


def test_a_read_only_account_sees_no_form_and_cannot_open_a_pool(client: TestClient,
                                                                 shop: Runtime) -> None:
    web = staff_browser(client, shop, "ro@shop.example", "read_only")
    page = web.get("/dashboard/coupons")
    assert page.status_code == 200 and 'action="/dashboard/coupons"' not in page.text
    refused = submit(web, "/dashboard/coupons", {"name": "x"}, html=page.text)
    assert refused.status_code == 403

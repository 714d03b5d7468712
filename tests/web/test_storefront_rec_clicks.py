"""Following a recommended card on the demo storefront counts a click: the card's links say
where it was shown and why (``?rec=home&why=trending``), and the product page records the
``rec_click`` before the view. Every click counts in the statistics; only with tracking
consent is it kept against the person. An address is anyone's to type: whatever ``rec`` and
``why`` say, the page is served and nothing false is counted."""

from __future__ import annotations

import html as markup
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factories import activity, add_products, product
from prefero.analytics.reasons import PLACEMENTS, is_reason_code
from prefero.analytics.stats import recommendation_stats
from prefero.db.base import utcnow
from prefero.events.models import Event
from prefero.runtime import Runtime
from prefero.types import EventType
from webforms import me, shopper, submit

# A card's title link: its product and the query it carries.
_LINK = re.compile(r'<h3><a href="/p/([^"?]+)(\?[^"]*)?"')


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product(f"p{i}", category="Groceries > Bread" if i % 2 else "Groceries > Pasta",
                    price=5 + i, title=f"Loaf {i}") for i in range(12)])
        activity(session, {f"p{i}": 10 + i for i in range(12)})
    return runtime


def _links(page: str) -> list[tuple[str, dict[str, list[str]]]]:
    """Every card's product and its link's query (``{"rec": [...], "why": [...]}``)."""
    return [(product_id, parse_qs(urlsplit(markup.unescape(query or "")).query))
            for product_id, query in _LINK.findall(page)]


def _clicks(runtime: Runtime) -> dict[tuple[str, str], int]:
    """The statistics' clicks of today, per (placement, reason)."""
    today = utcnow().date()
    with runtime.session() as session:
        stats = recommendation_stats(session, start=today, end=today)
    return {(row.placement or "", row.reason or ""): row.clicks
            for row in stats.rows if row.clicks}


def _stored_clicks(runtime: Runtime) -> list[Event]:
    with runtime.session() as session:
        return list(session.scalars(select(Event).where(
            Event.type == EventType.REC_CLICK.value)))


def test_following_a_home_card_counts_a_click_for_its_placement_and_reason(
        client: TestClient, shop: Runtime) -> None:
    web = shopper(client)
    home = web.get("/").text
    links = _links(home)
    assert links and all(query["rec"] == ["home"] for _, query in links)
    product_id, query = links[0]
    reason = query["why"][0]
    assert is_reason_code(reason)
    assert _clicks(shop) == {}

    answer = web.get(f"/p/{product_id}", params={"rec": "home", "why": reason})
    assert answer.status_code == 200
    assert _clicks(shop) == {("home", reason): 1}
    # No tracking consent: the click counts, but nothing is kept against the visitor.
    assert _stored_clicks(shop) == []


def test_a_reload_or_a_return_to_the_page_is_not_another_click(
        client: TestClient, shop: Runtime) -> None:
    web = shopper(client)
    product_id, query = _links(web.get("/").text)[0]
    address = f"/p/{product_id}?rec=home&why={query['why'][0]}"
    page = web.get(address).text
    web.get(address)
    # The page's forms come back to it without the click report.
    assert "rec=home" not in "".join(re.findall(r'name="back" value="([^"]*)"', page))
    submit(web, "/dismiss", {"product_id": "p1", "placement": "product",
                             "back": f"/p/{product_id}"}, html=page)
    assert sum(_clicks(shop).values()) == 1
    # Another card followed is another click.
    other, other_query = _links(page)[0]
    web.get(f"/p/{other}", params={"rec": "product", "why": other_query["why"][0]})
    assert sum(_clicks(shop).values()) == 2
    assert ("product", other_query["why"][0]) in _clicks(shop)


def test_with_tracking_consent_the_click_is_kept_and_followed_to_the_cart(
        client: TestClient, shop: Runtime) -> None:
    web = shopper(client)
    # The shopper allows tracking in the preference center.
    allowed = submit(web, "/preferences/consents", {"purpose": "tracking", "granted": "true"},
                     follow_redirects=False)
    assert allowed.status_code == 303
    product_id, query = _links(web.get("/").text)[0]
    reason = query["why"][0]
    web.get(f"/p/{product_id}", params={"rec": "home", "why": reason})
    submit(web, "/cart/add", {"product_id": product_id})
    (stored,) = _stored_clicks(shop)
    assert (stored.customer_id, stored.product_id, stored.placement, stored.reason) == (
        me(web), product_id, "home", reason)
    today = utcnow().date()
    with shop.session() as session:
        stats = recommendation_stats(session, start=today, end=today, placement="home")
    (row,) = [r for r in stats.rows if r.reason == reason]
    assert (row.clicks, row.followed_clicks, row.add_to_carts) == (1, 1, 1)


def test_cart_and_checkout_cards_report_their_placement(client: TestClient,
                                                        shop: Runtime) -> None:
    web = shopper(client)
    submit(web, "/cart/add", {"product_id": "p3"})
    cart = _links(web.get("/cart").text)
    assert cart and {q["rec"][0] for _, q in cart} == {"cart"}
    checkout = _links(web.get("/checkout").text)
    assert checkout and {q["rec"][0] for _, q in checkout} == {"checkout"}
    product_id, query = checkout[0]
    web.get(f"/p/{product_id}", params={"rec": "checkout", "why": query["why"][0]})
    assert _clicks(shop) == {("checkout", query["why"][0]): 1}


def test_listings_do_not_report_clicks(client: TestClient, shop: Runtime) -> None:
    web = shopper(client)
    for page in ("/c/Groceries/Bread", "/search?q=loaf"):
        links = _links(web.get(page).text)
        assert links and all(query == {} for _, query in links), page


def test_a_reason_prefero_does_not_give_counts_as_not_reported(
        client: TestClient, shop: Runtime) -> None:
    web = shopper(client)
    assert web.get("/p/p2", params={"rec": "cart", "why": "because"}).status_code == 200
    assert _clicks(shop) == {("cart", "unknown"): 1}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rec=st.one_of(st.sampled_from([*PLACEMENTS, "other", "HOME", ""]), st.text()),
       why=st.one_of(st.sampled_from(["trending", "similar", "unknown", ""]), st.text()))
def test_any_click_report_serves_the_page_and_counts_only_a_tracked_placement(
        client: TestClient, shop: Runtime, rec: str, why: str) -> None:
    before = _clicks(shop)
    answer = client.get("/p/p4", params={"rec": rec, "why": why})
    assert answer.status_code == 200
    assert "Loaf 4" in answer.text
    added = {key: n - before.get(key, 0) for key, n in _clicks(shop).items()
             if n != before.get(key, 0)}
    if rec in ("home", "product", "cart", "checkout"):
        # Once per visitor, card and half hour: a repeat of an earlier example adds nothing.
        assert set(added) <= {(rec, why if is_reason_code(why) else "unknown")}
        assert all(n == 1 for n in added.values())
    else:
        assert added == {}


def test_an_unknown_product_followed_from_a_card_is_the_usual_not_found(
        client: TestClient, shop: Runtime) -> None:
    answer = client.get("/p/nothing", params={"rec": "home", "why": "trending"})
    assert answer.status_code == 404
    assert _clicks(shop) == {}


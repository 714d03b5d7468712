"""The storefront's pages over HTTP: status codes, the customer's rules on every listing (and
the switch that shows everything), "Not for me", the cart and checkout, and that the
customer is always the session's own."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prefero.catalog.models import Product
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import put_preferences
from prefero.customers.schemas import Constraint, PreferencesIn
from prefero.demo import load_demo
from prefero.events.models import Event
from prefero.runtime import Runtime
from prefero.web.i18n import Translator
from prefero.web.routes.storefront import category_href, format_price, translate_sentence
from webforms import submit

CARD = re.compile(r'<li class="card product-card" data-product-id="([^"]+)"')
GLUTEN_PERSONA = "c00001"


def cards(html: str) -> list[str]:
    return CARD.findall(html)


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> TestClient:
    load_demo(runtime, products=300, customers=80)
    return client


def _facets(runtime: Runtime, product_id: str) -> dict[str, object]:
    with runtime.session() as session:
        product = session.get(Product, product_id)
        assert product is not None
        return dict(product.facets)


def _products(runtime: Runtime) -> list[Product]:
    with runtime.session() as session:
        found = list(session.scalars(select(Product).order_by(Product.id)))
        session.expunge_all()
        return found


def _plain_customer(runtime: Runtime) -> str:
    """A known demo customer who declared nothing, so the test's rule is the only one."""
    with runtime.session() as session:
        declared = select(Preference.customer_id)
        customer_id = session.scalar(
            select(Customer.id).where(Customer.anonymous.is_(False), Customer.id.not_in(declared))
            .order_by(Customer.id))
    assert customer_id is not None
    return customer_id


def _never(runtime: Runtime, customer_id: str, facet: str, value: str) -> None:
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, schema=runtime.facet_schema,
                        settings=runtime.settings,
                        prefs=PreferencesIn(constraints=[Constraint(facet=facet, op="never",
                                                                    values=[value])]))


def test_pages_answer_with_the_right_status(shop: TestClient, runtime: Runtime) -> None:
    product = next(p for p in _products(runtime) if p.category.startswith("Groceries"))
    assert shop.get("/").status_code == 200
    assert shop.get(category_href("Groceries")).status_code == 200
    assert shop.get(category_href(product.category)).status_code == 200
    assert shop.get("/search", params={"q": "bread"}).status_code == 200
    assert shop.get("/search").status_code == 200
    assert shop.get(f"/p/{product.id}").status_code == 200
    assert shop.get("/cart").status_code == 200
    missing = shop.get("/p/no-such-product")
    assert missing.status_code == 404
    assert "does not exist" in missing.text
    assert shop.get("/c/No Such Department").status_code == 404
    assert submit(shop, "/cart/add", {"product_id": "no-such-product"}).status_code == 404
    # checkout with an empty cart goes back to the cart
    assert shop.get("/checkout", follow_redirects=False).headers["location"] == "/cart"


def test_a_never_rule_holds_on_every_page_and_show_all_lifts_it(
        shop: TestClient, runtime: Runtime) -> None:
    customer_id = _plain_customer(runtime)
    submit(shop, "/login", {"customer_id": customer_id}, page="/login")
    first = cards(shop.get("/").text)[0]
    brand = str(_facets(runtime, first)["brand"])
    leaf = next(p.category for p in _products(runtime) if p.id == first)
    _never(runtime, customer_id, "brand", brand)
    branded = {p.id for p in _products(runtime) if p.facets.get("brand") == brand}

    home = shop.get("/").text
    assert cards(home) and not branded & set(cards(home))

    listing = shop.get(category_href(leaf))
    assert listing.status_code == 200
    assert not branded & set(cards(listing.text))
    assert f"hidden by your preferences (never brand: {brand})" in listing.text
    assert 'aria-live="polite"' in listing.text

    everything = shop.get(category_href(leaf), params={"all": "1"}).text
    assert "Showing everything, ignoring your preferences." in everything
    assert first in cards(everything)

    title = next(p.title for p in _products(runtime) if p.id == first)
    found = shop.get("/search", params={"q": title}).text
    assert first not in cards(found) and not branded & set(cards(found))
    assert "hidden by your preferences" in found
    assert first in cards(shop.get("/search", params={"q": title, "all": "1"}).text)

    neighbour = next(p.id for p in _products(runtime)
                     if p.category == leaf and p.facets.get("brand") != brand)
    product_page = shop.get(f"/p/{neighbour}").text
    assert not branded & set(cards(product_page))
    # Reached directly, the excluded product itself says why it is not offered elsewhere.
    assert f"never brand: {brand}" in shop.get(f"/p/{first}").text


def test_the_gluten_persona_sees_no_gluten(shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    gluten = {p.id for p in _products(runtime) if "gluten" in (p.facets.get("allergens") or [])}
    assert gluten
    for url in ("/", category_href("Groceries"), category_href("Groceries > Bakery"),
                "/search?q=bread"):
        shown = set(cards(shop.get(url).text))
        assert not gluten & shown, url
    assert gluten & set(cards(shop.get("/search?q=bread&all=1").text))


def test_a_customer_id_in_the_query_string_is_ignored(shop: TestClient,
                                                      runtime: Runtime) -> None:
    # An anonymous visitor asks for the gluten persona's pages: they get their own.
    gluten = {p.id for p in _products(runtime) if "gluten" in (p.facets.get("allergens") or [])}
    page = shop.get("/search", params={"q": "bread", "customer_id": GLUTEN_PERSONA}).text
    assert gluten & set(cards(page))
    assert "hidden by your preferences" not in page
    home = shop.get("/", params={"customer_id": GLUTEN_PERSONA}).text
    assert GLUTEN_PERSONA not in home


def test_not_for_me_removes_the_item_for_good(shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    home = cards(shop.get("/").text)
    gone, also_gone = home[0], home[1]
    # htmx: the card is swapped for nothing; a live region says what happened
    swapped = submit(shop, "/dismiss", {"product_id": gone, "placement": "home", "back": "/"},
                     headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert "data-product-id" not in swapped.text
    assert 'hx-swap-oob="true"' in swapped.text
    assert gone not in cards(shop.get("/").text)
    leaf = next(p.category for p in _products(runtime) if p.id == gone)
    assert gone not in cards(shop.get(category_href(leaf)).text)
    # without JavaScript: a form post and back to the page, never to another site
    plain = submit(shop, "/dismiss", {"product_id": also_gone, "back": "https://evil.test/"},
                   follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/"
    assert also_gone not in cards(shop.get("/").text)
    with runtime.session() as session:
        kinds = set(session.scalars(select(Event.type).where(
            Event.customer_id == GLUTEN_PERSONA, Event.product_id == gone)))
    assert "rec_dismiss" in kinds


def test_an_anonymous_dismissal_creates_the_visitor(shop: TestClient) -> None:
    first = cards(shop.get("/").text)[0]
    submit(shop, "/dismiss", {"product_id": first}, headers={"HX-Request": "true"})
    assert first not in cards(shop.get("/").text)


def test_cart_complements_add_ons_and_checkout(shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    camera = next(p for p in _products(runtime) if p.category.startswith("Electronics > Cameras")
                  and "photo" in (p.facets.get("use") or []))
    cart = submit(shop, "/cart/add", {"product_id": camera.id})
    assert cart.status_code == 200 and str(cart.url).endswith("/cart")
    assert f'data-product-id="{camera.id}"' in cart.text
    assert cards(cart.text), "the cart suggests complements"
    assert camera.id not in cards(cart.text)

    checkout = shop.get("/checkout").text
    offered = re.findall(r'name="add_on" value="([^"]+)"', checkout)
    assert offered, "a camera in the cart brings its add-on services"
    assert not re.search(r"<input[^>]*\bchecked", checkout), "never pre-selected"
    services = {p.id for p in _products(runtime) if "Services" in p.category}
    assert set(offered) <= services

    done = submit(shop, "/checkout", {"add_on": [offered[0], "not-offered"]}, page="/checkout")
    assert done.status_code == 200 and "Thank you for your order!" in done.text
    assert "Your cart is empty." in shop.get("/cart").text
    with runtime.session() as session:
        bought = set(session.scalars(select(Event.product_id).where(
            Event.customer_id == GLUTEN_PERSONA, Event.type == "purchase")))
    assert {camera.id, offered[0]} <= bought
    assert "not-offered" not in bought


def test_polish_pages_and_prices(shop: TestClient) -> None:
    polish = {"Accept-Language": "pl-PL"}
    home = shop.get("/", headers=polish).text
    assert "Dlaczego to?" in home and "Nie dla mnie" in home
    assert re.search(r"\d,\d\d zł", home)
    assert re.search(r"\d\.\d\d zł", shop.get("/").text)
    assert format_price(129.99, "pl") == "129,99 zł"
    assert format_price(129.99, "en") == "129.99 zł"
    catalogue = Translator("pl", {"Similar to {title}": "Podobne do: {title}"})
    assert translate_sentence("Similar to Tee > 2", catalogue) == "Podobne do: Tee > 2"

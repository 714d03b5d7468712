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
from prefero.web.routes.storefront import category_href
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
    spelled = next(p.brand for p in _products(runtime) if p.facets.get("brand") == brand)
    assert f"hidden by your preferences (never {spelled})" in listing.text
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
    assert f"never {spelled}" in shop.get(f"/p/{first}").text


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
    assert not re.search(r'<input[^>]*name="add_on"[^>]*\bchecked', checkout), \
        "never pre-selected"
    services = {p.id for p in _products(runtime) if "Services" in p.category}
    assert set(offered) <= services
    # The demo shop delivers in windows: the page pre-selects the best one for the customer.
    window = re.search(r'name="delivery_window" value="([^"]+)"[^>]*\bchecked', checkout)
    assert window is not None

    done = submit(shop, "/checkout", {"add_on": [offered[0], "not-offered"],
                                      "delivery_window": window.group(1)}, page="/checkout")
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
    # Babel's money formats: the decimal comma and "zł" in Polish, "PLN" before the amount in
    # English
    assert re.search(r"\d,\d\d\xa0zł", home)
    assert re.search(r"PLN\xa0\d[\d,]*\.\d\d", shop.get("/").text)


UNLABELLED_FEED = (
    b'<rss xmlns:g="http://base.google.com/ns/1.0"><channel>'
    b"<item><g:id>feed-wheat-loaf</g:id><title>Wheat Bread Loaf</title>"
    b"<g:price>7.90 PLN</g:price><g:product_type>Groceries &gt; Bakery &gt; Bread"
    b"</g:product_type></item>"
    b"<item><g:id>feed-rice-cake</g:id><title>Wheatless Rice Cake</title>"
    b"<g:price>4.90 PLN</g:price><g:product_type>Groceries &gt; Bakery &gt; Bread"
    b"</g:product_type><g:product_detail><g:section_name>Allergens</g:section_name>"
    b"<g:attribute_name>Allergens</g:attribute_name><g:attribute_value>none"
    b"</g:attribute_value></g:product_detail></item>"
    b"</channel></rss>")


def test_an_unlabelled_import_is_hidden_from_the_gluten_persona_and_counted_apart(
        shop: TestClient, runtime: Runtime) -> None:
    """Finding 7 of issue 11: a feed carries no allergen data, so its bread is not safe for
    a customer who never wants gluten; the listing says how many such products it hid."""
    imported = shop.post("/v1/catalog/import", params={"format": "xml"},
                         content=UNLABELLED_FEED)
    assert imported.status_code == 200, imported.text
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    loaf, cake = "feed-wheat-loaf", "feed-rice-cake"
    for url in ("/", category_href("Groceries > Bakery > Bread"), "/search?q=wheat"):
        page_ = shop.get(url).text
        assert loaf not in cards(page_), url
    listing = shop.get(category_href("Groceries > Bakery > Bread")).text
    assert cake in cards(listing)  # "none" is a statement: shown
    assert re.search(r"\d+ hidden: Allergens: no information", listing)
    found = shop.get("/search", params={"q": "wheat"}).text
    assert "1 hidden: Allergens: no information" in found
    assert loaf in cards(shop.get("/search", params={"q": "wheat", "all": "1"}).text)
    # reached directly, the product says why it is not offered
    assert "Allergens: no information" in shop.get(f"/p/{loaf}").text
    polish = shop.get(category_href("Groceries > Bakery > Bread"),
                      headers={"Accept-Language": "pl"}).text
    assert re.search(r"ukryto \d+: Alergeny: brak informacji", polish)


# --- labels follow truth (issue 11, finding 8) -------------------------------------------

EXPLORE_BADGE = '<p class="badge explore">'
LIKES_GROCERIES = {"facet": "category", "value": "Groceries", "weight": 1}


def _headings(html: str) -> list[str]:
    return re.findall(r'<h2 id="row-[^"]+">([^<]+)</h2>', html)


def test_rows_are_named_by_what_placed_their_items(shop: TestClient,
                                                   runtime: Runtime) -> None:
    # An anonymous visitor has told nothing and done nothing the shop may use.
    stranger = shop.get("/").text
    assert "Picked for you" not in stranger
    assert _headings(stranger)[0] == "Popular and new"
    assert _headings(shop.get("/", headers={"Accept-Language": "pl"}).text)[0] == \
        "Popularne i nowe"
    # A customer whose likes place the row.
    customer_id = _plain_customer(runtime)
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn.model_validate(
                            {"likes": [LIKES_GROCERIES]}))
    submit(shop, "/login", {"customer_id": customer_id}, page="/login")
    assert _headings(shop.get("/").text)[0] == "Picked for you"


def test_level_off_has_no_personal_row_and_no_exploration(shop: TestClient,
                                                          runtime: Runtime) -> None:
    customer_id = _plain_customer(runtime)
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn.model_validate(
                            {"likes": [LIKES_GROCERIES],
                             "level": "off", "exploration": True}))
    submit(shop, "/login", {"customer_id": customer_id}, page="/login")
    home = shop.get("/").text
    assert "Picked for you" not in home
    assert EXPLORE_BADGE not in home
    product_id = cards(home)[0]
    assert EXPLORE_BADGE not in shop.get(f"/p/{product_id}").text
    # The same customer at another level gets both back.
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn.model_validate(
                            {"likes": [LIKES_GROCERIES],
                             "level": "declared", "exploration": True}))
    home = shop.get("/").text
    assert "Picked for you" in home and EXPLORE_BADGE in home


def test_checkout_shows_what_goes_with_the_order(shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    camera = next(p for p in _products(runtime) if p.category.startswith("Electronics > Cameras")
                  and "photo" in (p.facets.get("use") or []))
    submit(shop, "/cart/add", {"product_id": camera.id})
    page = shop.get("/checkout").text
    offered = set(re.findall(r'name="add_on" value="([^"]+)"', page))
    row = page.split('id="row-checkout"')[1]
    assert _headings(page) == ["Complete your order"]
    shown = cards(row)
    assert shown, "the checkout page recommends what goes with the order"
    assert camera.id not in shown and not offered & set(shown)
    departments = {p.id: p.category.split(" > ")[0] for p in _products(runtime)}
    assert all(departments[pid] == "Electronics" for pid in shown), shown
    assert 'name="placement" value="checkout"' in row
    polish = shop.get("/checkout", headers={"Accept-Language": "pl"}).text
    assert "Uzupełnij zamówienie" in polish


def _title(runtime: Runtime, product_id: str) -> str:
    with runtime.session() as session:
        found = session.get(Product, product_id)
        assert found is not None
        return found.title


def _dismissed(runtime: Runtime, customer_id: str) -> list[str]:
    with runtime.session() as session:
        return list(session.scalars(select(Preference.value).where(
            Preference.customer_id == customer_id, Preference.kind == "dismiss")))


def test_not_for_me_shows_hidden_with_undo_and_undo_brings_the_card_back(
        shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    before = _dismissed(runtime, GLUTEN_PERSONA)
    gone = cards(shop.get("/").text)[0]
    title = _title(runtime, gone)
    swapped = submit(shop, "/dismiss", {"product_id": gone, "placement": "home", "back": "/"},
                     headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    placeholder = swapped.text
    assert f'data-dismissed-id="{gone}"' in placeholder
    assert ">Hidden</strong>" in placeholder and 'action="/dismiss/undo"' in placeholder
    assert "Undo<span" in placeholder and re.search(r"csrf_token", placeholder)
    assert gone in _dismissed(runtime, GLUTEN_PERSONA)

    restored = submit(shop, "/dismiss/undo", {"product_id": gone, "placement": "home",
                                              "back": "/"}, headers={"HX-Request": "true"})
    assert restored.status_code == 200
    assert cards(restored.text) == [gone]  # the card again, in the placeholder's place
    assert f"Shown again: {title}." in restored.text
    assert _dismissed(runtime, GLUTEN_PERSONA) == before


def test_without_javascript_the_next_page_offers_the_undo_once(
        shop: TestClient, runtime: Runtime) -> None:
    submit(shop, "/login", {"customer_id": GLUTEN_PERSONA}, page="/login")
    gone = cards(shop.get("/").text)[0]
    title = _title(runtime, gone)
    plain = submit(shop, "/dismiss", {"product_id": gone, "placement": "home", "back": "/"},
                   follow_redirects=False)
    assert plain.status_code == 303
    landed = shop.get("/").text
    assert gone not in cards(landed)
    bar = re.search(r'<div class="notice undo-bar".*?</div>', landed, re.S)
    assert bar is not None and f"Hidden: {title}." in bar.group(0)
    assert f'name="product_id" value="{gone}"' in bar.group(0)
    assert "undo-bar" not in shop.get("/").text  # said once, like a flashed message

    undone = submit(shop, "/dismiss/undo", {"product_id": gone, "placement": "home",
                                            "back": "https://evil.test/"},
                    html=landed, follow_redirects=False)
    assert undone.status_code == 303 and undone.headers["location"] == "/"
    assert gone not in _dismissed(runtime, GLUTEN_PERSONA)


def test_every_card_and_cart_line_shows_the_products_picture(
        shop: TestClient, runtime: Runtime) -> None:
    home = shop.get("/").text
    for product_id in cards(home):
        assert f'<img class="thumb" src="/img/products/{product_id}"' in home
    # A product sold without sizes goes into the cart from its card at once.
    first = next(p for p in cards(home) if not _facets(runtime, p).get("size"))
    submit(shop, "/cart/add", {"product_id": first})
    cart = shop.get("/cart").text
    assert f'src="/img/products/{first}"' in cart
    picture = shop.get(f"/img/products/{first}")
    assert picture.status_code == 200 and picture.text.startswith("<svg")

"""The measurements page and the storefront's size advice: the page shows the fit consent
and lets the shopper give it, saves and erases measurements (bad input: 422 next to the
field, nothing saved); the product page then pre-selects the recommended size with its
reason, in English and Polish; cards say "Your size". Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from apikeys import INGEST_KEY
from factories import add_products, product
from prefero.runtime import Runtime
from sql_statements import statements as recorded
from webforms import me, submit

PAGE = "/preferences/measurements"


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("tee", category="Fashion > Tops > T-Shirts", brand="H&M",
                    facets={"size": ["s", "m", "l"]}, title="Plain tee"),
            product("tee2", category="Fashion > Tops > T-Shirts", brand="H&M",
                    facets={"size": ["m", "l"]}, title="Striped tee"),
            product("coat", category="Fashion > Outerwear > Coats", brand="Massimo Dutti",
                    title="Tailored coat"),
        ])
    # The shopper's browser: no API key; the session cookie from this page.
    client.headers.pop("X-API-Key", None)
    assert client.get(PAGE).status_code == 200
    return client


def test_consent_then_measurements_then_advice_on_the_product_page(web: TestClient) -> None:
    page = web.get(PAGE)
    assert page.status_code == 200 and 'id="fit-consent-state"' in page.text
    assert 'id="measurements-save" disabled' in page.text
    refused = submit(web, PAGE, {"chest": "98", "fit": "regular"}, html=page.text)
    assert refused.status_code == 409  # no consent: nothing saved
    granted = submit(web, f"{PAGE}/consent", {"granted": "true"}, html=page.text,
                     follow_redirects=False)
    assert granted.status_code == 303
    bad = submit(web, PAGE, {"chest": "980", "fit": "regular"}, page=PAGE)
    assert bad.status_code == 422 and 'id="m-chest-error"' in bad.text
    saved = submit(web, PAGE, {"chest": "98,5", "fit": "regular"}, page=PAGE,
                   follow_redirects=False)
    assert saved.status_code == 303
    assert 'value="98.5"' in web.get(PAGE).text
    product_page = web.get("/p/tee").text
    assert "Size M: your chest 98.5 cm is in M&#39;s 96–104 cm" in product_page
    assert '<option value="M" selected>' in product_page
    assert "Your size: M" in web.get("/p/tee2").text or 'class="your-size"' not in \
        web.get("/p/tee2").text
    polish = web.get("/p/tee", headers={"Accept-Language": "pl"}).text
    assert "Rozmiar M: obwód klatki piersiowej 98,5 cm" in polish
    assert "Na miarę" in web.get("/p/coat", headers={"Accept-Language": "pl"}).text
    erased = submit(web, f"{PAGE}/delete", {}, page=PAGE, follow_redirects=False)
    assert erased.status_code == 303
    assert 'name="size"' in web.get("/p/tee").text
    assert "your chest" not in web.get("/p/tee").text


def _measured(web: TestClient, chest: str = "98,5", fit: str = "slim") -> None:
    """Consent given and measurements saved through the page's own forms."""
    submit(web, f"{PAGE}/consent", {"granted": "true"}, page=PAGE)
    saved = submit(web, PAGE, {"chest": chest, "fit": fit}, page=PAGE,
                   follow_redirects=False)
    assert saved.status_code == 303


def _returned(web: TestClient, *, size: str, reason: str, event_id: str = "r-1") -> None:
    """A return of the plain tee by this browser's customer, sent by the shop's backend."""
    sent = web.post("/v1/events", headers={"X-API-Key": INGEST_KEY}, json={"events": [
        {"event_id": event_id, "type": "return", "customer_id": me(web),
         "product_id": "tee", "reason": reason, "size": size}]})
    assert sent.status_code in (200, 202), sent.text


def _known(web: TestClient, language: str) -> str:
    """The "What we know about you" section of the preference centre, as text."""
    text = web.get("/preferences", headers={"Accept-Language": language}).text
    start = text.index('id="known-fit"')
    return text[start:text.index("</p>", text.index("/preferences/measurements", start))]


def test_what_we_know_shows_measurements_fit_and_returns_in_words(web: TestClient) -> None:
    _measured(web)
    _returned(web, size="M", reason="too_small")
    english = _known(web, "en")
    assert "<dt>Chest</dt><dd>98.5 cm</dd>" in english
    assert "<dt>Fit</dt><dd>Slim</dd>" in english
    assert "You sent back Plain tee in size M as too small" in english
    assert "Waist" not in english  # only what is held
    polish = _known(web, "pl")
    assert "<dt>Klatka piersiowa</dt><dd>98,5 cm</dd>" in polish
    assert "<dt>Krój</dt><dd>Dopasowany</dd>" in polish
    assert "Odesłano Plain tee w rozmiarze M, bo okazał się za mały" in polish
    for raw in ("too_small", "slim", "98.5", "Chest", "You sent back"):
        assert raw not in polish.replace('id="known-fit', "")
    assert 'id="known-fit-unused"' not in polish  # in use: the consent is on


def test_what_we_know_says_nothing_of_fit_when_nothing_is_held(web: TestClient) -> None:
    submit(web, f"{PAGE}/consent", {"granted": "true"}, page=PAGE)
    assert 'id="known-fit"' not in web.get("/preferences").text
    _measured(web)
    assert 'id="known-fit"' in web.get("/preferences").text
    # Withdrawing the consent deletes the measurements, and the view follows.
    submit(web, f"{PAGE}/consent", {"granted": "false"}, page=PAGE)
    assert 'id="known-fit"' not in web.get("/preferences").text


def test_listing_cards_say_your_size_from_one_advisor(web: TestClient) -> None:
    assert "Your size" not in web.get("/c/Fashion").text  # no measurements yet
    _measured(web, chest="98", fit="regular")
    category = web.get("/c/Fashion").text
    assert category.count("Your size: M") == 2  # both tees come in M; the coat has no sizes
    polish = web.get("/c/Fashion", headers={"Accept-Language": "pl"}).text
    assert polish.count("Twój rozmiar: M") == 2
    found = web.get("/search", params={"q": "tee"}).text
    assert "Your size: M" in found


def test_a_sized_product_needs_a_size_in_the_form(web: TestClient) -> None:
    # No advice: the select is required and starts on a placeholder it cannot send.
    page = web.get("/p/tee").text
    assert re.search(r'<select id="size-choice" name="size" required>', page)
    assert '<option value="" disabled selected>Choose a size</option>' in page
    _measured(web, chest="98", fit="regular")
    advised = web.get("/p/tee").text
    assert '<select id="size-choice" name="size" required>' in advised
    assert '<option value="M" selected>' in advised
    assert 'value=""' not in advised[advised.index('id="size-choice"'):
                                     advised.index("</select>")]
    # A product without sizes asks for none.
    assert 'id="size-choice"' not in web.get("/p/coat").text


def test_a_listing_with_size_advice_reads_the_consents_once(web: TestClient,
                                                            runtime: Runtime) -> None:
    _measured(web)
    web.get("/c/Fashion")  # the first visit warms what is read once per process
    with recorded(runtime.engine, naming="consent_records") as reads:
        listing = web.get("/c/Fashion").text
    assert "Your size: M" in listing  # the cards' advice did use the fit consent
    # The header, the cards' advice and the prompts' watcher share one read of the ledger.
    assert len(reads) == 1
    # Withdrawn, the consent acts on the next page at once.
    submit(web, f"{PAGE}/consent", {"granted": "false"}, page=PAGE)
    assert "Your size" not in web.get("/c/Fashion").text

"""The storefront configurator page, driven like a browser without JavaScript (forms, 303
redirects) and like htmx (the same route answering the swapped part): it evaluates choices,
says why an option cannot be chosen, saves only for the session's visitor, and refuses bad
input with a 4xx."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.configurators.service import list_configurations
from prefero.quizzes.publish import publish_library
from prefero.runtime import Runtime
from webforms import PREFERENCES, me, origin, submit

LAPTOP = "cfg-laptop-14"
PAGE = f"/configure/{LAPTOP}"
HTMX = {"HX-Request": "true"}
# The demo definition's defaults (src/prefero/catalog/configurators.yaml).
DEFAULTS = {"processor": "core-i5", "memory": "ram-16", "storage": "ssd-512",
            "graphics": "integrated", "power": "w100", "case": "aluminium",
            "colour": "silver"}


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [
            product(LAPTOP, category="Electronics > Computers > Laptops", brand="Prefero",
                    title="Prefero Build 14 laptop", price=3999),
            product("plain", category="Electronics > Computers > Laptops", brand="Acme",
                    title="Plain laptop", price=2999),
        ])
    runtime.recommender.refresh()
    return _shopper(client)


def _shopper(client: TestClient) -> TestClient:
    """A browser: no API key, the session cookie from the configurator's first page."""
    client.headers.pop("X-API-Key", None)
    assert client.get(PAGE).status_code == 200
    return client


def _form(choices: Mapping[str, object], **extra: str) -> dict[str, object]:
    return {**{f"choice:{group}": value for group, value in choices.items()}, **extra}


def _checked(html: str, group: str) -> list[str]:
    return re.findall(rf'name="choice:{group}" value="([^"]*)" checked', html)


def _price(html: str) -> str:
    found = re.search(r'id="cfg-price">([^<]+)<', html)
    assert found, "no price on the page"
    return found.group(1)


def _option(html: str, ref: str) -> str:
    found = re.search(rf'<li class="cfg-option[^"]*" data-option="{re.escape(ref)}">(.*?)</li>',
                      html, re.S)
    assert found, f"no option {ref} on the page"
    return found.group(1)


def test_the_page_shows_the_groups_the_price_and_the_delivery(web: TestClient) -> None:
    html = web.get(PAGE).text
    assert "Configure Prefero Build 14 laptop" in html
    for label in ("Processor", "Memory", "Graphics", "Power adapter", "Engraving", "Extras"):
        assert f"<legend>{label}" in html
    assert {group: _checked(html, group) for group in DEFAULTS} == {
        group: [key] for group, key in DEFAULTS.items()}
    # Base 3 999 + the aluminium case 350.
    assert _price(html) == "PLN\u00a04,349.00"
    assert "Estimated delivery between" in html
    # An optional single choice offers "None"; extras are checkboxes, none pre-selected.
    assert 'id="opt-engraving--none"' in html and _checked(html, "extras") == []
    assert 'type="checkbox" id="opt-extras-sleeve"' in html


def test_choices_are_evaluated_anew_and_htmx_gets_the_swapped_part(web: TestClient) -> None:
    page = web.get(PAGE).text
    chosen = {**DEFAULTS, "graphics": "rtx-4060", "power": "w180", "extras": ["sleeve"]}
    swapped = submit(web, PAGE, _form(chosen), html=page, headers=HTMX)
    assert swapped.status_code == 200 and "<html" not in swapped.text
    # 3 999 + 350 + 1 800 + 150 + 149, rounded once.
    assert _price(swapped.text) == "PLN\u00a06,448.00"
    assert 'id="cfg-announce" hx-swap-oob="innerHTML">Price: PLN\u00a06,448.00' in swapped.text
    assert _checked(swapped.text, "extras") == ["sleeve"]
    # Without JavaScript the same post answers the whole page.
    full = submit(web, PAGE, _form(chosen), html=page)
    assert full.status_code == 200 and "<html" in full.text
    assert _price(full.text) == "PLN\u00a06,448.00"


def test_an_unavailable_option_says_why_in_plain_words(web: TestClient) -> None:
    page = web.get(PAGE).text
    rtx = _option(page, "graphics.rtx-4070")
    assert "disabled" in rtx
    assert "it needs the 240 W adapter" in rtx
    plastic = submit(web, PAGE, _form({**DEFAULTS, "case": "plastic"}), html=page,
                     headers=HTMX).text
    laser = _option(plastic, "engraving.laser")
    assert "disabled" in laser and "Engraving is only possible on the aluminium case" in laser
    # A broken rule on chosen options is shown, and the configuration cannot be saved.
    broken = submit(web, PAGE, _form({**DEFAULTS, "graphics": "rtx-4070"}), html=page).text
    assert "the 240 W adapter" in broken and 'id="cfg-blocked"' in broken
    assert re.search(r'formaction="[^"]+/save" disabled', broken)


def test_saving_goes_to_the_sessions_customer_only(web: TestClient, runtime: Runtime) -> None:
    page = web.get(PAGE).text
    chosen = {**DEFAULTS, "memory": "ram-32"}
    saved = submit(web, f"{PAGE}/save", _form(chosen, name="My work laptop"), html=page,
                   follow_redirects=False)
    assert saved.status_code == 303
    mine = me(web)
    with runtime.session() as session:
        rows = list_configurations(session, customer_id=mine)
    assert [(row.name, row.choices["memory"], row.price) for row in rows] == [
        ("My work laptop", "ram-32", Decimal("4949.00"))]
    shown = web.get(saved.headers["location"]).text
    assert "Saved to your profile as “My work laptop”." in shown
    assert _checked(shown, "memory") == ["ram-32"]

    # Another visitor cannot open or delete it by its id, and saves only for themselves.
    other = _shopper(TestClient(web.app))
    theirs = other.get(f"{PAGE}?configuration={rows[0].id}").text
    assert "My work laptop" not in theirs and _checked(theirs, "memory") == ["ram-16"]
    center = other.get(PREFERENCES).text
    submit(other, f"/preferences/configurations/{rows[0].id}/delete",
           {"name": "x"}, html=center)
    with runtime.session() as session:
        assert len(list_configurations(session, customer_id=mine)) == 1
        assert list_configurations(session, customer_id=me(other)) == []


def test_the_preference_center_lists_saved_configurations_in_words(web: TestClient,
                                                                   runtime: Runtime) -> None:
    page = web.get(PAGE).text
    submit(web, f"{PAGE}/save", _form({**DEFAULTS, "extras": ["sleeve", "warranty"]},
                                      name="Gift"), html=page)
    center = web.get(PREFERENCES).text
    section = center.split('id="configurations"', 1)[1].split("</section>", 1)[0]
    assert "Gift" in section and "Prefero Build 14 laptop" in section
    assert "Extras: Felt sleeve, 3-year warranty" in section
    assert "PLN\u00a04,997.00" in section
    assert 'name="configuration_id"' in section and 'action="/cart/add"' in section
    deleted = submit(web, f"/preferences/configurations/{_saved_id(section)}/delete",
                     {"name": "Gift"}, html=center, follow_redirects=False)
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/preferences#configurations"
    after = web.get(PREFERENCES).text
    assert "The configuration “Gift” is deleted." in after
    assert "You have no saved configurations yet." in after


def _saved_id(html: str) -> int:
    found = re.search(r'data-configuration-id="(\d+)"', html)
    assert found
    return int(found.group(1))


def test_add_to_cart_saves_first_and_puts_the_configuration_in_the_cart(
        web: TestClient, runtime: Runtime) -> None:
    page = web.get(PAGE).text
    chosen = {**DEFAULTS, "storage": "ssd-1tb"}
    added = submit(web, f"{PAGE}/cart", _form(chosen), html=page, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/cart"
    # Adding the same configuration again reuses the saved one.
    submit(web, f"{PAGE}/cart", _form(chosen), html=page, follow_redirects=False)
    with runtime.session() as session:
        rows = list_configurations(session, customer_id=me(web))
    assert len(rows) == 1 and rows[0].choices["storage"] == "ssd-1tb"
    cart = web.get("/cart").text
    assert "Prefero Build 14 laptop" in cart and "PLN\u00a04,749.00" in cart


def test_forms_without_the_token_or_from_another_site_are_refused(web: TestClient,
                                                                 runtime: Runtime) -> None:
    for path in (PAGE, f"{PAGE}/save", f"{PAGE}/cart"):
        missing = web.post(path, data=_form(DEFAULTS), headers={"Origin": origin(web)})
        assert missing.status_code == 403, path
    page = web.get(PAGE).text
    forged = submit(web, f"{PAGE}/save", _form(DEFAULTS), html=page,
                    headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    with runtime.session() as session:
        assert list_configurations(session, customer_id=me(web)) == []


def test_bad_input_gets_a_4xx_and_changes_nothing(web: TestClient, runtime: Runtime) -> None:
    assert web.get("/configure/plain").status_code == 404
    assert web.get("/configure/nothing-here").status_code == 404
    assert web.get(f"{PAGE}?configuration=abc").status_code == 422
    page = web.get(PAGE).text
    tampered = submit(web, PAGE, _form({**DEFAULTS, "graphics": "gtx-9999"}), html=page)
    assert tampered.status_code == 422
    two = submit(web, PAGE, _form({**DEFAULTS, "graphics": ["integrated", "rtx-4060"]}),
                 html=page)
    assert two.status_code == 422
    # Ryzen 9 needs 32 GB or more: refused, nothing saved, the rule said in words.
    refused = submit(web, f"{PAGE}/save", _form({**DEFAULTS, "processor": "ryzen-9"}),
                     html=page)
    assert refused.status_code == 422
    assert "Nothing was saved: choose the options marked below first." in refused.text
    cart = submit(web, f"{PAGE}/cart", _form({**DEFAULTS, "processor": "ryzen-9"}), html=page)
    assert cart.status_code == 422
    assert submit(web, f"{PAGE}/save", {"choice:" + "x" * 500: "y" * 500},
                  html=page).status_code == 422
    with runtime.session() as session:
        assert list_configurations(session, customer_id=me(web)) == []


def test_the_product_page_links_to_the_configurator(web: TestClient) -> None:
    assert f'href="/configure/{LAPTOP}"' in web.get(f"/p/{LAPTOP}").text
    assert "/configure/" not in web.get("/p/plain").text


def test_quiz_answers_preselect_and_explain_options(web: TestClient,
                                                    runtime: Runtime) -> None:
    with runtime.session() as session:
        publish_library(session, schema=runtime.facet_schema)
    link = f"{PAGE}?from_quiz=laptop-finder&pick=use%3Agaming"
    html = web.get(link).text
    assert _checked(html, "graphics") == ["rtx-4060"] and _checked(html, "power") == ["w180"]
    assert "From your quiz answer: Gaming" in _option(html, "graphics.rtx-4060")
    # The quiz travels with every re-evaluation, so the reasons stay while still chosen.
    assert 'name="pick" value="use:gaming"' in html
    polish = web.get(link, headers={"Accept-Language": "pl"}).text
    assert "Na podstawie Twojej odpowiedzi w quizie: Gry" in polish
    # Answers the quiz does not map, and unknown quizzes, pre-select nothing.
    assert _checked(web.get(f"{PAGE}?from_quiz=laptop-finder&pick=use%3Aflying").text,
                    "graphics") == ["integrated"]
    assert web.get(f"{PAGE}?from_quiz=nope&pick=use%3Agaming").status_code == 200


def test_polish_page_has_no_english_left(web: TestClient) -> None:
    html = web.get(PAGE, headers={"Accept-Language": "pl"}).text
    for words in ("Skonfiguruj: Laptop Prefero Build 14", "Procesor", "Twoja konfiguracja",
                  "Cena podstawowa", "Zapisz w moim profilu", "Dodaj do koszyka",
                  "Przewidywana dostawa między", "w cenie", "wybór opcjonalny"):
        assert words in html, words
    for english in ("Your configuration", "Base price", "Save to my profile", "included",
                    "Estimated delivery", "optional choice"):
        assert english not in html, english


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name!r} in the page"
    return found.group(1)


def test_the_laptop_finder_results_offer_the_configuration(web: TestClient,
                                                           runtime: Runtime) -> None:
    with runtime.session() as session:
        publish_library(session, schema=runtime.facet_schema)
    html = web.get("/quizzes/laptop-finder").text
    answers = {"use": {"option": ["gaming"]}, "phone": {"option": ["other"]},
               "screen": {"value": "14"}, "battery": {"action": "skip"},
               "budget": {"value": "9000"}, "refurbished": {"option": ["fine"]}}
    for _ in answers:
        question = _hidden(html, "question_id")
        html = submit(web, "/quizzes/laptop-finder/answer",
                      {"session_id": _hidden(html, "session_id"), "question_id": question,
                       **answers[question]}, html=html).text
    assert "Your results" in html
    found = re.search(r'href="(/configure/cfg-laptop-14\?[^"]+)"', html)
    assert found, "no Configure yours link"
    link = found.group(1).replace("&amp;", "&")
    assert "from_quiz=laptop-finder" in link and "pick=use%3Agaming" in link
    assert "Or build your own: Prefero Build 14 laptop" in html
    configured = web.get(link).text
    assert _checked(configured, "graphics") == ["rtx-4060"]
    assert "From your quiz answer: Gaming" in configured

"""Whole numbers from the shop's forms (``prefero.web.form_numbers``): ASCII digits only,
bounded, ``None`` for anything else; and every form that reads one answers a digit that is
not ASCII ("²" passes ``str.isdigit()`` but breaks ``int()``; "٣" is a 3 to ``int()``) with
a 4xx and changes nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from factories import add_products, product
from prefero.delivery.service import get_wishes
from prefero.messaging.terms import read_terms
from prefero.prompts.caps import DEFAULT_CAPS, caps_of
from prefero.prompts.models import PromptShown
from prefero.runtime import Runtime
from prefero.web.form_numbers import MAX_DIGITS, whole_number
from prompt_helpers import prompt_shop
from webforms import PREFERENCES, me, shopper, submit

# A superscript two, an Arabic-Indic three, a full-width one: digits to ``str.isdigit()``.
NOT_ASCII = ("\u00b2", "\u0663", "\uff11")


# --------------------------------------------------------------------------- the parser


@given(st.text(max_size=20), st.integers(0, 10**6), st.integers(0, 10**6))
def test_a_number_is_read_only_from_ascii_digits_within_the_bounds(
        text: str, least: int, most: int) -> None:
    found = whole_number(text, least=least, most=most)
    value = text.strip()
    if found is None:
        assert not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS
                    and least <= int(value) <= most)
    else:
        assert value.isascii() and value.isdigit() and int(value) == found
        assert least <= found <= most


@given(st.integers(0, 10**9))
def test_every_number_in_range_is_read_back(number: int) -> None:
    assert whole_number(f" {number}\n", most=10**9) == number
    assert whole_number(str(number), most=number - 1) is None


@pytest.mark.parametrize("text", [*NOT_ASCII, "1\u00b2", "+1", "-1", "1.0", "1e3", "0x1",
                                  "1_000", "", " ", "9" * (MAX_DIGITS + 1)])
def test_anything_but_plain_digits_is_none(text: str) -> None:
    assert whole_number(text, most=10**15) is None


# --------------------------------------------------------------------------- the forms


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_prompt_caps_refuse_a_digit_that_is_not_ascii(client: TestClient, runtime: Runtime,
                                                      digit: str) -> None:
    web = shopper(client)
    for form in ({"per_visit": digit, "gap_minutes": "5", "show": "on"},
                 {"per_visit": "2", "gap_minutes": f"1{digit}", "show": "on"}):
        answer = submit(web, f"{PREFERENCES}/prompts", form, page=PREFERENCES)
        assert answer.status_code == 422, form
        assert "Enter a whole number from 0 to" in answer.text
    with runtime.session() as session:
        assert caps_of(session, me(web)) == (DEFAULT_CAPS, True)


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_delivery_wishes_refuse_a_digit_that_is_not_ascii(client: TestClient,
                                                          runtime: Runtime, digit: str) -> None:
    web = shopper(client)
    for form in ({"weekdays": [digit]}, {"weekdays": ["1", digit]},
                 {"hours": [f"{digit}-22"]}, {"hours": [f"18-2{digit}"]}):
        answer = submit(web, f"{PREFERENCES}/delivery", form, page=PREFERENCES)
        assert answer.status_code == 422, form
    with runtime.session() as session:
        assert get_wishes(session, me(web)) is None


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_box_forms_refuse_a_digit_that_is_not_ascii(client: TestClient, runtime: Runtime,
                                                    digit: str) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("beans", category="Groceries > Beverages > Coffee & Tea",
                                       price=40, brand="Roast", title="Espresso beans")])
    web = shopper(client)
    form = {"theme": "coffee", "budget": "80"}
    refused = submit(web, "/boxes", {**form, "cadence": f"3{digit}"}, page="/boxes")
    assert refused.status_code == 422 and 'id="box-cadence-error"' in refused.text
    assert "You have no box yet" in web.get("/boxes").text
    made = submit(web, "/boxes", {**form, "cadence": "30"}, page="/boxes",
                  follow_redirects=False)
    assert made.status_code == 303
    page = web.get("/boxes").text
    rated = submit(web, "/boxes/1/deliveries/1/items/beans/rating", {"rating": digit},
                   html=page)
    assert rated.status_code == 422 and 'id="item-1-1-beans-error"' in rated.text


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_message_caps_refuse_a_digit_that_is_not_ascii(client: TestClient, runtime: Runtime,
                                                       digit: str) -> None:
    web = shopper(client)
    with runtime.session() as session:
        before = read_terms(session, customer_id=me(web), settings=runtime.settings)
    form = {"channel-email": "on", "cap-email": "1", "cap-push": "2", "cap-inbox": "4",
            "cap-webhook": "1", "daily_cap": digit, "send_time": "", "locale": "en"}
    answer = submit(web, f"{PREFERENCES}/messages/terms", form, page=PREFERENCES)
    assert answer.status_code == 422 and 'id="messages-daily-cap-error"' in answer.text
    with runtime.session() as session:
        assert read_terms(session, customer_id=me(web), settings=runtime.settings) == before


def _shown(runtime: Runtime) -> int:
    with runtime.session() as session:
        return int(session.scalar(select(func.count()).select_from(PromptShown)) or 0)


@pytest.mark.parametrize("digit", NOT_ASCII)
def test_a_prompt_is_not_asked_with_a_measure_that_is_not_ascii(
        client: TestClient, runtime: Runtime, digit: str) -> None:
    prompt_shop(runtime)
    web = shopper(client)
    submit(web, f"{PREFERENCES}/consents", {"purpose": "context", "granted": "true"},
           page=PREFERENCES)
    for form in ({"trigger": "dwell", "dwell": f"3{digit}"},
                 {"trigger": "scroll", "scroll": f"{digit}0"},
                 {"trigger": "dwell", "dwell": "86401"}):
        assert submit(web, "/prompts/ask", form).status_code == 422, form
    assert _shown(runtime) == 0
    # The same question in plain digits shows the prompt.
    assert submit(web, "/prompts/ask", {"trigger": "dwell", "dwell": "30"}).status_code == 200
    assert _shown(runtime) == 1

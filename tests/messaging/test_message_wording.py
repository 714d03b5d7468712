"""What a message says: every trigger renders a subject, a body and why it was sent, in
English and in Polish, with every value it may use and with none; no rendering ever shows a
bare placeholder or a raw value (an id, "None", "1e+06", a price not formatted)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from prefero.config import Settings
from prefero.messaging.kinds import TRIGGERS, Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.unsubscribe import verify_unsubscribe
from prefero.messaging.wording import TRIGGER_NAMES, WHY, WORDINGS, render, trigger_name

SETTINGS = Settings(token_keys=["k" * 32], shop_currency="PLN")
CUSTOMER = "cust-7f3a9"
PRODUCT = "sku-00042"
#: Every value a trigger may pass, as a trigger would.
FULL = {"title": "Trail shoe", "old_price": "99.00", "new_price": "79.00", "currency": "EUR",
        "brand": "Acme", "category": "Sport > Running", "alternative_title": "Road shoe",
        "alternative_price": "59.90", "last_bought": "2026-11-02", "facet": "Diet",
        "value": "vegan", "months": "3", "box_name": "Snack box", "delivery_number": "4",
        "quiz": "Find your coffee"}
#: What must never reach a shopper.
RAW = re.compile(r"\{\w*\}|\bNone\b|\bnan\b|\binf\b|\d[eE][+-]?\d|sku-|cust-|"
                 r"\b(price_drop|back_in_stock|new_from_followed|abandoned_cart|"
                 r"replenishment|stale_preference|box_ready|quiz_follow_up)\b")


def _offer(trigger: Trigger, params: dict[str, str]) -> MessageOffer:
    return MessageOffer(customer_id=CUSTOMER, trigger=trigger, subject_key=PRODUCT,
                        occasion="1", params=params, product_ids=(PRODUCT,))


def _texts(payload: dict[str, object]) -> list[str]:
    return [str(payload[key]) for key in ("subject", "body", "why", "unsubscribe_label")]


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("params", [FULL, {}], ids=["full", "missing"])
def test_every_trigger_says_something_in_both_languages(
        trigger: Trigger, params: dict[str, str]) -> None:
    english = render(_offer(trigger, params), language="en", settings=SETTINGS)
    polish = render(_offer(trigger, params), language="pl", settings=SETTINGS)
    for payload in (english, polish):
        for text in _texts(payload):
            assert text.strip(), (trigger, text)
            assert not RAW.search(text), (trigger, text)
        assert payload["links"] and all(str(link).startswith(SETTINGS.messages_base_url)
                                        for link in payload["links"])  # type: ignore[union-attr]
        unsubscribe = str(payload["unsubscribe_url"]).split("token=", 1)[1]
        assert verify_unsubscribe(SETTINGS, unsubscribe).trigger is trigger
    for key in ("subject", "body", "why", "unsubscribe_label"):
        assert english[key] != polish[key], (trigger, key, english[key])


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_the_fullest_wording_uses_the_values_it_was_given(trigger: Trigger) -> None:
    english = render(_offer(trigger, FULL), language="en", settings=SETTINGS)
    plain = render(_offer(trigger, {}), language="en", settings=SETTINGS)
    assert english["subject"] == WORDINGS[trigger].subjects[0].format(
        **{k: v for k, v in {**FULL, "new_price": "€79.00", "category": "Running"}.items()})
    assert english["body"] != plain["body"]


def test_prices_dates_and_names_are_written_the_languages_way() -> None:
    drop = _offer(Trigger.PRICE_DROP, {"title": "Trail shoe", "old_price": "1299",
                                       "new_price": "999.5", "currency": "PLN"})
    assert render(drop, language="pl", settings=SETTINGS)["body"] == (
        "Cena produktu Trail shoe spadła z 1\xa0299,00\xa0zł do 999,50\xa0zł.")
    assert render(drop, language="en", settings=SETTINGS)["body"] == (
        "Trail shoe went down from PLN\xa01,299.00 to PLN\xa0999.50.")
    restock = _offer(Trigger.REPLENISHMENT, {"title": "Coffee", "last_bought": "2026-11-02"})
    assert "2 listopada 2026" in render(restock, language="pl", settings=SETTINGS)["body"]
    assert "November 2, 2026" in render(restock, language="en", settings=SETTINGS)["body"]
    assert trigger_name(Trigger.PRICE_DROP, "pl") != TRIGGER_NAMES[Trigger.PRICE_DROP]


@pytest.mark.parametrize(("params", "expected"), [
    ({"title": "Trail shoe", "old_price": "79.00", "new_price": "99.00"},
     "Trail shoe now costs PLN\xa099.00."),  # a rise is no drop worth its sentence
    ({"title": "Trail shoe", "new_price": "1e6"}, "Trail shoe now costs PLN\xa01,000,000.00."),
    ({"title": "Trail shoe", "new_price": "NaN"}, "Trail shoe is cheaper now."),
    ({"title": "Trail shoe", "new_price": "-5"}, "Trail shoe is cheaper now."),
    ({"title": "Trail shoe", "new_price": "free"}, "Trail shoe is cheaper now."),
    ({"title": "  ", "new_price": "5"}, "An item you like is cheaper now."),
    ({"title": "Trail shoe", "new_price": "1e999999"}, "Trail shoe is cheaper now."),
    ({"title": "Trail shoe", "new_price": "9" * 30}, "Trail shoe is cheaper now."),
    # An amount in a currency nobody knows is not shown in the shop's.
    ({"title": "Trail shoe", "new_price": "5", "currency": "1"}, "Trail shoe is cheaper now."),
    ({"title": "Trail shoe", "new_price": "5", "currency": "eur"},
     "Trail shoe now costs €5.00."),
])
def test_a_value_that_is_not_usable_falls_back_to_a_plainer_sentence(
        params: dict[str, str], expected: str) -> None:
    assert render(_offer(Trigger.PRICE_DROP, params), language="en",
                  settings=SETTINGS)["body"] == expected


def test_every_why_is_in_the_catalogue() -> None:
    for trigger in TRIGGERS:
        english = render(_offer(trigger, {}), language="en", settings=SETTINGS)["why"]
        assert english == WHY[trigger]


_KEYS = sorted(FULL)
_VALUES = st.one_of(st.sampled_from(["", " ", "None", "nan", "inf", "1e+06", "-1", "0",
                                     "12.5", "2026-13-45", "2026-02-01", "{title}", "ab"]),
                    st.text(alphabet="0123456789.,-eE+", max_size=8))


@hsettings(max_examples=150, deadline=None)
@given(trigger=st.sampled_from(TRIGGERS),
       params=st.dictionaries(st.sampled_from(_KEYS), _VALUES),
       language=st.sampled_from(["en", "pl"]))
def test_no_values_a_trigger_passes_leak_as_raw_text(
        trigger: Trigger, params: dict[str, str], language: str) -> None:
    """Prices, dates and counts pass only through their formats: whatever a trigger hands
    over, no text shows an exponent, a placeholder, "None" or "nan"."""
    # Free-text values (titles, names) are the shop's own words and shown as given; the
    # formatted ones are what this checks.
    formatted = {k: v for k, v in params.items()
                 if k in ("old_price", "new_price", "alternative_price", "last_bought",
                          "delivery_number", "currency")}
    payload = render(_offer(trigger, formatted), language=language, settings=SETTINGS)
    for text in _texts(payload):
        assert text.strip()
        assert not re.search(r"\{\w*\}|\bNone\b|\bnan\b|\binf\b|\d[eE][+-]?\d", text), text

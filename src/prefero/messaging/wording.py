"""What a message says, in the customer's language: a subject, a body, and the sentence that
says why it was sent, for each trigger.

Rendered once, when the message is offered, into the outbox row's ``payload`` (``subject``,
``body``, ``why``, ``links``, ``unsubscribe_url``), so the worker sends exactly what the
history shows. Texts are gettext messages with named placeholders; each has a plainer
variant used when a trigger did not pass the value it needs, so no message ever shows a
bare placeholder or a raw value: prices go through the currency formats, dates through the
locale's, counts through plural forms.

The ``params`` a trigger may pass (all text): ``title``, ``old_price``, ``new_price``,
``currency`` (prices as decimal strings in ``currency``, else the shop's), ``brand``,
``category`` (a " > " path), ``alternative_title``, ``alternative_price``, ``last_bought``
(an ISO date), ``facet``, ``value``, ``months``, ``box_name``, ``delivery_number``, ``quiz``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from babel.dates import format_date
from babel.numbers import is_currency

from prefero.config import Settings
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import money
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.unsubscribe import unsubscribe_url

__all__ = ["TRIGGER_DESCRIPTIONS", "TRIGGER_NAMES", "WHY", "Wording", "render", "trigger_name"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_MOST = Decimal(10) ** 12


@dataclass(frozen=True, slots=True)
class Wording:
    """Variants of the subject and the body, the fullest first."""

    subjects: tuple[str, ...]
    bodies: tuple[str, ...]


WORDINGS: dict[Trigger, Wording] = {
    Trigger.PRICE_DROP: Wording(
        (N_("{title} is now {new_price}"), N_("A price dropped on an item you like")),
        (N_("{title} went down from {old_price} to {new_price}."),
         N_("{title} now costs {new_price}."), N_("{title} is cheaper now."),
         N_("An item you like is cheaper now."))),
    Trigger.BACK_IN_STOCK: Wording(
        (N_("{title} is back in stock"), N_("An item you like is back in stock")),
        (N_("{title} is available again. Stock may be short, so do not wait too long."),
         N_("An item you like is available again."))),
    Trigger.NEW_FROM_FOLLOWED: Wording(
        (N_("New from {brand}"), N_("New in {category}"), N_("New from what you follow")),
        (N_("New from {brand}, a brand you follow, has arrived in the shop."),
         N_("New products have arrived in {category}, a category you follow."),
         N_("New products have arrived from brands and categories you follow."))),
    Trigger.ABANDONED_CART: Wording(
        (N_("{title} is still in your cart"), N_("Your cart is waiting")),
        (N_("{title} is still in your cart. A cheaper alternative that fits your "
            "preferences: {alternative_title} for {alternative_price}."),
         N_("{title} is still in your cart."),
         N_("Items are still waiting in your cart."))),
    Trigger.REPLENISHMENT: Wording(
        (N_("Time to restock {title}?"), N_("Time to restock?")),
        (N_("You usually buy {title} about now; your last purchase was on {last_bought}."),
         N_("You usually buy {title} about now."),
         N_("Something you buy regularly may be running out."))),
    Trigger.STALE_PREFERENCE: Wording(
        (N_("Is “{value}” ({facet}) still right?"), N_("Are your preferences still right?")),
        (N_("Please confirm or change “{value}” ({facet}) in your preferences, so that the "
            "shop does not rely on something that has changed."),
         N_("Some of your preferences have not been confirmed for a while. Please confirm or "
            "change them."))),
    Trigger.BOX_READY: Wording(
        (N_("{box_name}: your new delivery is ready"), N_("Your box is ready")),
        (N_("Delivery {delivery_number} of {box_name} is ready. Rate each item: the next box "
            "learns from it."),
         N_("Your next box is ready. Rate each item: the next box learns from it."))),
    Trigger.QUIZ_FOLLOW_UP: Wording(
        (N_("Your picks from “{quiz}”"), N_("Your quiz picks")),
        (N_("The products the quiz “{quiz}” picked for you are in stock."),
         N_("The products your quiz picked for you are in stock."))),
}

#: Why it was sent, as the message and the history say it.
WHY: dict[Trigger, str] = {
    Trigger.PRICE_DROP: N_("You get this because you watch, like or follow this item and "
                           "price-drop messages are on in your message settings."),
    Trigger.BACK_IN_STOCK: N_("You get this because you watch, like or follow this item and "
                              "back-in-stock messages are on in your message settings."),
    Trigger.NEW_FROM_FOLLOWED: N_("You get this because you follow this brand or category and "
                                  "messages about new products are on in your message "
                                  "settings."),
    Trigger.ABANDONED_CART: N_("You asked for a reminder about items left in your cart."),
    Trigger.REPLENISHMENT: N_("You asked for a reminder when something you buy regularly "
                              "may be running out."),
    Trigger.STALE_PREFERENCE: N_("You get this because reminders to confirm your preferences "
                                 "are on in your message settings."),
    Trigger.BOX_READY: N_("You get this because you subscribe to a box and box messages are on "
                          "in your message settings."),
    Trigger.QUIZ_FOLLOW_UP: N_("You asked for a follow-up after your quiz."),
}

#: What each trigger sends, as the switches in the preference center describe it.
TRIGGER_DESCRIPTIONS: dict[Trigger, str] = {
    Trigger.PRICE_DROP: N_("When an item you watch or like, or whose brand or category you "
                           "follow, gets cheaper."),
    Trigger.BACK_IN_STOCK: N_("When an item you watch or like, or whose brand or category "
                              "you follow, is available again."),
    Trigger.NEW_FROM_FOLLOWED: N_("New products from brands and categories you follow."),
    Trigger.ABANDONED_CART: N_("A reminder about items left in your cart, with a cheaper "
                               "alternative when there is one."),
    Trigger.REPLENISHMENT: N_("A reminder when something you buy regularly may be running "
                              "out."),
    Trigger.STALE_PREFERENCE: N_("A request to confirm preferences you gave long ago."),
    Trigger.BOX_READY: N_("When a delivery of your box is ready to see and rate."),
    Trigger.QUIZ_FOLLOW_UP: N_("The picks of a quiz you finished, once they are in stock."),
}

#: Each trigger's name, as switches and the history show it.
TRIGGER_NAMES: dict[Trigger, str] = {
    Trigger.PRICE_DROP: N_("Price drops"),
    Trigger.BACK_IN_STOCK: N_("Back in stock"),
    Trigger.NEW_FROM_FOLLOWED: N_("New from what you follow"),
    Trigger.ABANDONED_CART: N_("Cart reminders"),
    Trigger.REPLENISHMENT: N_("Time to restock"),
    Trigger.STALE_PREFERENCE: N_("Preferences to confirm"),
    Trigger.BOX_READY: N_("Your box"),
    Trigger.QUIZ_FOLLOW_UP: N_("Quiz follow-ups"),
}


def trigger_name(trigger: Trigger, language: str) -> str:
    return translations(language).gettext(TRIGGER_NAMES[trigger])


def _price(text: str | None, currency: str | None, language: str) -> str | None:
    if not text or currency is None:
        return None
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        return None
    # Past a trillion it is no price but a slip (and past Babel's precision, an error).
    if not amount.is_finite() or amount < 0 or amount >= _MOST:
        return None
    return money(amount, currency, language)


def _day(text: str | None, language: str) -> str | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    return format_date(day, format="long", locale=language)


def _values(params: Mapping[str, str], *, settings: Settings,
            language: str) -> dict[str, str]:
    """The values the texts may show, formatted for ``language``; a value missing or not
    usable is left out, and the text falls back to a plainer variant."""
    currency: str | None = (params.get("currency") or settings.shop_currency).strip().upper()
    if not is_currency(currency or ""):
        # An amount in a currency nobody knows cannot be shown: the sentence goes without it.
        currency = None
    values: dict[str, str | None] = {
        "title": params.get("title"),
        "brand": params.get("brand"),
        "category": (params.get("category") or "").split(">")[-1].strip() or None,
        "alternative_title": params.get("alternative_title"),
        "facet": params.get("facet"),
        "value": params.get("value"),
        # The shop's box names are in the catalogue ("Coffee box"): said in the language.
        "box_name": (translations(language).gettext(params["box_name"])
                     if params.get("box_name") else None),
        "quiz": params.get("quiz"),
        "delivery_number": (params.get("delivery_number")
                            if (params.get("delivery_number") or "").isdigit() else None),
        "old_price": _price(params.get("old_price"), currency, language),
        "new_price": _price(params.get("new_price"), currency, language),
        "alternative_price": _price(params.get("alternative_price"), currency, language),
        "last_bought": _day(params.get("last_bought"), language),
    }
    if values["old_price"] is not None and values["new_price"] is not None:
        old, new = Decimal(params["old_price"].strip()), Decimal(params["new_price"].strip())
        if new >= old:  # not a drop worth its own sentence
            values["old_price"] = None
    return {key: value.strip() for key, value in values.items()
            if value is not None and value.strip()}


def _first_that_fits(variants: Sequence[str], values: Mapping[str, str], *,
                     language: str) -> str:
    say = translations(language).gettext
    for variant in variants:
        if set(_PLACEHOLDER.findall(variant)) <= values.keys():
            return say(variant).format(**{k: values[k] for k in _PLACEHOLDER.findall(variant)})
    return say(variants[-1])


def product_url(settings: Settings, product_id: str) -> str:
    return f"{settings.messages_base_url.rstrip('/')}/p/{quote(product_id, safe='')}"


def render(message: MessageOffer, *, language: str, settings: Settings,
           now: float | None = None) -> dict[str, Any]:
    """The payload of ``message`` in ``language``.

    >>> from prefero.messaging.offers import MessageOffer
    >>> offer = MessageOffer(customer_id="c1", trigger=Trigger.PRICE_DROP, subject_key="p1",
    ...                      occasion="79.00", product_ids=("p1",),
    ...                      params={"title": "Trail shoe", "old_price": "99.00",
    ...                              "new_price": "79.00", "currency": "EUR"})
    >>> s = Settings(token_keys=["k1"])
    >>> render(offer, language="en", settings=s)["body"]
    'Trail shoe went down from €99.00 to €79.00.'
    """
    values = _values(message.params, settings=settings, language=language)
    wording = WORDINGS[message.trigger]
    links = [product_url(settings, product_id) for product_id in message.product_ids]
    if message.trigger is Trigger.STALE_PREFERENCE and not links:
        links = [f"{settings.messages_base_url.rstrip('/')}/preferences#likes"]
    return {
        "subject": _first_that_fits(wording.subjects, values, language=language),
        "body": _first_that_fits(wording.bodies, values, language=language),
        "why": translations(language).gettext(WHY[message.trigger]),
        "links": links,
        "unsubscribe_url": unsubscribe_url(settings, customer_id=message.customer_id,
                                           trigger=message.trigger, now=now),
        "unsubscribe_label": translations(language).gettext(
            N_("Stop messages like this: {what}")).format(
                what=trigger_name(message.trigger, language)),
    }

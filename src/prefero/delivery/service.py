"""Delivery wishes and windows, as the API, the storefront and checkout use them.

``delivery_options`` answers every upcoming window for a cart, the customer's preferred
ones first, each with its reasons in the customer's language; ``checkout_delivery`` gives
the checkout page the same list worded for ``storefront/_delivery_choice.html`` (laid out
by ``prefero.delivery.checkout``: the best few first, the rest by day); ``book``
takes the order's place in the chosen window (never past its capacity). The shop's windows
(``replace_windows``, ``list_windows``), the wishes (``get_wishes``, ``set_wishes``) and the
data export (``exported_delivery``) complete the set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from prefero.content.signals import valid_time_zone, zone
from prefero.customers.models import Customer
from prefero.delivery.booking import book, customer_bookings, reserve
from prefero.delivery.checkout import CheckoutChoice, CheckoutDay, CheckoutDelivery
from prefero.delivery.ordering import Placed, order_windows
from prefero.delivery.readiness import cart_ready_at
from prefero.delivery.schemas import (
    DeliveryExport,
    DeliveryOption,
    DeliveryOptions,
    Reason,
    Wishes,
)
from prefero.delivery.windows import list_windows, replace_windows
from prefero.delivery.wishes import get_wishes, set_wishes
from prefero.delivery.wording import (
    METHOD_NAMES,
    closed_label,
    day_label,
    ready_note,
    reason_text,
    time_range,
    where,
)
from prefero.i18n.catalogues import translations
from prefero.i18n.formats import money

__all__ = [
    "CheckoutChoice",
    "CheckoutDay",
    "CheckoutDelivery",
    "Wishes",
    "book",
    "checkout_delivery",
    "customer_zone",
    "delivery_options",
    "exported_delivery",
    "get_wishes",
    "list_windows",
    "replace_windows",
    "reserve",
    "set_wishes",
]


def customer_zone(session: Session, customer_id: str, *, default: str = "UTC") -> str:
    """The zone the customer's wishes are read in: their profile's, else ``default`` (the
    shop's)."""
    customer = session.get(Customer, customer_id)
    chosen = customer.time_zone if customer is not None else None
    return chosen if chosen and valid_time_zone(chosen) else default


def _placed(session: Session, *, customer_id: str, cart: Sequence[str], now: datetime,
            tz: tzinfo) -> tuple[list[Placed], datetime | None]:
    ready = cart_ready_at(session, cart, now=now)
    placed = order_windows(list_windows(session, since=now),
                           wishes=get_wishes(session, customer_id), zone=tz, now=now,
                           ready=ready)
    return placed, ready


def _reasons(placed: Placed, *, language: str, tz: tzinfo) -> list[Reason]:
    return [Reason(code=code, params=params,
                   text=reason_text(code, params, language=language, zone=tz))
            for code, params in placed.reasons]


def delivery_options(session: Session, *, customer_id: str, cart: Sequence[str],
                     now: datetime, language: str = "en", time_zone: str | None = None,
                     shop_zone: str = "UTC") -> DeliveryOptions:
    """Every window that starts after ``now`` for the products in ``cart`` (ids): the
    available ones first — those matching the customer's wishes first, each with the
    reasons why —, then the full ones and those starting before the cart can be ready, with
    why not. The wishes only order the list: the same windows come back without them.
    Wishes are read in ``time_zone``, else the customer's profile zone, else ``shop_zone``.
    An id the shop does not sell is ``InvalidInput`` at ``("cart", i)``.

    >>> [(o.window.id, [r.text for r in o.reasons]) for o in delivery_options(
    ...     session, customer_id="c1", cart=["sku-1"], now=now).options][:1]
    ... # doctest: +SKIP
    [('sat-home-evening', ['On Saturday, a day you prefer'])]
    """
    zone_name = time_zone or customer_zone(session, customer_id, default=shop_zone)
    tz = zone(zone_name)
    placed, ready = _placed(session, customer_id=customer_id, cart=cart, now=now, tz=tz)
    return DeliveryOptions(
        customer_id=customer_id, time_zone=zone_name, ready_at=ready,
        options=[DeliveryOption(window=p.window, available=p.available,
                                preferred=p.preferred,
                                reasons=_reasons(p, language=language, tz=tz))
                 for p in placed])


def _why_not(placed: Placed, *, language: str) -> str | None:
    if placed.available:
        return None
    # An unavailable window carries exactly one reason: why it cannot be chosen.
    code, _params = placed.reasons[0]
    if code not in ("full", "not_ready", "cart_unavailable"):
        return None
    return closed_label(code, language=language)


def _ready_note(placed: Sequence[Placed], ready: datetime | None, *, language: str,
                tz: tzinfo) -> str | None:
    """When the order can be ready, where some window is too early for it: said once
    rather than on each of their lines."""
    too_early = any(p.reasons[0][0] == "not_ready" for p in placed if not p.available)
    return ready_note(ready, tz, language=language) if too_early and ready else None


def checkout_delivery(session: Session, *, customer_id: str, cart: Sequence[str],
                      now: datetime, language: str, time_zone: str) -> CheckoutDelivery:
    """The checkout's delivery choice: ``delivery_options`` worded for the page, times on
    the shopper's clock (``time_zone``). Render it with
    ``{% include "storefront/_delivery_choice.html" %}`` and the result as ``delivery``; the
    form posts the chosen window's id as ``delivery_window``, to be passed to ``book``.

    >>> choice = checkout_delivery(session, customer_id="c1", cart=["sku-1"], now=now,
    ...                            language="pl", time_zone="Europe/Warsaw")  # doctest: +SKIP
    >>> choice.choices[0].day, choice.choices[0].hours  # doctest: +SKIP
    ('sobota, 12 grudnia', '18:00–21:00')
    """
    tz = zone(time_zone)
    placed, ready = _placed(session, customer_id=customer_id, cart=cart, now=now, tz=tz)
    t = translations(language).gettext
    choices = tuple(CheckoutChoice(
        value=p.window.id,
        day=day_label(p.window.starts_at, tz, language),
        hours=time_range(p.window.starts_at, p.window.ends_at, tz, language),
        method=t(METHOD_NAMES[p.window.method]),
        place=p.window.pickup_point_name or p.window.pickup_point_id,
        price=money(p.window.price, p.window.currency, language),
        green=p.window.green, available=p.available, preferred=p.preferred,
        reasons=tuple(r.text for r in _reasons(p, language=language, tz=tz)),
        starts_at=p.window.starts_at,
        where=where(p.window.method, p.window.pickup_point_name or p.window.pickup_point_id,
                    language=language),
        why_not=_why_not(p, language=language))
        for p in placed)
    wishes = get_wishes(session, customer_id)
    return CheckoutDelivery(
        choices=choices,
        selected=next((c.value for c in choices if c.available), None),
        has_wishes=wishes is not None and wishes.declared, time_zone=time_zone,
        ready_note=_ready_note(placed, ready, language=language, tz=tz))


def exported_delivery(session: Session, customer_id: str) -> DeliveryExport:
    """The customer's delivery wishes and bookings, for the data export."""
    return DeliveryExport(wishes=get_wishes(session, customer_id),
                          bookings=customer_bookings(session, customer_id))


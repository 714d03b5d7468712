"""Checkout as a service: the cart's lines priced now, and the order placed with what each
line is (a configuration, a size, a made-to-measure product's measurements) and the delivery
window booked — all in the caller's transaction, so that a refused booking or an option gone
out of stock leaves no order behind.

Prices come from the catalogue the request path reads (``CatalogIndex``), so that the cart,
the checkout page and the order agree with the product pages; a configuration's price is
worked out again by its configurator now, never taken from the session.

What stops a line or an order is said in the shopper's words: the problems are message ids
(``N_``) that the page translates, never the services' developer-facing details.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.configurators.definition import ConfiguratorSet
from prefero.configurators.service import get_configuration, order_line, take_stock
from prefero.customers.repository import ensure_customers
from prefero.delivery.booking import book
from prefero.delivery.models import DeliveryWindow
from prefero.delivery.service import CheckoutDelivery
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound, PreferoError
from prefero.fit.orders import MeasurementsMissing, is_made_to_measure, order_measurements
from prefero.fit.service import FitConsentRequired
from prefero.i18n.catalogues import N_
from prefero.orders.cart import CartEntry, add_entry
from prefero.orders.schemas import OrderLineIn, OrderOut
from prefero.orders.service import new_order_id, place_order
from prefero.recommend.catalog_index import CatalogIndex

__all__ = [
    "CHOOSE_SIZE",
    "CONFIGURE_FIRST",
    "Added",
    "CartLine",
    "CheckoutRefused",
    "Shop",
    "add_to_cart",
    "cart_lines",
    "place_checkout",
]

CONFIGURE_FIRST = N_("Configure this product before ordering it.")
CHOOSE_SIZE = N_("Choose a size.")
_MADE_TO_MEASURE = N_("Made to your measurements")
_CONFIGURATION_GONE = N_("This configuration can no longer be ordered as it is: open it and "
                         "choose again.")
_OPTION_RAN_OUT = N_("An option of your configuration has just run out: open it and choose "
                     "again.")
_NEEDS_FIT_CONSENT = N_("Made to measure: allow us to use your measurements for fit to order "
                        "it.")
_NEEDS_MEASUREMENTS = N_("Made to measure: enter your measurements to order it.")
_CHOOSE_DELIVERY = N_("Choose when your order should be delivered.")
_WINDOW_GONE = N_("The delivery time you chose is no longer available: choose another.")
_NO_WINDOW = N_("No delivery time can be chosen for this order right now.")
_SOME_LINES = N_("Some lines of your cart cannot be ordered as they stand.")


@dataclass
class CheckoutRefused(Conflict):
    """The order cannot be placed as it stands; ``detail`` is the message id the page shows
    (translated), ``errors`` say where."""

    slug: str = "checkout-refused"
    title: str = "The order cannot be placed as it stands"


@dataclass(frozen=True)
class Shop:
    """What checkout reads besides the database: the catalogue the pages show, the
    configurators, the settings."""

    index: CatalogIndex
    configurators: ConfiguratorSet
    settings: Settings


@dataclass(frozen=True)
class CartLine:
    """A cart line as the shopper sees it and as the order will keep it."""

    line: OrderLineIn
    currency: str
    category: str
    #: What the line is beyond its product, in the shopper's words (a configuration's
    #: chosen options, "made to your measurements" as a message id).
    details: tuple[str, ...] = ()
    #: Why this line cannot be ordered as it stands, as a message id; None when it can.
    problem: str | None = None
    #: Where the shopper fixes it (the configurator, the measurements form), if anywhere.
    fix_at: str | None = None

    @property
    def product_id(self) -> str:
        return self.line.product_id

    @property
    def title(self) -> str:
        return self.line.title

    @property
    def price(self) -> Decimal:
        """The line's price: its unit price times its quantity."""
        return self.line.unit_price * self.line.quantity

    @property
    def size(self) -> str | None:
        return self.line.size


@dataclass(frozen=True)
class Added:
    """What ``add_to_cart`` did: whether the line is in the cart now, and its unit price."""

    added: bool
    unit_price: Decimal


def _catalogue_price(index: CatalogIndex, position: int) -> Decimal:
    return Decimal(str(float(index.price[position]))).quantize(Decimal("0.01"))


def _sizes(index: CatalogIndex, product_id: str) -> list[str]:
    return sorted(index.sizes[index.position[product_id]])


def _sized(index: CatalogIndex, entry: CartEntry) -> CartEntry:
    """The entry with its size checked: one the product is sold in (compared case-folded,
    as stored), the only one where the product has just one, and none for a product sold
    without sizes."""
    sizes = _sizes(index, entry.product_id)
    if entry.size is None:
        return (CartEntry(entry.product_id, entry.configuration_id, sizes[0])
                if len(sizes) == 1 else entry)
    if entry.size.casefold() not in {size.casefold() for size in sizes}:
        raise InvalidInput(f"{entry.product_id!r} is not sold in size {entry.size!r}.",
                           errors=[FieldError(loc=("size",), msg="not a size of the product")])
    return entry


def add_to_cart(session: Session, shop: Shop, data: MutableMapping[str, Any], *,
                customer_id: str, entry: CartEntry) -> Added:
    """Put a line in the session's cart (``data``) after checking what it names: a size
    for a product sold in sizes (``CheckoutRefused`` at ``size`` without one), a saved
    configuration of the customer's for a configurable product (``CheckoutRefused`` at
    ``configuration_id`` without one). ``Added.added`` is False when the cart is full.

    >>> add_to_cart(session, shop, request.session, customer_id="c-1",
    ...             entry=CartEntry("p-1", size="M")).added  # doctest: +SKIP
    True
    """
    index = shop.index
    position = index.position.get(entry.product_id)
    if position is None:
        raise NotFound(f"No product {entry.product_id!r}.")
    entry = _sized(index, entry)
    price = _catalogue_price(index, position)
    if shop.configurators.get(entry.product_id) is not None:
        if entry.configuration_id is None:
            raise CheckoutRefused(CONFIGURE_FIRST, errors=[
                FieldError(loc=("configuration_id",), msg="required")])
        saved = get_configuration(session, customer_id=customer_id,
                                  configuration_id=entry.configuration_id)
        if saved.product_id != entry.product_id:
            raise InvalidInput("The configuration is of another product.", errors=[
                FieldError(loc=("configuration_id",), msg="of another product")])
        price = saved.price
    elif entry.configuration_id is not None:
        raise InvalidInput("The product is not configurable.", errors=[
            FieldError(loc=("configuration_id",), msg="not configurable")])
    if entry.size is None and _sizes(index, entry.product_id):
        raise CheckoutRefused(CHOOSE_SIZE, errors=[FieldError(loc=("size",), msg="required")])
    return Added(added=add_entry(data, entry), unit_price=price)


def _configured(session: Session, shop: Shop, entry: CartEntry, *, customer_id: str,
                language: str, category: str) -> CartLine:
    index = shop.index
    position = index.position[entry.product_id]
    unconfigured = OrderLineIn(product_id=entry.product_id, title=index.titles[position],
                               unit_price=_catalogue_price(index, position))
    fix_at = f"/configure/{entry.product_id}"
    if entry.configuration_id is None:
        return CartLine(line=unconfigured, currency=index.currency_of(position),
                        category=category, problem=CONFIGURE_FIRST, fix_at=fix_at)
    try:
        configured = order_line(session, shop.configurators, customer_id=customer_id,
                                configuration_id=entry.configuration_id, language=language)
    except (NotFound, Conflict, InvalidInput):
        return CartLine(line=unconfigured, currency=index.currency_of(position),
                        category=category, problem=_CONFIGURATION_GONE,
                        fix_at=f"{fix_at}?configuration={entry.configuration_id}")
    choices = configured.snapshot.get("choices", [])
    return CartLine(
        line=OrderLineIn(product_id=entry.product_id, title=configured.title,
                         unit_price=configured.unit_price, configuration=configured.snapshot,
                         size=entry.size),
        currency=configured.currency, category=category,
        details=tuple(f"{choice['group_label']}: {choice['label']}" for choice in choices))


def _made_to_measure(session: Session, shop: Shop, line: CartLine, *,
                     customer_id: str) -> CartLine:
    details = (*line.details, _MADE_TO_MEASURE)
    try:
        measurements = order_measurements(session, customer_id=customer_id,
                                          product_id=line.product_id, settings=shop.settings)
    except FitConsentRequired:
        return CartLine(line=line.line, currency=line.currency, category=line.category,
                        details=details, problem=_NEEDS_FIT_CONSENT,
                        fix_at="/preferences/measurements")
    except MeasurementsMissing:
        return CartLine(line=line.line, currency=line.currency, category=line.category,
                        details=details, problem=_NEEDS_MEASUREMENTS,
                        fix_at="/preferences/measurements")
    return CartLine(line=line.line.model_copy(update={"measurements": measurements}),
                    currency=line.currency, category=line.category, details=details)


def _line(session: Session, shop: Shop, entry: CartEntry, *, customer_id: str,
          language: str) -> CartLine | None:
    index = shop.index
    position = index.position.get(entry.product_id)
    if position is None:
        return None
    category = index.categories[position]
    if shop.configurators.get(entry.product_id) is not None:
        return _configured(session, shop, entry, customer_id=customer_id, language=language,
                           category=category)
    line = CartLine(line=OrderLineIn(product_id=entry.product_id,
                                     title=index.titles[position],
                                     unit_price=_catalogue_price(index, position),
                                     size=entry.size),
                    currency=index.currency_of(position), category=category)
    if is_made_to_measure(entry.product_id, index=index, settings=shop.settings):
        return _made_to_measure(session, shop, line, customer_id=customer_id)
    if entry.size is None and _sizes(index, entry.product_id):
        return CartLine(line=line.line, currency=line.currency, category=category,
                        problem=CHOOSE_SIZE, fix_at=f"/p/{entry.product_id}")
    return line


def cart_lines(session: Session, shop: Shop, *, customer_id: str,
               entries: Sequence[CartEntry], language: str) -> list[CartLine]:
    """The cart's lines priced now; products gone from the catalogue drop out.

    >>> [line.title for line in cart_lines(session, shop, customer_id="c-1",
    ...     entries=[CartEntry("p-1")], language="en")]  # doctest: +SKIP
    ['Trail Runner 2']
    """
    return [line for entry in entries
            if (line := _line(session, shop, entry, customer_id=customer_id,
                              language=language)) is not None]


def _delivery(session: Session, *, customer_id: str, order_id: str,
              window_id: str | None, offered: CheckoutDelivery | None
              ) -> tuple[dict[str, Any] | None, Decimal]:
    """Book the window chosen among those offered now, kept as the shopper saw it. No
    window is chosen only where the shop offers none at all."""
    if offered is None or not offered.choices:
        if window_id is not None:
            raise CheckoutRefused(_WINDOW_GONE, errors=[
                FieldError(loc=("delivery_window",), msg="not offered")])
        return None, Decimal(0)
    if not offered.any_available:
        raise CheckoutRefused(_NO_WINDOW, errors=[
            FieldError(loc=("delivery_window",), msg="none available")])
    if window_id is None:
        raise CheckoutRefused(_CHOOSE_DELIVERY, errors=[
            FieldError(loc=("delivery_window",), msg="required")])
    choice = next((c for c in offered.choices if c.value == window_id and c.available), None)
    if choice is None:
        raise CheckoutRefused(_WINDOW_GONE, errors=[
            FieldError(loc=("delivery_window",), msg="not an available window")])
    try:
        book(session, customer_id=customer_id, window_id=window_id, order_id=order_id)
    except PreferoError:
        # Full since the page was shown (or gone): the shopper chooses again.
        raise CheckoutRefused(_WINDOW_GONE, errors=[
            FieldError(loc=("delivery_window",), msg="full")]) from None
    window = session.get_one(DeliveryWindow, window_id)
    return ({"window_id": window.id, "method": window.method,
             "pickup_point_id": window.pickup_point_id,
             "pickup_point_name": window.pickup_point_name,
             "starts_at": window.starts_at.isoformat(), "ends_at": window.ends_at.isoformat(),
             "price": str(window.price), "currency": window.currency, "green": window.green},
            window.price)


def place_checkout(session: Session, shop: Shop, *, customer_id: str,
                   entries: Sequence[CartEntry], extras: Sequence[str], language: str,
                   delivery: CheckoutDelivery | None = None,
                   delivery_window: str | None = None, order_id: str | None = None,
                   anonymous: bool = False) -> OrderOut:
    """Place the cart (and the optional services chosen beside it, ``extras``) as one order,
    booked into ``delivery_window`` among the windows offered now (``delivery``), under
    ``order_id`` (a fresh one when not given).

    Raises ``CheckoutRefused`` (its ``detail`` a message id for the page) naming the line
    (``["lines", i]``) that cannot be ordered, or the delivery window that is missing or no
    longer available, or the configured option that ran out; nothing is written then (the
    caller rolls back).
    """
    lines = cart_lines(session, shop, customer_id=customer_id,
                       entries=[*entries, *(CartEntry(p) for p in extras)], language=language)
    problems = [FieldError(loc=("lines", i), msg=line.problem)
                for i, line in enumerate(lines) if line.problem is not None]
    if problems:
        raise CheckoutRefused(_SOME_LINES, errors=problems)
    if not lines:
        raise InvalidInput("The cart is empty.",
                           errors=[FieldError(loc=("lines",), msg="no lines")])
    order_id = order_id or new_order_id()
    ensure_customers(session, {customer_id: anonymous})  # the booking names the customer
    chosen, delivery_price = _delivery(session, customer_id=customer_id, order_id=order_id,
                                       window_id=delivery_window, offered=delivery)
    for i, line in enumerate(lines):
        if line.line.configuration is not None:
            try:
                take_stock(session, shop.configurators, line.line.configuration,
                           quantity=line.line.quantity)
            except Conflict:
                raise CheckoutRefused(_OPTION_RAN_OUT, errors=[
                    FieldError(loc=("lines", i), msg="out of stock")]) from None
    return place_order(session, customer_id=customer_id, order_id=order_id,
                       currency=lines[0].currency, lines=[line.line for line in lines],
                       delivery=chosen, extra_charge=delivery_price, anonymous=anonymous)

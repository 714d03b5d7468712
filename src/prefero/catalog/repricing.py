"""Bringing stored products priced in another currency into the shop's.

Imports convert as they write, so new products are always in the shop's currency. Products
stored before the shop set its currency (or before it changed it) keep the currency they
came in, and a cart, a budget or a quiz's range would then add or compare amounts in two
currencies. Repricing converts them once, with the same rates and rounding as an import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.catalog import revisions
from prefero.catalog.models import Product
from prefero.currency import CurrencyConverter, NoRate
from prefero.errors import FieldError, InvalidInput

__all__ = ["Repriced", "foreign_priced", "reprice_catalog"]

# Products read and converted per round trip.
_BATCH = 500


@dataclass(frozen=True)
class Repriced:
    """What a repricing converted: products per currency, and the rate each one used."""

    converted: dict[str, int]
    rates: dict[str, Decimal]

    @property
    def total(self) -> int:
        return sum(self.converted.values())


def _products(count: int) -> str:
    return f"{count} product is" if count == 1 else f"{count} products are"


def foreign_priced(session: Session, *, shop: str) -> dict[str, int]:
    """Stored products per currency other than ``shop`` (active or not).

    >>> foreign_priced(session, shop="PLN")  # doctest: +SKIP
    {'EUR': 12}
    """
    rows = session.execute(select(Product.currency, func.count()).where(
        Product.currency != shop).group_by(Product.currency)).all()
    return {str(currency): int(count) for currency, count in rows}


def reprice_catalog(session: Session, *, converter: CurrencyConverter) -> Repriced:
    """Convert every stored product priced in another currency into the shop's, in the
    caller's transaction; bumps the catalog revision when anything changed.

    All or nothing: a currency without a rate, or a price that would grow past the largest
    price, raises ``InvalidInput`` naming it (``loc=("currency",)`` or
    ``("products", id, "price")``), and the caller's rollback leaves every product as it
    was.

    >>> reprice_catalog(session, converter=CurrencyConverter("PLN", {"EUR": Decimal("4.3")}))
    ... # doctest: +SKIP
    Repriced(converted={'EUR': 12}, rates={'EUR': Decimal('4.3')})
    """
    found = foreign_priced(session, shop=converter.shop)
    rates: dict[str, Decimal] = {}
    missing: list[str] = []
    for currency in sorted(found):
        try:
            rates[currency] = converter.rate(currency)
        except NoRate:
            missing.append(currency)
    if missing:
        raise InvalidInput(
            f"no exchange rate for {', '.join(missing)}: nothing was converted",
            [FieldError(("currency",), f"{_products(found[c])} priced in {c}; "
                        f"{converter.source} has no {c} rate") for c in missing])
    converted: Counter[str] = Counter()
    while True:
        # Converted rows leave the selection, so each round reads the next ones.
        batch = session.scalars(select(Product).where(Product.currency != converter.shop)
                                .order_by(Product.id).limit(_BATCH)).all()
        if not batch:
            break
        for product in batch:
            currency = product.currency
            try:
                product.price, product.sale_price = converter.convert_prices(
                    product.price, product.sale_price, currency)
            except ValueError as exc:
                raise InvalidInput(f"product {product.id!r} cannot be converted", [
                    FieldError(("products", product.id, "price"), str(exc))]) from None
            product.currency = converter.shop
            converted[currency] += 1
        session.flush()
    if converted:
        revisions.bump(session)
    return Repriced(converted=dict(sorted(converted.items())), rates=rates)

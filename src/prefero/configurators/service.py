"""The configurator's use cases: read a definition, evaluate choices, pre-select from the
customer's wishes, keep a customer's configurations, and turn one into an order line.

No HTTP here (the API and the storefront both call these). A configuration is accepted for
saving only when it can be ordered as it stands; an order re-evaluates it, since stock and
the shop's rules may have changed since it was saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.configurators.defaults import Preselection, preselect, read_wishes
from prefero.configurators.definition import Configurator, ConfiguratorSet
from prefero.configurators.engine import ChoiceMap, Evaluation, Problem, evaluate
from prefero.configurators.models import OptionStock, SavedConfiguration
from prefero.configurators.schemas import ConfiguredLine, SavedConfigurationOut
from prefero.currency import MAX_STORED_DECIMALS, minor_digits
from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound

__all__ = [
    "MAX_SAVED",
    "configurator",
    "defaults_for",
    "delete_configuration",
    "evaluate_choices",
    "exported_configurations",
    "get_configuration",
    "list_configurations",
    "order_line",
    "save_configuration",
    "stock_levels",
    "take_stock",
]

#: Saved configurations one customer may keep (a wish list, not a warehouse).
MAX_SAVED = 50


def configurator(configurators: ConfiguratorSet, product_id: str) -> Configurator:
    """The product's configurator; ``NotFound`` when the product is not configurable.

    >>> from prefero.configurators.loader import load_configurators_file
    >>> configurator(load_configurators_file(), "cfg-shirt").title.en
    'Made-to-order Oxford shirt'
    """
    found = configurators.get(product_id)
    if found is None:
        raise NotFound(f"product {product_id!r} has no configurator")
    return found


def stock_levels(session: Session, definition: Configurator) -> dict[tuple[str, str], int | None]:
    """The live count of each option the shop has sold or set; the definition's own count
    (or unlimited) for the others."""
    levels: dict[tuple[str, str], int | None] = {
        (g.key, o.key): o.stock for g in definition.groups for o in g.options}
    for group, option, remaining in session.execute(
            select(OptionStock.group_key, OptionStock.option_key, OptionStock.remaining)
            .where(OptionStock.product_id == definition.product_id)):
        if (group, option) in levels:
            levels[(group, option)] = remaining
    return levels


def evaluate_choices(session: Session, configurators: ConfiguratorSet, *, product_id: str,
                     choices: ChoiceMap, today: date | None = None) -> Evaluation:
    """``evaluate`` with the live stock.

    >>> evaluate_choices(session, configurators, product_id="cfg-shirt",
    ...                  choices={"fabric": "linen"}).valid  # doctest: +SKIP
    False
    """
    definition = configurator(configurators, product_id)
    return evaluate(definition, choices, stock=stock_levels(session, definition), today=today)


def defaults_for(session: Session, configurators: ConfiguratorSet, *, customer_id: str,
                 product_id: str, settings: Settings, language: str = "en",
                 today: date | None = None) -> Preselection:
    """The pre-selection for this customer, explained (the shop's defaults when their
    consent or level keeps their wishes out)."""
    definition = configurator(configurators, product_id)
    wishes = read_wishes(session, customer_id=customer_id, settings=settings)
    return preselect(definition, wishes, stock=stock_levels(session, definition),
                     language=language, today=today)


def _refused(problems: tuple[Problem, ...], *, language: str = "en") -> list[FieldError]:
    return [FieldError(problem.loc, problem.message.text(language)) for problem in problems]


def _out(row: SavedConfiguration) -> SavedConfigurationOut:
    return SavedConfigurationOut(id=row.id, product_id=row.product_id, name=row.name,
                                 choices=dict(row.choices), price=row.price,
                                 currency=row.currency, digest=row.digest,
                                 created_at=row.created_at)


def save_configuration(session: Session, configurators: ConfiguratorSet, *, customer_id: str,
                       product_id: str, choices: ChoiceMap, name: str | None = None,
                       language: str = "en") -> SavedConfigurationOut:
    """Keep a configuration that can be ordered as it stands (creating the customer).

    ``NotFound`` for a product without a configurator; ``InvalidInput`` with one error per
    problem at ``("choices", group[, index])`` otherwise; ``Conflict`` past ``MAX_SAVED``.

    >>> save_configuration(session, configurators, customer_id="c1",
    ...                    product_id="cfg-shirt", choices=shop_defaults).price  # doctest: +SKIP
    Decimal('249.00')
    """
    definition = configurator(configurators, product_id)
    evaluation = evaluate(definition, choices, stock=stock_levels(session, definition))
    if not evaluation.valid:
        raise InvalidInput("the configuration cannot be ordered as it stands",
                           _refused(evaluation.problems, language=language))
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})
    held = len(session.scalars(select(SavedConfiguration.id).where(
        SavedConfiguration.customer_id == customer_id)).all())
    if held >= MAX_SAVED:
        raise Conflict(f"a customer keeps at most {MAX_SAVED} configurations; delete one "
                       "first")
    row = SavedConfiguration(
        customer_id=customer_id, product_id=product_id,
        name=name or definition.title.text(language), choices=evaluation.choices,
        price=evaluation.price, currency=evaluation.currency, digest=definition.digest,
        created_at=utcnow())
    session.add(row)
    session.flush()
    return _out(row)


def list_configurations(session: Session, *, customer_id: str) -> list[SavedConfigurationOut]:
    """The customer's saved configurations, newest first (empty for an unknown customer)."""
    return [_out(row) for row in session.scalars(
        select(SavedConfiguration).where(SavedConfiguration.customer_id == customer_id)
        .order_by(SavedConfiguration.created_at.desc(), SavedConfiguration.id.desc()))]


def _row(session: Session, customer_id: str, configuration_id: int) -> SavedConfiguration:
    row = session.get(SavedConfiguration, configuration_id)
    # Another customer's configuration is answered like a missing one.
    if row is None or row.customer_id != customer_id:
        raise NotFound(f"no saved configuration {configuration_id} for this customer")
    return row


def get_configuration(session: Session, *, customer_id: str,
                      configuration_id: int) -> SavedConfigurationOut:
    """One saved configuration of the customer; ``NotFound`` otherwise."""
    return _out(_row(session, customer_id, configuration_id))


def delete_configuration(session: Session, *, customer_id: str, configuration_id: int) -> None:
    """Forget one saved configuration; ``NotFound`` when the customer has no such one."""
    _row(session, customer_id, configuration_id)
    session.execute(delete(SavedConfiguration).where(
        SavedConfiguration.id == configuration_id))


def exported_configurations(session: Session, customer_id: str) -> list[SavedConfigurationOut]:
    """For the data export (prefero.privacy): every saved configuration."""
    return list_configurations(session, customer_id=customer_id)


def _money(value: Decimal, currency: str) -> str:
    """``value`` written with at least the currency's decimals ("1400.00", not "1400.0");
    a net price with more keeps them (the total is rounded once, not each line)."""
    digits = min(minor_digits(currency), MAX_STORED_DECIMALS)
    exponent = value.as_tuple().exponent
    places = max(digits, -exponent if isinstance(exponent, int) else digits)
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def order_line(session: Session, configurators: ConfiguratorSet, *, customer_id: str,
               configuration_id: int, language: str = "en",
               today: date | None = None) -> ConfiguredLine:
    """A saved configuration as an order line, re-evaluated and priced now.

    ``NotFound`` when the customer has no such configuration; ``Conflict`` (errors at
    ``("choices", group)``) when it can no longer be ordered: an option sold out, a rule
    or an option the shop changed, or the product no longer configurable.

    >>> line = order_line(session, configurators, customer_id="c1",
    ...                   configuration_id=7, language="pl")  # doctest: +SKIP
    >>> line.unit_price, line.snapshot["choices"][0]["label"]  # doctest: +SKIP
    (Decimal('4349.00'), 'Intel Core i5 (10 rdzeni)')
    """
    row = _row(session, customer_id, configuration_id)
    definition = configurators.get(row.product_id)
    if definition is None:
        raise Conflict(f"{row.product_id!r} is no longer configurable",
                       [FieldError(("configuration_id",), "the product is no longer sold as "
                                                          "a configuration")])
    evaluation = evaluate(definition, row.choices, stock=stock_levels(session, definition),
                          today=today)
    if not evaluation.valid:
        raise Conflict("the saved configuration can no longer be ordered as it is",
                       _refused(evaluation.problems, language=language))
    currency = definition.currency
    chosen = [{"group": c.group, "group_label": c.group_label.text(language),
               "option": c.option, "label": c.label.text(language),
               "price": _money(c.price, currency)} for c in evaluation.chosen]
    summary = ", ".join(c.label.text(language) for c in evaluation.chosen)
    title = definition.title.text(language)
    snapshot: dict[str, Any] = {
        "configuration_id": row.id, "product_id": definition.product_id,
        "version": definition.version, "digest": definition.digest, "currency": currency,
        "base_price": _money(definition.base_price, currency),
        "total": _money(evaluation.price, currency), "choices": chosen,
        "delivery_days": evaluation.delivery.days,
    }
    return ConfiguredLine(product_id=definition.product_id, unit_price=evaluation.price,
                          currency=evaluation.currency,
                          title=f"{title} ({summary})"[:500] if summary else title,
                          snapshot=snapshot)


def take_stock(session: Session, configurators: ConfiguratorSet, snapshot: Mapping[str, Any],
               *, quantity: int = 1) -> None:
    """Count the options of a placed order line (``snapshot`` as ``order_line`` made it)
    out of the stock of those whose stock is counted. ``Conflict`` at ``("choices", group)``
    when one has fewer than ``quantity`` left (the caller's rollback then undoes the rest).

    An option's first sale creates its live row from the definition's count; each row is
    locked while it is decremented, so two orders cannot both take the last unit.

    >>> take_stock(session, configurators, line.snapshot)  # doctest: +SKIP
    """
    definition = configurators.get(str(snapshot.get("product_id", "")))
    if definition is None:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for choice in snapshot.get("choices", []):
        group, key = str(choice.get("group")), str(choice.get("option"))
        option = definition.option(f"{group}.{key}")
        if option is None or option.stock is None:
            continue  # not counted: unlimited
        session.execute(insert(OptionStock).values(
            product_id=definition.product_id, group_key=group, option_key=key,
            remaining=option.stock, updated_at=utcnow()).on_conflict_do_nothing())
        row = session.scalars(select(OptionStock).where(
            OptionStock.product_id == definition.product_id, OptionStock.group_key == group,
            OptionStock.option_key == key).with_for_update()).one()
        if row.remaining < quantity:
            raise Conflict(f"only {row.remaining} left of {group}.{key}", [FieldError(
                ("choices", group), f"{option.label.en}: only {row.remaining} left")])
        row.remaining -= quantity
        row.updated_at = utcnow()
    session.flush()

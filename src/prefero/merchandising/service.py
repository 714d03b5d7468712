"""The shop's merchandising rules in the database: listed, checked, created, updated and
deleted. Every change bumps the ``merchandising`` revision counter, which the recommendation
engine reads together with the catalogue's on each request (one read for both), so every
process applies a change from its next request on.

What an editor needs: ``list_rules`` (in the order conflicts are settled), ``get_rule``,
``check_rule`` (every wrong field with its path, nothing stored), ``add_rule``,
``update_rule`` and ``delete_rule``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.revisions import bump
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.merchandising.checks import checked
from prefero.merchandising.models import MerchandisingRule
from prefero.merchandising.schemas import Condition, Rule, RuleIn

__all__ = [
    "MAX_RULES",
    "MERCHANDISING",
    "ShopRules",
    "add_rule",
    "check_rule",
    "delete_rule",
    "get_rule",
    "list_rules",
    "load_shop_rules",
    "update_rule",
]

#: The revision counter every change of the rules bumps.
MERCHANDISING = "merchandising"
#: Rules a shop keeps, at most (every one is compiled over the catalogue on a change).
MAX_RULES = 1000


@dataclass(frozen=True)
class ShopRules:
    """Every enabled rule as of ``revision`` of the counter: what the request path holds."""

    revision: int
    rules: tuple[Rule, ...]


def _out(row: MerchandisingRule) -> Rule:
    return Rule.model_validate({
        "id": row.id, "name": row.name, "action": row.action,
        "condition": Condition(facet=row.facet, values=list(row.values),
                               product_ids=list(row.product_ids)),
        "placements": tuple(row.placements), "starts_at": row.starts_at,
        "ends_at": row.ends_at, "strength": row.strength, "position": row.position,
        "enabled": row.enabled, "priority": row.priority, "created_at": row.created_at,
        "updated_at": row.updated_at})


# The order in which conflicts are settled: the highest priority first, then the oldest.
_ORDER = (MerchandisingRule.priority.desc(), MerchandisingRule.id)


def check_rule(rule: RuleIn, *, schema: FacetSchema) -> list[FieldError]:
    """What is wrong with ``rule`` (empty: it may be stored), each field with its path from
    the rule's root; stores nothing (an editor's live check).

    >>> # check_rule(RuleIn(name="x", action="hide", condition=Condition()), schema=schema)
    >>> # -> [FieldError(loc=('condition',), msg='names no products: ...')]
    """
    return checked(rule, schema=schema)[1]


def _valid(rule: RuleIn, schema: FacetSchema) -> Condition:
    condition, errors = checked(rule, schema=schema)
    if errors:
        raise InvalidInput("the merchandising rule is not valid", errors)
    return condition


def _write(row: MerchandisingRule, rule: RuleIn, condition: Condition) -> None:
    row.name = rule.name.strip()
    row.action = rule.action
    row.facet = condition.facet
    row.values = list(condition.values)
    row.product_ids = list(condition.product_ids)
    row.placements = list(rule.placements)
    row.starts_at, row.ends_at = rule.starts_at, rule.ends_at
    # A boost or bury without a strength moves by one unit (docs/merchandising.md).
    row.strength = (rule.strength if rule.strength is not None else 1.0) if rule.action in (
        "boost", "bury") else None
    row.position = rule.position
    row.enabled = rule.enabled
    row.priority = rule.priority
    row.updated_at = utcnow()


def list_rules(session: Session) -> list[Rule]:
    """Every rule, enabled or not, in the order conflicts are settled (the highest priority
    first, then the oldest).

    >>> # list_rules(session) -> [Rule(id=2, name='Winter boots', action='boost', …), …]
    """
    return [_out(row) for row in session.scalars(select(MerchandisingRule).order_by(*_ORDER))]


def get_rule(session: Session, rule_id: int) -> Rule:
    """One rule (``NotFound`` when there is none)."""
    return _out(_row(session, rule_id))


def add_rule(session: Session, rule: RuleIn, *, schema: FacetSchema) -> Rule:
    """Store one more rule; ``InvalidInput`` names each field that is wrong.

    >>> # add_rule(session, RuleIn(name="Acme week", action="boost",
    >>> #          condition=Condition(facet="brand", values=["ACME"])), schema=schema)
    >>> # -> Rule(..., condition=Condition(facet='brand', values=['acme'], ...), strength=1.0)
    """
    condition = _valid(rule, schema)
    count = int(session.scalar(select(func.count()).select_from(MerchandisingRule)) or 0)
    if count >= MAX_RULES:
        raise InvalidInput(f"a shop keeps at most {MAX_RULES} merchandising rules", [])
    row = MerchandisingRule()
    _write(row, rule, condition)
    row.created_at = row.updated_at
    session.add(row)
    bump(session, MERCHANDISING)
    session.flush()
    return _out(row)


def update_rule(session: Session, rule_id: int, rule: RuleIn, *, schema: FacetSchema) -> Rule:
    """Replace rule ``rule_id`` with ``rule`` (``NotFound`` when there is none; an invalid
    rule changes nothing)."""
    condition = _valid(rule, schema)
    row = _row(session, rule_id)
    _write(row, rule, condition)
    bump(session, MERCHANDISING)
    session.flush()
    return _out(row)


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete rule ``rule_id`` (``NotFound`` when there is none)."""
    session.delete(_row(session, rule_id))
    bump(session, MERCHANDISING)
    session.flush()


def load_shop_rules(session: Session, revision: int) -> ShopRules:
    """The enabled rules, for the request path's copy as of ``revision`` (read by the caller
    before this: a change committed in between is read again at the next request)."""
    rows = session.scalars(select(MerchandisingRule)
                           .where(MerchandisingRule.enabled.is_(True)).order_by(*_ORDER))
    return ShopRules(revision=revision, rules=tuple(_out(row) for row in rows))


def _row(session: Session, rule_id: int) -> MerchandisingRule:
    row = session.get(MerchandisingRule, rule_id)
    if row is None:
        raise NotFound(f"no merchandising rule {rule_id}")
    return row

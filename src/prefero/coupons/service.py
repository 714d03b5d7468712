"""Coupon pools and the codes customers choose from them.

A customer gets at most one code per pool. Choosing locks the pool's row (PostgreSQL; SQLite
serializes writers already), so the count of codes handed out never passes the pool's total,
and the unique constraint on (pool, customer) is the last word should two requests of one
customer race anyway.

What a customer may choose keeps to their own rules: a product that breaks one
(``prefero.recommend.constraints.violations``, as every recommendation is checked) and a
category they excluded with a ``never`` rule are neither offered (``open_choices``) nor
accepted (``choose``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.config import Settings
from prefero.coupons.models import Coupon, CouponPool
from prefero.coupons.schemas import (
    AppliesKind,
    ChosenCount,
    CouponChoice,
    CouponOut,
    Pool,
    PoolIn,
    PoolStats,
)
from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.constraints import violations
from prefero.recommend.profile import CustomerProfile, load_profile

__all__ = [
    "ChoiceOption",
    "OpenChoice",
    "add_pool",
    "choice_options",
    "choose",
    "customer_coupons",
    "delete_pool",
    "exported_coupons",
    "get_pool",
    "is_open",
    "list_pools",
    "new_code",
    "open_choices",
    "open_pools",
    "pool_stats",
    "product_titles",
    "update_pool",
]

# No 0/O, 1/I/L: a code is read aloud and typed from a phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    """A fresh random code (about 49 bits).

    >>> len(new_code()), new_code().isalnum()
    (10, True)
    """
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + CATEGORY_SEPARATOR)


def _pool(row: CouponPool, settings: Settings) -> Pool:
    return Pool(id=row.id, name=row.name, percent_off=row.percent_off,
                amount_off=row.amount_off, codes_total=row.codes_total,
                valid_from=row.valid_from, valid_until=row.valid_until,
                category_roots=list(row.category_roots), product_ids=list(row.product_ids),
                issued=row.issued, remaining=max(row.codes_total - row.issued, 0),
                currency=settings.shop_currency, created_at=row.created_at,
                updated_at=row.updated_at)


def _check(pool: PoolIn, index: CatalogIndex) -> PoolIn:
    """Every wrong field at once; answers the pool with category paths in stored form."""
    errors: list[FieldError] = []
    if (pool.percent_off is None) == (pool.amount_off is None):
        errors.append(FieldError(("percent_off",),
                                 "give exactly one of percent_off and amount_off"))
    if pool.valid_until <= pool.valid_from:
        errors.append(FieldError(("valid_until",), "must be after valid_from"))
    if not pool.category_roots and not pool.product_ids:
        errors.append(FieldError(("category_roots",), "name at least one category or product "
                                                      "customers may choose"))
    roots: list[str] = []
    for i, root in enumerate(pool.category_roots):
        compared = index.schema.compared("category", root)
        if ("category", compared) not in index.postings:
            errors.append(FieldError(("category_roots", i), "no product lies in this "
                                                            "category"))
        roots.append(compared)
    for i, product_id in enumerate(pool.product_ids):
        if product_id not in index.position:
            errors.append(FieldError(("product_ids", i), "no such product in the catalogue"))
    if errors:
        raise InvalidInput("the coupon pool is not usable", errors)
    # Cents, as the columns keep them: the answer to a write reads as the next read does.
    cents = Decimal("0.01")
    return pool.model_copy(update={
        "category_roots": list(dict.fromkeys(roots)),
        "product_ids": list(dict.fromkeys(pool.product_ids)),
        "percent_off": pool.percent_off.quantize(cents) if pool.percent_off else None,
        "amount_off": pool.amount_off.quantize(cents) if pool.amount_off else None})


def _write(row: CouponPool, pool: PoolIn) -> None:
    row.name = pool.name
    row.percent_off, row.amount_off = pool.percent_off, pool.amount_off
    row.codes_total = pool.codes_total
    row.valid_from, row.valid_until = pool.valid_from, pool.valid_until
    row.category_roots, row.product_ids = pool.category_roots, pool.product_ids
    row.updated_at = utcnow()


def list_pools(session: Session, *, settings: Settings) -> list[Pool]:
    """Every pool, the newest first."""
    rows = session.scalars(select(CouponPool).order_by(CouponPool.id.desc()))
    return [_pool(row, settings) for row in rows]


def _row(session: Session, pool_id: int, *, lock: bool = False) -> CouponPool:
    query = select(CouponPool).where(CouponPool.id == pool_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no coupon pool {pool_id}")
    return row


def get_pool(session: Session, pool_id: int, *, settings: Settings) -> Pool:
    return _pool(_row(session, pool_id), settings)


def add_pool(session: Session, pool: PoolIn, *, index: CatalogIndex, settings: Settings
             ) -> Pool:
    """Open a pool, e.g. 15 % off, 500 codes, any category under "Beauty".

    >>> add_pool(session, PoolIn(name="Beauty", percent_off=Decimal(15), codes_total=500,
    ...          valid_from=start, valid_until=end, category_roots=["Beauty"]),
    ...          index=index, settings=settings).remaining  # doctest: +SKIP
    500
    """
    checked = _check(pool, index)
    row = CouponPool(issued=0, created_at=utcnow())
    _write(row, checked)
    session.add(row)
    session.flush()
    return _pool(row, settings)


def update_pool(session: Session, pool_id: int, pool: PoolIn, *, index: CatalogIndex,
                settings: Settings) -> Pool:
    """Replace a pool's terms; codes already chosen keep what they were chosen for."""
    row = _row(session, pool_id, lock=True)
    checked = _check(pool, index)
    if checked.codes_total < row.issued:
        raise InvalidInput("fewer codes than already handed out",
                           [FieldError(("codes_total",), f"{row.issued} codes are handed out "
                                                         f"already; give at least that many")])
    _write(row, checked)
    session.flush()
    return _pool(row, settings)


def delete_pool(session: Session, pool_id: int) -> None:
    """Delete a pool no customer holds a code of (close one by moving ``valid_until``)."""
    row = _row(session, pool_id, lock=True)
    if row.issued:
        raise Conflict(f"customers hold {row.issued} codes of this pool; end it by setting "
                       f"valid_until instead")
    session.execute(delete(CouponPool).where(CouponPool.id == pool_id))


def is_open(row: CouponPool | Pool, now: datetime) -> bool:
    return row.valid_from <= now < row.valid_until and row.issued < row.codes_total


def open_pools(session: Session, *, now: datetime, settings: Settings) -> list[Pool]:
    """Pools a customer may choose from now (within dates, codes left), ending soonest
    first."""
    rows = session.scalars(select(CouponPool).where(
        CouponPool.valid_from <= now, CouponPool.valid_until > now,
        CouponPool.issued < CouponPool.codes_total).order_by(CouponPool.valid_until,
                                                             CouponPool.id))
    return [_pool(row, settings) for row in rows]


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    """One thing a customer may choose their code for."""

    #: What the storefront's form posts: "category:<path>" or "product:<id>".
    value: str
    kind: AppliesKind
    #: A category path (the page words it) or a product's title.
    label: str


@dataclass(frozen=True, slots=True)
class OpenChoice:
    """An open pool the customer holds no code of, and what they may choose in it."""

    pool: Pool
    options: list[ChoiceOption]


def _excluded(profile: CustomerProfile, index: CatalogIndex) -> list[str]:
    """The category paths the customer excluded with a ``never`` rule (compared form)."""
    return [index.schema.compared("category", value) for facet, value in profile.never
            if facet == "category"]


def choice_options(pool: Pool, index: CatalogIndex, profile: CustomerProfile
                   ) -> tuple[list[str], list[str]]:
    """What the customer may choose in ``pool``: the category paths at or under its roots
    that products lie in, less those at or under a category they excluded, and its products
    still in the catalogue that pass every rule of theirs (``violations``, as every
    recommendation is checked).

    >>> choice_options(pool, index, profile)  # doctest: +SKIP
    (['Beauty > Skincare'], ['cream'])
    """
    excluded = _excluded(profile, index)
    categories = sorted({path for (facet, path) in index.postings if facet == "category"
                         and any(_under(path, root) for root in pool.category_roots)
                         and not any(_under(path, never) for never in excluded)})
    products = [p for p in pool.product_ids
                if (position := index.position.get(p)) is not None
                and not violations(index, position, profile)]
    return categories, products


def open_choices(session: Session, *, customer_id: str, index: CatalogIndex,
                 settings: Settings, now: datetime) -> list[OpenChoice]:
    """The pools open now that the customer holds no code of, each with what their rules let
    them choose, ending soonest first; a pool that leaves them nothing to choose is left
    out.

    >>> [c.pool.name for c in open_choices(session, customer_id="c1", index=index,
    ...                                    settings=settings, now=now)]  # doctest: +SKIP
    ['Beauty week']
    """
    taken = set(session.scalars(select(Coupon.pool_id).where(
        Coupon.customer_id == customer_id)))
    pools = [pool for pool in open_pools(session, now=now, settings=settings)
             if pool.id not in taken]
    if not pools:
        return []
    profile = load_profile(session, customer_id=customer_id, settings=settings)
    found: list[OpenChoice] = []
    for pool in pools:
        categories, products = choice_options(pool, index, profile)
        options = ([ChoiceOption(f"category:{path}", "category", path) for path in categories]
                   + [ChoiceOption(f"product:{pid}", "product",
                                   index.titles[index.position[pid]]) for pid in products])
        if options:
            found.append(OpenChoice(pool, options))
    return found


def product_titles(coupons: Sequence[CouponOut], index: CatalogIndex) -> dict[str, str]:
    """Product id → title for the codes chosen for a product still in the catalogue."""
    return {c.applies_value: index.titles[index.position[c.applies_value]]
            for c in coupons if c.applies_kind == "product"
            and c.applies_value in index.position}


def _allowed(row: CouponPool, choice: CouponChoice, index: CatalogIndex
             ) -> tuple[str, str]:
    """(kind, value) of the choice in stored form, or every wrong field."""
    if (choice.category is None) == (choice.product_id is None):
        raise InvalidInput("choose a category or a product", [FieldError(
            ("category",), "give exactly one of category and product_id")])
    if choice.category is not None:
        path = index.schema.compared("category", choice.category)
        if (("category", path) not in index.postings
                or not any(_under(path, root) for root in row.category_roots)):
            raise InvalidInput("this pool's coupons do not apply to that category",
                               [FieldError(("category",), "not a category this pool offers")])
        return "category", path
    product_id = str(choice.product_id)
    position = index.position.get(product_id)
    offered = product_id in row.product_ids or (
        position is not None
        and any(_under(index.categories[position], root) for root in row.category_roots))
    if position is None or not offered:
        raise InvalidInput("this pool's coupons do not apply to that product",
                           [FieldError(("product_id",), "not a product this pool offers")])
    return "product", product_id


def _within_rules(kind: str, value: str, index: CatalogIndex, profile: CustomerProfile
                  ) -> None:
    """Refuse a choice the customer's own rules exclude, naming the field."""
    if kind == "category":
        if any(_under(value, never) for never in _excluded(profile, index)):
            raise InvalidInput("you excluded this category", [FieldError(
                ("category",), "a category you excluded with a never rule")])
        return
    broken = violations(index, index.position[value], profile)
    if broken:
        raise InvalidInput("this product breaks your rules", [FieldError(
            ("product_id",), f"breaks your rules: {', '.join(broken)}")])


def _coupon(row: Coupon, pool: CouponPool, settings: Settings) -> CouponOut:
    return CouponOut(code=row.code, pool_id=pool.id, pool_name=pool.name,
                     applies_kind=row.applies_kind,
                     applies_value=row.applies_value, percent_off=pool.percent_off,
                     amount_off=pool.amount_off, currency=settings.shop_currency,
                     valid_until=pool.valid_until, created_at=row.created_at)


def choose(session: Session, *, customer_id: str, choice: CouponChoice, index: CatalogIndex,
           settings: Settings, now: datetime) -> tuple[CouponOut, bool]:
    """The customer's code from ``choice.pool_id`` for what they chose, and whether it was
    made now. Asking again answers the code they hold (their first choice stands).
    ``InvalidInput`` names the field at fault (``pool_id``, ``category``, ``product_id``),
    a category the customer excluded with a ``never`` rule and a product breaking their
    rules included;
    ``Conflict`` when the pool is closed or has no codes left.

    >>> choose(session, customer_id="c1", choice=CouponChoice(pool_id=1,
    ...        category="Beauty > Skincare"), index=index, settings=settings,
    ...        now=now)[0].applies_value  # doctest: +SKIP
    'Beauty > Skincare'
    """
    try:
        row = _row(session, choice.pool_id, lock=True)
    except NotFound as exc:
        raise InvalidInput(exc.detail, [FieldError(("pool_id",), "no such coupon pool")]
                           ) from exc
    held = session.scalar(select(Coupon).where(Coupon.pool_id == row.id,
                                               Coupon.customer_id == customer_id))
    if held is not None:
        return _coupon(held, row, settings), False
    if not row.valid_from <= now < row.valid_until:
        raise Conflict("this coupon pool is not open now",
                       [FieldError(("pool_id",), "the pool is not open now")])
    if row.issued >= row.codes_total:
        raise Conflict("this coupon pool has no codes left",
                       [FieldError(("pool_id",), "no codes left")])
    kind, value = _allowed(row, choice, index)
    _within_rules(kind, value, index,
                  load_profile(session, customer_id=customer_id, settings=settings))
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})
    for _attempt in range(5):
        coupon = Coupon(pool_id=row.id, customer_id=customer_id, code=new_code(),
                        applies_kind=kind, applies_value=value, created_at=now)
        try:
            with session.begin_nested():
                session.add(coupon)
        except IntegrityError:
            held = session.scalar(select(Coupon).where(Coupon.pool_id == row.id,
                                                       Coupon.customer_id == customer_id))
            if held is not None:  # the same customer's other request won the race
                return _coupon(held, row, settings), False
            continue  # a code collision: draw again
        row.issued += 1
        session.flush()
        return _coupon(coupon, row, settings), True
    raise Conflict("could not draw a unique code; try again")  # pragma: no cover


def customer_coupons(session: Session, *, customer_id: str, settings: Settings
                     ) -> list[CouponOut]:
    """The customer's codes, the newest first."""
    rows = session.execute(
        select(Coupon, CouponPool).join(CouponPool, CouponPool.id == Coupon.pool_id)
        .where(Coupon.customer_id == customer_id)
        .order_by(Coupon.created_at.desc(), Coupon.id.desc())).all()
    return [_coupon(coupon, pool, settings) for coupon, pool in rows]


def pool_stats(session: Session, pool_id: int, *, settings: Settings) -> PoolStats:
    """What customers chose in one pool, most chosen first, and how many codes remain."""
    row = _row(session, pool_id)
    counted = session.execute(
        select(Coupon.applies_kind, Coupon.applies_value, func.count())
        .where(Coupon.pool_id == pool_id)
        .group_by(Coupon.applies_kind, Coupon.applies_value)
        .order_by(func.count().desc(), Coupon.applies_kind, Coupon.applies_value)).all()
    return PoolStats(pool=_pool(row, settings),
                     chosen=[ChosenCount(applies_kind=kind, applies_value=value, count=n)
                             for kind, value, n in counted])


def exported_coupons(session: Session, customer_id: str, *, settings: Settings
                     ) -> list[CouponOut]:
    """The customer's codes for the data export."""
    return customer_coupons(session, customer_id=customer_id, settings=settings)

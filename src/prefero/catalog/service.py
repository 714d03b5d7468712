"""Catalog services: write, read and import products. No HTTP here; errors are
``PreferoError``s that the API and the CLI turn into their own form.

Every write bumps the catalog revision inside the caller's transaction, so in-memory
readers (recommenders, search) notice the change exactly when it commits.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.catalog import changes, revisions
from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema, normalize_category
from prefero.catalog.feeds import FeedError, FeedFormat, ParsedRow, RowError, parse_feed
from prefero.catalog.feeds.source import FeedSource
from prefero.catalog.models import AVAILABILITIES, Product
from prefero.catalog.schemas import (
    Availability,
    Conversion,
    FacetValueError,
    ImportReport,
    ProductIn,
    ProductOut,
    ProductPage,
    normalize_product,
)
from prefero.currency import CurrencyConverter, NoRate
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput, NotFound

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_REPORTED_ERRORS",
    "ImportRefused",
    "UpsertResult",
    "deactivate_product",
    "decode_cursor",
    "encode_cursor",
    "existing_ids",
    "get_product",
    "import_feed",
    "in_shop_currency",
    "list_products",
    "put_product",
    "set_availability",
    "upsert_products",
]

MAX_PAGE_SIZE = 500
# Rows per INSERT statement: ~20 columns each stays far below SQLite's and PostgreSQL's
# bound-parameter limits, and 10k products take 20 round trips.
_BATCH = 500
# A refusal lists at most this many row problems in the problem+json body; the report
# attached to ImportRefused keeps all of them.
MAX_REPORTED_ERRORS = 1000
# Products an import holds before writing them: a few megabytes, whatever the feed's size.
_IMPORT_BATCH = 5000
# pg_advisory_xact_lock key that serialises catalogue imports (any fixed 64-bit number).
_IMPORT_LOCK = 0x70726566_66656564  # "preffeed"
_TABLE = cast(Table, Product.__table__)
_COLUMNS = tuple(column.key for column in _TABLE.columns)
#: What a product is, as written: a row whose values all equal the new ones is unchanged.
_CONTENT = tuple(key for key in _COLUMNS if key not in ("created_at", "updated_at"))


@dataclass(frozen=True, slots=True)
class UpsertResult:
    created: int
    updated: int
    #: Existing products written again with the very same values: left as they were.
    unchanged: int = 0


@dataclass
class ImportRefused(InvalidInput):
    """A feed with row errors, refused as a whole; ``report`` lists every row problem."""

    report: ImportReport | None = None


def _facet_errors(exc: FacetValueError, prefix: tuple[str | int, ...]) -> list[FieldError]:
    return [FieldError((*prefix, "facets", name), reason) for name, reason in exc.problems.items()]


def in_shop_currency(item: ProductIn, converter: CurrencyConverter) -> ProductIn:
    """``item`` with its prices in the shop's currency: converted at the shop's rate and
    rounded to the currency's minor unit, or ``NoRate`` (a ``ValueError``) naming the
    missing rate. A product already in the shop's currency comes back as it is.

    >>> from decimal import Decimal
    >>> money = CurrencyConverter("PLN", {"EUR": Decimal("4.3")})
    >>> item = ProductIn(id="A1", title="Tee", price="89.90", sale_price="79.90",
    ...                  currency="EUR")
    >>> converted = in_shop_currency(item, money)
    >>> (str(converted.price), str(converted.sale_price), converted.currency)
    ('386.57', '343.57', 'PLN')
    """
    if item.currency == converter.shop:
        return item
    price, sale_price = converter.convert_prices(item.price, item.sale_price, item.currency)
    return item.model_copy(update={"price": price, "sale_price": sale_price,
                                   "currency": converter.shop})


def _normalized(items: Sequence[ProductIn], schema: FacetSchema, *, indexed: bool,
                converter: CurrencyConverter) -> list[ProductIn]:
    products: list[ProductIn] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        prefix: tuple[str | int, ...] = (index,) if indexed else ()
        try:
            normalized = normalize_product(item, schema=schema)
        except FacetValueError as exc:
            errors.extend(_facet_errors(exc, prefix))
            normalized = None
        try:
            priced = in_shop_currency(normalized or item, converter)
        except ValueError as exc:
            # No rate: the currency is what to fix; a conversion too large: the price.
            field = "currency" if isinstance(exc, NoRate) else "price"
            errors.append(FieldError((*prefix, field), str(exc)))
            continue
        if normalized is not None:
            products.append(priced)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) with the product(s)", errors)
    return products


def existing_ids(session: Session, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` the catalogue holds, looked up ``_BATCH`` at a time.

    >>> existing_ids(session, ["sku-1", "no-such"])  # doctest: +SKIP
    {'sku-1'}
    """
    found: set[str] = set()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        found.update(session.scalars(select(Product.id).where(Product.id.in_(chunk))))
    return found


def _stored(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored content (``_CONTENT``) of those of ``ids`` that exist."""
    found: dict[str, dict[str, Any]] = {}
    columns = [_TABLE.c[key] for key in _CONTENT]
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        for row in session.execute(select(*columns).where(_TABLE.c.id.in_(chunk))):
            found[row.id] = dict(row._mapping)
    return found


def _write(session: Session, products: Sequence[ProductIn], *,
           bump: bool = True) -> UpsertResult:
    """Insert-or-replace in batches, one statement per batch, race-free on both backends.
    ``bump=False`` leaves the catalog revision to the caller (an import bumps it once)."""
    # The last of several versions of one id wins, as if they had been sent one by one.
    latest = {product.id: product for product in products}
    if not latest:
        return UpsertResult(0, 0)
    # Rows locked in one global order: two concurrent imports cannot deadlock each other.
    existing = _stored(session, sorted(latest))
    values = {pid: product.model_dump() for pid, product in latest.items()}
    # A product sent again as it is stays as it is: no write, no new updated_at, no
    # revision (an unchanged feed re-imported every night changes nothing).
    same = {pid for pid, stored in existing.items()
            if all(stored[key] == values[pid][key] for key in _CONTENT)}
    ids = sorted(pid for pid in latest if pid not in same)
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement compiled once, executed with many parameter sets: the driver batches
    # them (executemany), far cheaper than compiling a multi-row VALUES per batch.
    statement = insert(_TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={key: statement.excluded[key] for key in _COLUMNS
              if key not in ("id", "created_at")},
    )
    for start in range(0, len(ids), _BATCH):
        rows: list[dict[str, Any]] = [
            {**values[pid], "created_at": now, "updated_at": now}
            for pid in ids[start:start + _BATCH]
        ]
        session.execute(statement, rows)
    # Price drops, restocks and new products, for the message triggers: one insert.
    changes.record_changes(session, before=existing, after={pid: values[pid] for pid in ids},
                           now=now)
    # Core statements bypass the identity map; objects loaded earlier would be stale.
    session.expire_all()
    if bump and ids:
        revisions.bump(session)
    created = len(latest) - len(existing)
    return UpsertResult(created=created, updated=len(existing) - len(same),
                        unchanged=len(same))


def upsert_products(session: Session, items: Sequence[ProductIn], *,
                    schema: FacetSchema, converter: CurrencyConverter) -> UpsertResult:
    """Create or replace products by id, in batches; bumps the catalog revision once.

    Facet values are coerced through ``schema`` (brand, category and condition mirrored
    into them); a value the schema refuses raises ``InvalidInput`` with
    ``loc=(index, "facets", name)`` and nothing is written. A product priced in another
    currency than the shop's is converted with ``converter``'s rate, or refused with
    ``loc=(index, "currency")`` when there is none.

    >>> upsert_products(session, [ProductIn(id="A1", title="Tee", price=9, currency="PLN")],
    ...                 schema=runtime.facet_schema,
    ...                 converter=runtime.currency_converter)  # doctest: +SKIP
    UpsertResult(created=1, updated=0)
    """
    return _write(session, _normalized(items, schema, indexed=True, converter=converter))


def put_product(session: Session, item: ProductIn, *, schema: FacetSchema,
                converter: CurrencyConverter) -> tuple[Product, bool]:
    """Create or replace one product; returns it and whether it was created.

    Facet errors carry ``loc=("facets", name)``, as fields of the one product; a price in
    a currency the shop has no rate for ``loc=("currency",)``.

    >>> product, created = put_product(session, item, schema=schema,
    ...                                converter=converter)  # doctest: +SKIP
    """
    (product_in,) = _normalized([item], schema, indexed=False, converter=converter)
    result = _write(session, [product_in])
    product = session.get(Product, product_in.id, populate_existing=True)
    assert product is not None  # just written in this transaction
    return product, result.created == 1


def get_product(session: Session, product_id: str) -> Product:
    """The product with ``product_id``, or ``NotFound``.

    >>> get_product(session, "A1").title  # doctest: +SKIP
    'Tee'
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"there is no product with id {product_id!r}")
    return product


def encode_cursor(last_id: str) -> str:
    """The opaque cursor after ``last_id``: URL-safe base64, no padding.

    >>> encode_cursor("A1")
    'cDpBMQ'
    """
    return base64.urlsafe_b64encode(f"p:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The last id a cursor stands for; ``InvalidInput`` for anything not made by us.

    >>> decode_cursor(encode_cursor("żółw 1"))
    'żółw 1'
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("p:"):
        raise InvalidInput("the cursor is not valid",
                           [FieldError(("cursor",), "not a cursor returned by this API")])
    return text[2:]


def list_products(session: Session, *, cursor: str | None, limit: int,
                  active: bool | None = None, category_prefix: str | None = None) -> ProductPage:
    """A page of products ordered by id (in the database's collation).

    ``category_prefix`` keeps a category and everything below it ("Fashion > Shoes"
    matches "Fashion > Shoes > Running", not "Fashion > Shoelaces").

    >>> page = list_products(session, cursor=None, limit=50, active=True)  # doctest: +SKIP
    >>> page = list_products(session, cursor=page.next_cursor, limit=50)  # doctest: +SKIP
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}",
                           [FieldError(("limit",), f"must be between 1 and {MAX_PAGE_SIZE}")])
    query = select(Product).order_by(Product.id).limit(limit + 1)
    if cursor:
        query = query.where(Product.id > decode_cursor(cursor))
    if active is not None:
        query = query.where(Product.active.is_(active))
    if category_prefix:
        prefix = normalize_category(category_prefix)
        query = query.where(
            (Product.category == prefix)
            | Product.category.startswith(prefix + CATEGORY_SEPARATOR, autoescape=True)
        )
    products = list(session.scalars(query))
    more = len(products) > limit
    products = products[:limit]
    next_cursor = encode_cursor(products[-1].id) if more else None
    return ProductPage(items=[ProductOut.model_validate(p) for p in products],
                       next_cursor=next_cursor)


def deactivate_product(session: Session, product_id: str) -> Product:
    """Take a product out of recommendations and search; it is never deleted (orders,
    events and models still refer to it). Idempotent.

    >>> deactivate_product(session, "A1").active  # doctest: +SKIP
    False
    """
    product = get_product(session, product_id)
    if product.active:
        product.active = False
        product.updated_at = utcnow()
        revisions.bump(session)
        session.flush()
    return product


def set_availability(session: Session, product_id: str, *,
                     availability: Availability) -> Product:
    """Change only the stock status (e.g. from an inventory webhook). Idempotent.

    >>> set_availability(session, "A1", availability="out_of_stock").in_stock  # doctest: +SKIP
    False
    """
    if availability not in AVAILABILITIES:
        raise InvalidInput(f"unknown availability {availability!r}", [
            FieldError(("availability",), f"use one of {', '.join(AVAILABILITIES)}"),
        ])
    product = get_product(session, product_id)
    if product.availability != availability:
        was, product.availability = product.availability, availability
        product.updated_at = utcnow()
        changes.record_availability(session, product_id=product.id, was=was,
                                    became=availability, price=product.effective_price,
                                    currency=product.currency, now=product.updated_at)
        revisions.bump(session)
        session.flush()
    return product


def _row_field_error(error: RowError) -> FieldError:
    loc: tuple[str | int, ...] = ("rows", error.line)
    if error.column is not None:
        loc = (*loc, error.column)
    return FieldError(loc, error.reason)


def _priced(row: ParsedRow, converter: CurrencyConverter
            ) -> tuple[ProductIn | None, tuple[RowError, ...]]:
    """The row's product in the shop's currency, or its errors, with a missing exchange rate
    among them (reported on the price as written, beside the row's other problems)."""
    if row.currency is None or row.currency == converter.shop:
        return row.product, row.errors
    try:
        if row.product is None:
            converter.rate(row.currency)
            return None, row.errors
        return in_shop_currency(row.product, converter), ()
    except ValueError as exc:
        line, column = row.price_at or (row.line, "price")
        error = RowError(line, column, str(exc), row.product_id)
        return None, tuple(sorted((*row.errors, error), key=lambda e: e.line))


def _deactivate_unlisted(session: Session, listed: set[str]) -> int:
    """Deactivate the active products not in ``listed``, in batches; how many."""
    if not listed:
        raise InvalidInput("a full sync needs a feed that lists the catalogue; this one lists "
                           "no product, and would deactivate every one",
                           [FieldError(("feed",), "lists no product")])
    gone = [pid for pid in session.scalars(select(Product.id).where(Product.active))
            if pid not in listed]
    now = utcnow()
    for start in range(0, len(gone), _BATCH):
        session.execute(update(_TABLE).where(_TABLE.c.id.in_(gone[start:start + _BATCH]))
                        .values(active=False, updated_at=now))
    session.expire_all()
    return len(gone)


def import_feed(session: Session, data: FeedSource, *, schema: FacetSchema,
                converter: CurrencyConverter, format: FeedFormat | str | None = None,
                filename: str | None = None, skip_bad_rows: bool = False,
                full: bool = False) -> ImportReport:
    """Import a product feed (CSV, TSV, RSS/Atom XML or JSON Lines, Shopify or WooCommerce
    exports) in one transaction. A product given exactly as stored is left as it is
    (``unchanged``). With ``full`` the feed is the whole catalogue: active products it does
    not list (not even in a row with errors) are deactivated (``deactivated``); a feed with
    no product at all is refused rather than emptying the shop.

    All or nothing: a feed with any row error changes nothing and raises
    :class:`ImportRefused` (an ``InvalidInput`` with ``loc=("rows", line, column)`` per
    problem and the full report attached), unless ``skip_bad_rows`` is set; then the good
    rows are stored and ``report.skipped`` says which rows were left out and why. A file
    that cannot be read at all is refused either way.

    Prices in another currency than the shop's are converted with ``converter``'s rates
    (``report.converted`` says how many, at what rate); a row in a currency without a rate
    is a row error on its price.

    ``data`` is the feed's bytes or a seekable binary file. Rows are written as they are
    read, ``_IMPORT_BATCH`` at a time, so memory stays flat however large the feed; a
    refusal found later raises, and the caller's unit of work (``session_scope`` rolls back
    on any error) undoes the batches already written. Concurrent imports take turns on
    PostgreSQL (a transaction-level advisory lock), because batches lock their rows in
    order within a batch only.

    >>> report = import_feed(session, Path("products.csv").read_bytes(),
    ...                      schema=runtime.facet_schema, converter=runtime.currency_converter,
    ...                      filename="products.csv")  # doctest: +SKIP
    >>> (report.created, report.updated, report.skipped)  # doctest: +SKIP
    (120, 0, [])
    """
    pending: list[ProductIn] = []
    bad: list[RowError] = []
    converted: Counter[str] = Counter()
    listed: set[str] = set()  # every product id the feed names, in good rows or bad
    created = updated = unchanged = 0
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    try:
        feed = parse_feed(data, schema=schema, format=format, filename=filename,
                          currency=converter.shop)
        for row in feed:
            if row.product_id is not None:
                listed.add(row.product_id)
            product, errors = _priced(row, converter)
            if product is None:
                bad.extend(errors)
            elif not bad or skip_bad_rows:  # once refused, read on only for the errors
                if row.currency != product.currency:
                    converted[str(row.currency)] += 1
                pending.append(product)
                if len(pending) >= _IMPORT_BATCH:
                    result = _write(session, pending, bump=False)
                    created, updated = created + result.created, updated + result.updated
                    unchanged += result.unchanged
                    pending.clear()
    except FeedError as exc:
        loc: tuple[str | int, ...] = ("feed",) if exc.line is None else ("feed", exc.line)
        raise InvalidInput(f"the feed cannot be read: {exc}", [FieldError(loc, exc.reason)]) \
            from exc
    if bad and not skip_bad_rows:
        rows = len({error.line for error in bad})
        report = ImportReport(errors=bad, warnings=feed.warnings, currency=converter.shop)
        shown = bad[:MAX_REPORTED_ERRORS]
        more = f"; the first {len(shown)} are listed" if len(shown) < len(bad) else ""
        raise ImportRefused(
            f"{len(bad)} problem(s) in {rows} row(s); nothing was imported (fix them, or "
            f"import with skip_bad_rows to store the other rows){more}",
            [_row_field_error(error) for error in shown],
            report=report,
        )
    result = _write(session, pending, bump=False)
    created, updated = created + result.created, updated + result.updated
    unchanged += result.unchanged
    deactivated = _deactivate_unlisted(session, listed) if full else 0
    if created or updated or deactivated:
        revisions.bump(session)
    return ImportReport(
        created=created, updated=updated, unchanged=unchanged, deactivated=deactivated,
        skipped=bad, warnings=feed.warnings,
        currency=converter.shop,
        converted=[Conversion(currency=code, rate=converter.rate(code), products=count)
                   for code, count in sorted(converted.items())])

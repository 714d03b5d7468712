"""Catalog services on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.catalog import revisions
from prefero.catalog.facets import FacetSchema
from prefero.catalog.models import Product
from prefero.catalog.schemas import Conversion, ProductIn, RowError
from prefero.catalog.service import (
    ImportRefused,
    deactivate_product,
    get_product,
    import_feed,
    list_products,
    put_product,
    set_availability,
    upsert_products,
)
from prefero.currency import CurrencyConverter
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.runtime import Runtime

DATA = Path(__file__).parent / "data"


class _Catalog(TypedDict):
    schema: FacetSchema
    converter: CurrencyConverter


def _catalog(runtime: Runtime) -> _Catalog:
    """What every catalogue write takes from the runtime."""
    return {"schema": runtime.facet_schema, "converter": runtime.currency_converter}


def _item(pid: str, **fields: Any) -> ProductIn:
    values: dict[str, Any] = {"id": pid, "title": f"Product {pid}", "price": "10.00",
                              "currency": "PLN"}
    values.update(fields)
    return ProductIn.model_validate(values)


def _snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(select(Product).order_by(Product.id)).scalars()
    return [(p.id, p.title, p.price, p.availability, p.facets, p.active, p.updated_at)
            for p in rows]


def test_upsert_creates_then_replaces_and_bumps_the_revision_once(runtime: Runtime) -> None:
    with runtime.session() as session:
        result = upsert_products(session, [
            _item("a", brand="Nike", category="Fashion>Shoes", facets={"color": "Red/Blue"}),
            _item("b"),
        ], **_catalog(runtime))
        assert (result.created, result.updated) == (2, 0)
        assert revisions.current(session) == 1
    with runtime.session() as session:
        result = upsert_products(session, [_item("a", title="Renamed", price="12.50"),
                                           _item("c")], **_catalog(runtime))
        assert (result.created, result.updated) == (1, 1)
        assert revisions.current(session) == 2
    with runtime.session() as session:
        renamed = get_product(session, "a")
        # Replace semantics: what the new version leaves out is gone.
        assert (renamed.title, renamed.price, renamed.brand, renamed.facets) == (
            "Renamed", Decimal("12.50"), None, {})
        assert renamed.created_at < renamed.updated_at
        assert session.scalar(select(func.count()).select_from(Product)) == 3


def test_brand_category_and_facets_are_mirrored_and_normalized(runtime: Runtime) -> None:
    with runtime.session() as session:
        product, created = put_product(session, _item(
            "shoe-1", brand="  Nike ", category="Fashion / Shoes / Running", condition="new",
            facets={"color": "Red/ Blue", "size": ["42", "43"], "megapixels": None},
        ), **_catalog(runtime))
        assert created
        assert (product.brand, product.category) == ("Nike", "Fashion > Shoes > Running")
        assert product.facets == {
            "color": ["red", "blue"],
            "size": ["42", "43"],
            "brand": "nike",
            "category": "Fashion > Shoes > Running",
            "condition": "new",
        }
    with runtime.session() as session:
        _, created = put_product(session, _item("shoe-1"), **_catalog(runtime))
        assert not created


def test_a_facet_only_brand_fills_the_column(runtime: Runtime) -> None:
    with runtime.session() as session:
        product, _ = put_product(session, _item("x", facets={"brand": "ACME", "category": "A/B"}),
                                 **_catalog(runtime))
        assert (product.brand, product.category) == ("ACME", "A > B")
        assert product.facets == {"brand": "acme", "category": "A > B"}


def test_bad_facet_values_change_nothing(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("keep", title="Original")], **_catalog(runtime))
    with pytest.raises(InvalidInput) as caught, runtime.session() as session:
        upsert_products(session, [
            _item("keep", title="Changed"),
            _item("new", facets={"megapixels": "lots", "flavour": "mint"}),
        ], **_catalog(runtime))
    assert list(caught.value.errors) == [
        FieldError((1, "facets", "megapixels"), "expected a number, got 'lots'"),
        FieldError((1, "facets", "flavour"),
                   "unknown facet 'flavour'; the facet schema does not define it"),
    ]
    with runtime.session() as session:
        assert [p[:2] for p in _snapshot(session)] == [("keep", "Original")]
        assert revisions.current(session) == 1


def test_get_missing_product_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound, match="no product with id 'nope'"), \
            runtime.session() as session:
        get_product(session, "nope")


def test_cursor_pagination_walks_every_product_once(runtime: Runtime) -> None:
    ids = [f"sku-{n:03d}" for n in range(7)]
    with runtime.session() as session:
        upsert_products(session, [_item(pid) for pid in reversed(ids)],
                        **_catalog(runtime))
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    with runtime.session() as session:
        while True:
            page = list_products(session, cursor=cursor, limit=3)
            seen.extend(item.id for item in page.items)
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == ids
    assert pages == 3


def test_exact_page_size_has_no_dangling_cursor(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("a"), _item("b")], **_catalog(runtime))
        page = list_products(session, cursor=None, limit=2)
        assert [item.id for item in page.items] == ["a", "b"]
        assert page.next_cursor is None


def test_a_forged_cursor_is_invalid_input(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as caught, runtime.session() as session:
        list_products(session, cursor="not base64!", limit=10)
    assert list(caught.value.errors) == [
        FieldError(("cursor",), "not a cursor returned by this API")
    ]


def test_filters_by_active_and_category_subtree(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [
            _item("run", category="Fashion > Shoes > Running"),
            _item("shoes", category="Fashion > Shoes"),
            _item("laces", category="Fashion > Shoelaces"),
            _item("pct", category="Fashion > Shoes%"),
            _item("old", category="Fashion > Shoes", active=False),
        ], **_catalog(runtime))
    with runtime.session() as session:
        def ids(**filters: Any) -> list[str]:
            page = list_products(session, cursor=None, limit=50, **filters)
            return sorted(item.id for item in page.items)

        assert ids(category_prefix="Fashion>Shoes") == ["old", "run", "shoes"]
        assert ids(category_prefix="Fashion > Shoes", active=True) == ["run", "shoes"]
        assert ids(active=False) == ["old"]
        assert ids(category_prefix="Fashion > Shoes%") == ["pct"]  # no LIKE wildcard


def test_deactivate_keeps_the_product_and_bumps_the_revision(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("a")], **_catalog(runtime))
    with runtime.session() as session:
        assert deactivate_product(session, "a").active is False
        assert revisions.current(session) == 2
    with runtime.session() as session:
        assert get_product(session, "a").active is False
        deactivate_product(session, "a")  # idempotent: no change, no new revision
        assert revisions.current(session) == 2


def test_set_availability(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("a")], **_catalog(runtime))
    with runtime.session() as session:
        product = set_availability(session, "a", availability="out_of_stock")
        assert (product.availability, product.in_stock) == ("out_of_stock", False)
    with runtime.session() as session:
        assert get_product(session, "a").availability == "out_of_stock"
        assert revisions.current(session) == 2
        with pytest.raises(InvalidInput):
            set_availability(session, "a", availability="sold")  # type: ignore[arg-type]


# The messy feed prices its rows in PLN, JPY, RUB and USD.
MESSY_RATES = CurrencyConverter("PLN", {"JPY": Decimal("0.026"), "RUB": Decimal("0.045"),
                                        "USD": Decimal("3.95")})


def test_import_messy_csv_then_reimport_updates(runtime: Runtime) -> None:
    data = (DATA / "messy_merchant.csv").read_bytes()
    with runtime.session() as session:
        report = import_feed(session, data, schema=runtime.facet_schema, converter=MESSY_RATES,
                             filename="messy_merchant.csv")
        assert (report.created, report.updated, report.skipped, report.errors) == (4, 0, [], [])
        assert len(report.warnings) == 1
    with runtime.session() as session:
        report = import_feed(session, data, schema=runtime.facet_schema, converter=MESSY_RATES,
                             format="csv")
        # The same feed again changes nothing: no update, no new catalogue revision.
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert revisions.current(session) == 1
        flour = get_product(session, "PL-001")
        assert flour.description.splitlines()[0] == "Mąka żytnia z młyna & piekarni."
        assert flour.facets["allergens"] == ["gluten"]
        # 1,299 JPY at 0.026: 33.774, rounded half up to the grosz.
        matcha = get_product(session, "JP-002")
        assert (matcha.price, matcha.currency) == (Decimal("33.77"), "PLN")
    changed = data.replace("z&nbsp;młyna".encode(), b"z&nbsp;wiatraka", 1)
    with runtime.session() as session:
        report = import_feed(session, changed, schema=runtime.facet_schema,
                             converter=MESSY_RATES, format="csv")
        assert (report.updated, report.unchanged) == (1, 3)
        assert revisions.current(session) == 2  # one bump per import that changes anything
        assert "wiatraka" in get_product(session, "PL-001").description


BAD_FEED = (
    b"id,title,price,diet\n"  # 1
    b"keep,Updated title,99 PLN,vegan\n"  # 2
    b"new-1,Fine,5 PLN,\n"  # 3
    b"new-2,Bad,five,\n"  # 4
    b"new-3,Fine too,6 PLN,\n"  # 5
    b",Missing id,7 PLN,\n"  # 6
)


def test_a_refused_import_changes_nothing(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("keep", title="Original")], **_catalog(runtime))
    with runtime.session() as session:
        before = _snapshot(session)

    with pytest.raises(ImportRefused) as caught, runtime.session() as session:
        import_feed(session, BAD_FEED, **_catalog(runtime), format="csv")

    refused = caught.value
    assert refused.status == 422
    assert list(refused.errors) == [
        FieldError(("rows", 4, "price"), "'five' is not a price; write the amount and an ISO "
                   "4217 currency code, e.g. '12.99 USD'"),
        FieldError(("rows", 6, "id"), "is required but empty"),
    ]
    assert refused.report is not None
    assert [(e.line, e.product_id) for e in refused.report.errors] == [(4, "new-2"), (6, None)]
    assert refused.detail.startswith("2 problem(s) in 2 row(s); nothing was imported")
    with runtime.session() as session:
        assert _snapshot(session) == before
        assert revisions.current(session) == 1


def test_skip_bad_rows_stores_exactly_the_good_rows(runtime: Runtime) -> None:
    with runtime.session() as session:
        upsert_products(session, [_item("keep", title="Original")], **_catalog(runtime))
    with runtime.session() as session:
        report = import_feed(session, BAD_FEED, **_catalog(runtime), format="csv",
                             skip_bad_rows=True)
    assert (report.created, report.updated, report.errors) == (2, 1, [])
    assert report.skipped == [
        RowError(4, "price", "'five' is not a price; write the amount and an ISO 4217 currency "
                 "code, e.g. '12.99 USD'", "new-2"),
        RowError(6, "id", "is required but empty", None),
    ]
    with runtime.session() as session:
        assert [(pid, title) for pid, title, *_ in _snapshot(session)] == [
            ("keep", "Updated title"), ("new-1", "Fine"), ("new-3", "Fine too"),
        ]


def test_an_unreadable_file_is_refused_even_when_skipping(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as caught, runtime.session() as session:
        import_feed(session, b"id,title\nA,T\n", **_catalog(runtime),
                    filename="x.csv", skip_bad_rows=True)
    assert list(caught.value.errors) == [
        FieldError(("feed", 1), "the header has no 'price' column (found 'id', 'title')")
    ]
    assert not isinstance(caught.value, ImportRefused)


def test_ten_thousand_rows_import_in_batches(runtime: Runtime) -> None:
    lines = ["id,title,price,availability,color,diet,product_type"]
    lines += [f"P{n:05d},Product {n},{n % 500}.99 PLN,in stock,Red/Blue,vegan,Food > Snacks"
              for n in range(10_000)]
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    with runtime.session() as session:
        report = import_feed(session, data, **_catalog(runtime), filename="big.csv")
    elapsed = time.perf_counter() - started
    assert (report.created, report.updated) == (10_000, 0)
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 10_000
        assert get_product(session, "P09999").facets == {
            "color": ["red", "blue"], "diet": ["vegan"], "category": "Food > Snacks"}
    # Generous: a row-at-a-time ORM import takes several times longer than this.
    assert elapsed < 20, elapsed


# --------------------------------------------------------------------------- currency

MIXED_FEED = (
    b"id,title,g:price,g:sale_price\n"  # 1
    b"pln-1,Local,10 PLN,\n"  # 2
    b"eur-1,Trail Runner,89.90 EUR,79.90 EUR\n"  # 3
    b"usd-1,Cap,10 USD,\n"  # 4
)
NO_EUR = ("the price is in EUR; the shop sells in PLN and PREFERO_CURRENCY_RATES has no EUR "
          "rate")


def test_prices_in_another_currency_are_converted_at_the_shops_rate(runtime: Runtime) -> None:
    converter = CurrencyConverter("PLN", {"EUR": Decimal("4.3125"), "USD": Decimal("3.95")})
    with runtime.session() as session:
        report = import_feed(session, MIXED_FEED, schema=runtime.facet_schema,
                             converter=converter, format="csv")
    assert (report.created, report.currency) == (3, "PLN")
    assert report.converted == [Conversion(currency="EUR", rate=Decimal("4.3125"), products=1),
                                Conversion(currency="USD", rate=Decimal("3.95"), products=1)]
    with runtime.session() as session:
        shoe = get_product(session, "eur-1")
        # 89.90 × 4.3125 = 387.69375 and 79.90 × 4.3125 = 344.56875: rounded to the grosz.
        assert (shoe.price, shoe.sale_price, shoe.currency) == (
            Decimal("387.69"), Decimal("344.57"), "PLN")
        local = get_product(session, "pln-1")
        assert (local.price, local.currency) == (Decimal("10.00"), "PLN")
        assert {p.currency for p in session.scalars(select(Product))} == {"PLN"}


def test_a_currency_without_a_rate_refuses_the_whole_feed(runtime: Runtime) -> None:
    converter = CurrencyConverter("PLN", {"USD": Decimal("3.95")})
    with pytest.raises(ImportRefused) as caught, runtime.session() as session:
        import_feed(session, MIXED_FEED, schema=runtime.facet_schema, converter=converter,
                    format="csv")
    # The row, the column as the feed names it, and the currency that has no rate.
    assert list(caught.value.errors) == [FieldError(("rows", 3, "g:price"), NO_EUR)]
    assert caught.value.report is not None
    assert caught.value.report.errors == [RowError(3, "g:price", NO_EUR, "eur-1")]
    with runtime.session() as session:
        assert _snapshot(session) == []


def test_skip_bad_rows_leaves_out_the_rows_without_a_rate(runtime: Runtime) -> None:
    converter = CurrencyConverter("PLN", {"USD": Decimal("3.95")})
    with runtime.session() as session:
        report = import_feed(session, MIXED_FEED, schema=runtime.facet_schema,
                             converter=converter, format="csv", skip_bad_rows=True)
    assert (report.created, report.skipped) == (2, [RowError(3, "g:price", NO_EUR, "eur-1")])
    assert report.converted == [Conversion(currency="USD", rate=Decimal("3.95"), products=1)]
    with runtime.session() as session:
        assert [pid for pid, *_ in _snapshot(session)] == ["pln-1", "usd-1"]
        assert get_product(session, "usd-1").price == Decimal("39.50")


def test_a_missing_rate_is_listed_with_the_rows_other_problems(runtime: Runtime) -> None:
    feed = (b'{"id": "cam-1", "title": "Camera", "price": 499, "currency": "EUR", '
            b'"megapixels": "many"}\n')
    converter = CurrencyConverter("PLN")
    with pytest.raises(ImportRefused) as caught, runtime.session() as session:
        import_feed(session, feed, schema=runtime.facet_schema, converter=converter,
                    format="jsonl")
    assert set(caught.value.errors) == {
        FieldError(("rows", 1, "megapixels"), "expected a number, got 'many'"),
        FieldError(("rows", 1, "price"), NO_EUR),
    }


def test_the_json_api_converts_or_refuses_with_the_field_path(runtime: Runtime) -> None:
    euro = _item("eur-1", price="19.99", currency="EUR")
    with runtime.session() as session, pytest.raises(InvalidInput) as caught:
        put_product(session, euro, **_catalog(runtime))
    assert list(caught.value.errors) == [FieldError(("currency",), NO_EUR)]
    with runtime.session() as session, pytest.raises(InvalidInput) as caught:
        upsert_products(session, [_item("a"), euro], **_catalog(runtime))
    assert list(caught.value.errors) == [FieldError((1, "currency"), NO_EUR)]

    converter = CurrencyConverter("PLN", {"EUR": Decimal("4.3")})
    with runtime.session() as session:
        product, created = put_product(session, euro, schema=runtime.facet_schema,
                                       converter=converter)
        # 19.99 × 4.3 = 85.957 → 85.96
        assert (created, product.price, product.currency) == (True, Decimal("85.96"), "PLN")


def test_a_shopify_export_imports_in_the_shops_currency(runtime: Runtime) -> None:
    data = (DATA / "shopify_products.csv").read_bytes()
    with runtime.session() as session:
        with pytest.raises(InvalidInput) as refused:
            import_feed(session, data, **_catalog(runtime), filename="products_export.csv")
        assert [e.loc for e in refused.value.errors] == [("rows", 7, "Variant Price")]
    with runtime.session() as session:
        report = import_feed(session, data, **_catalog(runtime), filename="products_export.csv",
                             skip_bad_rows=True)
        assert (report.created, [e.line for e in report.skipped]) == (4, [7])
        shirt = get_product(session, "LS-S-SAND")
        assert (shirt.currency, shirt.item_group_id, shirt.price) == (
            runtime.settings.shop_currency, "linen-shirt", Decimal("79.00"))


def test_a_woocommerce_export_imports_its_variations(runtime: Runtime) -> None:
    data = (DATA / "woocommerce_products.csv").read_bytes()
    with runtime.session() as session:
        report = import_feed(session, data, **_catalog(runtime), filename="wc-export.csv",
                             skip_bad_rows=True)
        assert (report.created, [e.line for e in report.skipped]) == (4, [7])
        hoodie = get_product(session, "HOOD-S-MOSS")
        assert (hoodie.currency, hoodie.item_group_id, hoodie.sale_price) == (
            runtime.settings.shop_currency, "HOOD", Decimal("199.00"))


def test_a_full_sync_deactivates_what_the_feed_no_longer_lists(runtime: Runtime) -> None:
    with runtime.session() as session:
        import_feed(session, b"id,title,price\nA,Apple,1 PLN\nB,Bread,2 PLN\nC,Cheese,3 PLN\n",
                    **_catalog(runtime), format="csv")
    # B's row is broken this time: it is still listed, so it stays as it was, active.
    feed = b"id,title,price\nA,Apple,1 PLN\nB,Bread,two\n"
    with runtime.session() as session:
        report = import_feed(session, feed, **_catalog(runtime), format="csv",
                             skip_bad_rows=True, full=True)
        assert (report.unchanged, report.deactivated, len(report.skipped)) == (1, 1, 1)
        active = {pid: on for pid, on in session.execute(select(Product.id, Product.active))}
        assert active == {"A": True, "B": True, "C": False}
        assert revisions.current(session) == 2
    with runtime.session() as session, pytest.raises(InvalidInput) as refused:
        import_feed(session, b"id,title,price\n", **_catalog(runtime), format="csv", full=True)
    assert [e.loc for e in refused.value.errors] == [("feed",)]
    with runtime.session() as session:
        assert session.scalar(select(func.count()).where(Product.active)) == 2

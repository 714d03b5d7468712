"""Merchant Center delimited feeds (CSV/TSV): exact values, exact lines of errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.catalog.feeds import FeedError, FeedFormat, ParsedRow, RowError, parse_feed

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def schema() -> FacetSchema:
    return load_facet_schema()


def _rows(data: bytes, schema: FacetSchema, *, format: str | None = None,
          filename: str | None = None) -> list[ParsedRow]:
    return list(parse_feed(data, schema=schema, format=format, filename=filename))


def _errors(rows: list[ParsedRow]) -> list[RowError]:
    return [error for row in rows for error in row.errors]


def test_messy_merchant_csv_parses_every_row_exactly(schema: FacetSchema) -> None:
    data = (DATA / "messy_merchant.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # the mess is really there
    feed = parse_feed(data, schema=schema, filename="messy_merchant.csv")
    rows = list(feed)

    assert feed.format is FeedFormat.CSV
    assert [row.line for row in rows] == [2, 8, 9, 11]  # row 1 spans lines 2-7; 10 is blank
    assert _errors(rows) == []
    flour, matcha, tee, camera = (row.product for row in rows)
    assert flour is not None and matcha is not None and tee is not None and camera is not None

    assert flour.id == "PL-001"
    assert flour.title == "Mąka żytnia typ 720"
    assert flour.description == ("Mąka żytnia z młyna & piekarni.\n\nOpakowanie: 1 kg\n"
                                 "Kraj: Polska")
    assert flour.additional_image_links == [
        "https://sklep.example.pl/img/maka-2.jpg",
        "https://sklep.example.pl/img/maka-3.jpg",
    ]
    assert (flour.price, flour.currency, flour.sale_price) == (Decimal("12.99"), "PLN", None)
    assert (flour.availability, flour.condition, flour.gtin) == ("in_stock", "new",
                                                                  "5901234123457")
    assert flour.brand == "Młyn Łódzki"
    assert flour.category == "Spożywcze > Mąki > Żytnie"
    assert flour.facets == {
        "diet": ["vegan"],
        "allergens": ["gluten"],
        "brand": "młyn łódzki",
        "category": "Spożywcze > Mąki > Żytnie",
        "condition": "new",
    }

    assert (matcha.id, matcha.title) == ("JP-002", "抹茶 宇治 100g")
    assert (matcha.price, matcha.currency, matcha.availability) == (Decimal("1299"), "JPY",
                                                                    "in_stock")
    assert matcha.category == "食品 > お茶 > 抹茶"
    assert matcha.facets["diet"] == ["vegan", "gluten free"]
    assert matcha.image_link is None and matcha.sale_price is None  # empty = absent

    assert (tee.title, tee.brand) == ("Футболка хлопковая", "Север")
    assert (tee.price, tee.sale_price, tee.currency) == (Decimal("1499.00"), Decimal("1199.00"),
                                                         "RUB")
    assert (tee.availability, tee.condition, tee.item_group_id) == ("preorder", "used",
                                                                    "TEE-GROUP")
    assert tee.google_product_category == "1604"
    assert tee.facets["color"] == ["red", "black"]
    assert tee.facets["size"] == ["s", "m", "l"]

    assert camera.title == "Mirrorless Camera X100 & Kit Lens"
    assert (camera.price, camera.sale_price) == (Decimal("1299.00"), Decimal("1199.00"))
    assert camera.category == "Electronics > Cameras"  # the first of two product types
    assert camera.facets["megapixels"] == 24.2  # "24.2 MP": the facet's unit is implied
    assert camera.availability == "out_of_stock"

    assert feed.warnings == [
        "column 'shipping_weight' is neither a product field nor a facet of the schema; ignored"
    ]


def test_tsv_with_g_prefixed_headers(schema: FacetSchema) -> None:
    feed = parse_feed((DATA / "cameras.tsv").read_bytes(), schema=schema, filename="cameras.tsv")
    rows = list(feed)
    assert feed.format is FeedFormat.TSV
    products = [row.product for row in rows]
    assert [p.id for p in products if p] == ["CAM-1", "CAM-2", "SD-64"]
    a7, z6, card = products
    assert a7 is not None and z6 is not None and card is not None
    assert a7.description == 'Full-frame "hybrid" camera'
    assert (a7.price, z6.price, card.price) == (Decimal("2499.00"), Decimal("1799.00"),
                                                Decimal("19.90"))
    assert a7.facets == {
        "ecosystem": "sony e",
        "megapixels": 33.0,
        "custom_label_0": "bestseller",
        "brand": "sony",
        "category": "Photo > Cameras > Mirrorless",
    }
    assert z6.facets["megapixels"] == 24.5  # decimal comma in a numeric facet
    assert z6.availability == "backorder"
    assert card.facets["storage_gb"] == 64.0
    assert feed.warnings == []


def test_tsv_detected_from_the_header_even_when_named_txt(schema: FacetSchema) -> None:
    rows = _rows(b"id\ttitle\tprice\nA\tComma, inside\t5 EUR\n", schema, filename="feed.txt")
    assert rows[0].product is not None and rows[0].product.title == "Comma, inside"


def test_semicolon_csv_from_a_spreadsheet(schema: FacetSchema) -> None:
    rows = _rows("id;title;price;brand\r\nA;Łyżka;4,50 PLN;Gerlach\r\n".encode(), schema)
    product = rows[0].product
    assert product is not None
    assert (product.title, product.price, product.brand) == ("Łyżka", Decimal("4.50"), "Gerlach")


BAD = (
    b"id,title,g:price,availability,megapixels,sugar_free\r\n"  # 1
    b'A1,"Two\r\nline title",10 USD,in stock,12,\r\n'  # 2-3
    b"A2,Bad price,ten dollars,in stock,,\r\n"  # 4
    b",No id,5 USD,in stock,,\r\n"  # 5
    b"A4,Bad stock,5 USD,soon,,\r\n"  # 6
    b"A5,Bad facets,5 USD,,many,maybe\r\n"  # 7
    b"A1,Again,5 USD,,,\r\n"  # 8
    b"A7,,,,,\r\n"  # 9
    b"A8,Negative,-1 USD,,,\r\n"  # 10
    b"A9,Too many,1 USD,,,,extra\r\n"  # 11
    b"A10,Fine,1 USD,,,no\r\n"  # 12
)


def test_row_errors_name_the_line_column_and_reason(schema: FacetSchema) -> None:
    rows = _rows(BAD, schema)
    assert _errors(rows) == [
        RowError(4, "g:price", "'ten dollars' is not a price; write the amount and an ISO 4217 "
                 "currency code, e.g. '12.99 USD'", "A2"),
        RowError(5, "id", "is required but empty", None),
        RowError(6, "availability", "unknown availability 'soon'; use in_stock, out_of_stock, "
                 "preorder or backorder", "A4"),
        RowError(7, "megapixels", "expected a number, got 'many'", "A5"),
        RowError(7, "sugar_free", "expected yes or no, got 'maybe'", "A5"),
        RowError(8, "id", "duplicate id 'A1'; first seen on line 2", "A1"),
        RowError(9, "title", "is required but empty", "A7"),
        RowError(9, "g:price", "is required but empty", "A7"),
        RowError(10, "g:price", "must not be negative", "A8"),
        RowError(11, None, "the row has 7 values but the header has 6 columns", None),
    ]
    good = [row.product for row in rows if row.product is not None]
    assert [(p.id, p.title) for p in good] == [("A1", "Two line title"), ("A10", "Fine")]
    assert good[1].facets == {"sugar_free": False}


def test_empty_boolean_cell_is_absent_not_false(schema: FacetSchema) -> None:
    rows = _rows(b"id,title,price,vegan\nA,T,1 EUR,\n", schema)
    assert rows[0].product is not None and rows[0].product.facets == {}


def test_unclosed_quote_is_reported_with_a_hint(schema: FacetSchema) -> None:
    data = b'id,title,price\nA,"Open quote,1 EUR\nB,Fine,2 EUR\n'
    rows = _rows(data, schema)
    assert _errors(rows) == [RowError(
        2, None, "the row has 2 values but the header has 3 columns; a quoted value in it spans "
        "several lines: is a closing quote missing?", None,
    )]


def test_sale_price_above_price_and_other_model_rules(schema: FacetSchema) -> None:
    data = (
        b"id,title,price,sale_price,currency_note,additional_image_link\n"
        b"A/1,T,10.00 EUR,12.00 EUR,,\n"
        b"B,T,10.00 EUR,8.00 USD,,\n"
        b"C,T,10.0051 EUR,,,\n"
    )
    rows = _rows(data, schema)
    assert _errors(rows) == [
        RowError(2, "id", "must not contain '/' (product ids appear in URLs)", "A/1"),
        RowError(2, "sale_price", "the sale price 12.00 is above the price 10.00", "A/1"),
        RowError(3, "sale_price", "'8.00 USD' is in USD but the currency is EUR", "B"),
        RowError(4, "price", "Decimal input should have no more than 2 decimal places", "C"),
    ]


def test_g_prefix_spaces_and_case_in_headers(schema: FacetSchema) -> None:
    data = b"G:ID,Title,G:Price,Image Link,g:additional_image_link,g:additional_image_link\n" \
           b"A,T,1 EUR,https://i/1.jpg,https://i/2.jpg,https://i/3.jpg\n"
    product = _rows(data, schema)[0].product
    assert product is not None
    assert product.image_link == "https://i/1.jpg"
    assert product.additional_image_links == ["https://i/2.jpg", "https://i/3.jpg"]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"id,title,brand\nA,T,x\n",
         "the header has no 'price' column (found 'id', 'title', 'brand')", 1),
        (b"\n\nid,title,price,g:price\nA,T,1 EUR,2 EUR\n",
         "the header names 'price' twice (columns 3 and 4)", 3),
        (b"", "the file is empty", None),
        (b"\r\n \r\n", "the file is empty", None),
    ],
)
def test_unusable_header_refuses_the_file(schema: FacetSchema, data: bytes, message: str,
                                          line: int | None) -> None:
    with pytest.raises(FeedError) as caught:
        _rows(data, schema, format="csv")
    assert (caught.value.reason, caught.value.line) == (message, line)


def test_unknown_columns_warn_once_and_are_ignored(schema: FacetSchema) -> None:
    data = b"id,title,price,shipping,,diet\nA,T,1 EUR,PL:::5 EUR,,vegan\nB,T,2 EUR,,,\n"
    feed = parse_feed(data, schema=schema, format="csv")
    products = [row.product for row in feed]
    assert products[0] is not None and products[0].facets == {"diet": ["vegan"]}
    assert feed.warnings == [
        "column 'shipping' is neither a product field nor a facet of the schema; ignored",
        "column 5 has no name in the header; ignored",
        "availability is missing: imported as in stock (lines 2, 3)",
    ]


def test_explicit_format_overrides_the_file_name(schema: FacetSchema) -> None:
    data = b'{"id": "A", "title": "T", "price": "1 EUR"}\n'
    rows = _rows(data, schema, filename="products.csv", format="jsonl")
    assert rows[0].product is not None and rows[0].product.id == "A"
    with pytest.raises(FeedError, match="unknown feed format 'xlsx'; use one of csv, tsv, xml"):
        _rows(data, schema, format="xlsx")


def test_values_kept_as_given_are_warned_about_with_their_rows(schema: FacetSchema) -> None:
    data = (b"id,title,price,availability,gtin,link,gender,age_group\n"
            b"A,T,1 EUR,in stock,5901234123457,https://shop.example.test/a,female,adult\n"
            b"B,T,1 EUR,in stock,5901234123458,not a url,kids,\n"
            b"C,T,1 EUR,,123,ftp://shop.example.test/c,,teen\n")
    feed = parse_feed(data, schema=schema, format="csv")
    assert all(row.product is not None for row in feed)  # kept: a warning, not an error
    assert feed.warnings == [
        "gtin is not a valid GTIN-8, -12, -13 or -14 (its length or check digit); kept as "
        "given (lines 3, 4)",
        "link is not an http(s) address; kept as given (lines 3, 4)",
        "gender should be one of male, female, unisex; kept as given (line 3)",
        "availability is missing: imported as in stock (line 4)",
        "age_group should be one of newborn, infant, toddler, kids, adult; kept as given "
        "(line 4)",
    ]

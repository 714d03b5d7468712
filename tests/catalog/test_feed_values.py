"""Value parsers shared by every feed format: prices, availability, HTML, format sniffing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prefero.catalog.feeds import FeedError, FeedFormat, detect_format
from prefero.catalog.feeds.text import decode_feed, html_to_text, single_line
from prefero.catalog.feeds.values import (
    first_category,
    normalize_availability,
    parse_price,
    split_image_links,
)


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("12.99 USD", "12.99", "USD"),
        ("USD 12.99", "12.99", "USD"),
        ("12,99 EUR", "12.99", "EUR"),
        ("1.299,00 PLN", "1299.00", "PLN"),
        ("1,299.00 USD", "1299.00", "USD"),
        ("1 299,00 PLN", "1299.00", "PLN"),
        ("1\u00a0299,00 PLN", "1299.00", "PLN"),
        ("CHF 1'299.50", "1299.50", "CHF"),
        ("1,299 JPY", "1299", "JPY"),
        ("1,29,999.00 INR", "129999.00", "INR"),
        ("0.99 gbp", "0.99", "GBP"),
        ("  7 EUR  ", "7", "EUR"),
        ("0.125 USD", "0.125", "USD"),  # a decimal mark; the model refuses 3 places later
    ],
)
def test_price_formats_shops_use(raw: str, amount: str, currency: str) -> None:
    assert parse_price(raw) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten dollars", "'ten dollars' is not a price"),
        ("€12.99", "'€12.99' is not a price"),
        ("12.99 zł", "'12.99 zł' is not a price"),
        ("USD 12.99 EUR", "names two currencies"),
        ("-5 USD", "must not be negative"),
        ("1.2.34 EUR", "misplaced thousands separators"),
        ("1.299 KWD", "is ambiguous in KWD"),
    ],
)
def test_bad_prices_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_price(raw)


def test_price_currency_from_a_separate_column_must_agree() -> None:
    assert parse_price("12,50", currency="eur") == (Decimal("12.50"), "EUR")
    assert parse_price("12,50") == (Decimal("12.50"), None)
    with pytest.raises(ValueError, match="is in USD but the currency is EUR"):
        parse_price("12.50 USD", currency="EUR")


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["EUR", "USD", "PLN", "JPY", "UAH"]),
    style=st.sampled_from(["plain", "us", "eu", "space", "prefix"]),
)
def test_any_written_price_reads_back_exactly(cents: int, currency: str, style: str) -> None:
    whole, fraction = divmod(cents, 100)
    digits = str(whole)
    number = {
        "plain": f"{digits}.{fraction:02d}",
        "us": f"{_group(digits, ',')}.{fraction:02d}",
        "eu": f"{_group(digits, '.')},{fraction:02d}",
        "space": f"{_group(digits, ' ')},{fraction:02d}",
        "prefix": f"{digits}.{fraction:02d}",
    }[style]
    raw = f"{currency} {number}" if style == "prefix" else f"{number} {currency}"
    assert parse_price(raw) == (Decimal(cents) / 100, currency)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("in stock", "in_stock"),
        ("in_stock", "in_stock"),
        ("InStock", "in_stock"),
        ("http://schema.org/InStock", "in_stock"),
        ("https://schema.org/OutOfStock", "out_of_stock"),
        (" Out of stock ", "out_of_stock"),
        ("PreOrder", "preorder"),
        ("backorder", "backorder"),
        ("SoldOut", "out_of_stock"),
    ],
)
def test_availability_spellings(raw: str, expected: str) -> None:
    assert normalize_availability(raw) == expected


def test_unknown_availability_lists_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="unknown availability 'soon'; use in_stock, "):
        normalize_availability("soon")


def test_html_description_becomes_text_with_entities_unescaped() -> None:
    markup = (
        "<div><h2>Opis</h2><p>Ręcznie&nbsp;szyta <b>torba</b> &amp; portfel.</p>"
        "<script>alert(1)</script><ul><li>Skóra</li><li>日本製</li></ul></div>"
    )
    # Paragraph-like blocks keep a blank line between them; list items are lines.
    assert html_to_text(markup) == "Opis\n\nRęcznie szyta torba & portfel.\n\nSkóra\n日本製"


def test_plain_text_keeps_its_angle_brackets_and_lines() -> None:
    # A blank line is a paragraph break and stays one (runs of them become one).
    assert html_to_text("size < 10 cm\r\n\r\n\r\n  &quot;mini&quot;  ") == 'size < 10 cm\n\n"mini"'


def test_image_links_split_on_commas_but_not_inside_urls() -> None:
    assert split_image_links(["https://c/a.jpg,https://c/b,q_80.jpg", " https://c/a.jpg "]) == [
        "https://c/a.jpg",
        "https://c/b,q_80.jpg",
    ]


def test_first_of_several_product_types() -> None:
    assert first_category(["A > B, C > D", "E > F"]) == "A > B"
    assert first_category(["Food, Beverages & Tobacco > Food Items"]) == (
        "Food, Beverages & Tobacco > Food Items"
    )


def test_decoding_refuses_non_utf8_with_the_line() -> None:
    data = b"id,title\n1,ok\n2,Ma" + "ść".encode("cp1250") + b"\n"
    with pytest.raises(FeedError) as caught:
        decode_feed(data)
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.reason


def test_decoding_accepts_utf16_with_bom() -> None:
    assert decode_feed("id\tтитул\n".encode("utf-16")) == "id\tтитул\n"


@pytest.mark.parametrize(
    ("filename", "head", "expected"),
    [
        ("feed.csv", b"id\ttitle", FeedFormat.CSV),  # the name decides when it is known
        ("feed.tsv", b"id,title", FeedFormat.TSV),
        ("feed.txt", b"id\ttitle\tprice\n", FeedFormat.TSV),
        ("feed.txt", b"id,title,price\n", FeedFormat.CSV),
        (None, b"\xef\xbb\xbf  <?xml version='1.0'?>", FeedFormat.XML),
        ("products.rss", b"", FeedFormat.XML),
        (None, b'{"id": "1"}\n', FeedFormat.JSONL),
        ("x.ndjson", b"", FeedFormat.JSONL),
        (None, "<feed/>".encode("utf-16"), FeedFormat.XML),
    ],
)
def test_detect_format(filename: str | None, head: bytes, expected: FeedFormat) -> None:
    assert detect_format(filename, head) is expected


def test_compressed_feeds_are_refused_with_a_hint() -> None:
    with pytest.raises(FeedError, match="gzip-compressed; decompress it"):
        detect_format("feed.csv.gz", b"\x1f\x8b\x08\x00")


def test_typographic_spaces_and_paragraphs_survive_and_entities_decode_once() -> None:
    # U+3000 (ideographic space) is the writer's typography, not a separator to collapse.
    assert single_line("日本製\u3000\u3000木綿  100%") == "日本製\u3000\u3000木綿 100%"
    assert html_to_text("<p>Tom &amp;amp; Jerry</p><br><p>Second</p>") == (
        "Tom &amp; Jerry\n\nSecond")
    assert html_to_text("one<br>two<br><br>three") == "one\ntwo\n\nthree"
    assert html_to_text("<b>bold</b> <i>italic</i>") == "bold italic"
    assert html_to_text("<p>a\nwrapped\r\nline</p>") == "a wrapped line"

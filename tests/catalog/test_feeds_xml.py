"""RSS 2.0 and Atom feeds with the g: namespace: values, element lines, refusal of bombs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.catalog.feeds import FeedError, FeedFormat, ParsedRow, RowError, parse_feed

DATA = Path(__file__).parent / "data"
G = 'xmlns:g="http://base.google.com/ns/1.0"'


@pytest.fixture(scope="module")
def schema() -> FacetSchema:
    return load_facet_schema()


def _rows(data: bytes, schema: FacetSchema) -> list[ParsedRow]:
    return list(parse_feed(data, schema=schema, format="xml"))


def test_rss_feed_parses_exactly(schema: FacetSchema) -> None:
    feed = parse_feed((DATA / "shop_rss.xml").read_bytes(), schema=schema)
    rows = list(feed)
    assert feed.format is FeedFormat.XML
    assert [row.line for row in rows] == [7, 31]  # the lines of the <item> tags
    butter, tea = (row.product for row in rows)
    assert butter is not None and tea is not None

    assert butter.id == "ZK-100"
    assert butter.title == "Masło orzechowe bez cukru 500 g"
    assert butter.description == "100% orzeszków ziemnych – bez cukru.\n\nSłoik 500 g"
    assert butter.link == "https://zielonykoszyk.example.pl/p/maslo-orzechowe"
    assert butter.image_link == "https://zielonykoszyk.example.pl/img/maslo.jpg"
    assert butter.additional_image_links == [
        "https://zielonykoszyk.example.pl/img/maslo-2.jpg",
        "https://zielonykoszyk.example.pl/img/maslo-3.jpg",
    ]
    assert (butter.price, butter.sale_price, butter.currency) == (Decimal("24.90"),
                                                                  Decimal("19.90"), "PLN")
    assert butter.category == "Spożywcze > Pasty > Orzechowe"  # the first product_type
    assert butter.google_product_category == "Food, Beverages & Tobacco > Food Items"
    assert butter.facets == {
        "diet": ["vegan", "sugar free"],
        "allergens": ["peanuts"],
        "sugar_free": True,
        "brand": "zielony koszyk",
        "category": "Spożywcze > Pasty > Orzechowe",
        "condition": "new",
    }

    assert (tea.id, tea.title) == ("ZK-101", "Herbata zielona sencha")  # g:title works too
    assert (tea.price, tea.currency, tea.availability) == (Decimal("18.50"), "PLN",
                                                           "out_of_stock")
    assert tea.facets == {"organic": True}
    # g:shipping's nested g:price is not the product's price; it is reported and ignored.
    assert feed.warnings == [
        "element 'g:shipping' is neither a product field nor a facet of the schema; ignored"
    ]


def test_atom_feed_parses_exactly(schema: FacetSchema) -> None:
    feed = parse_feed((DATA / "shop_atom.xml").read_bytes(), schema=schema,
                      filename="shop_atom.xml")
    rows = list(feed)
    assert [row.line for row in rows] == [7, 22]
    headphones, speaker = (row.product for row in rows)
    assert headphones is not None and speaker is not None

    assert headphones.id == "HP-7"  # g:id, not the Atom <id> URI
    assert headphones.title == "Słuchawki ANC Pro 7"  # type="html" title, tags stripped
    assert headphones.link == "https://audio.example.com/p/hp-7"  # rel="alternate" only
    assert headphones.description == "Bezprzewodowe słuchawki z redukcją szumów."
    assert (headphones.price, headphones.currency, headphones.availability) == (
        Decimal("349.00"), "EUR", "preorder")
    assert headphones.facets == {"battery_hours": 30.0, "color": ["black", "silver"],
                                 "brand": "klangwerk"}

    assert speaker.link == "https://audio.example.com/p/sp-2"
    assert speaker.description == "Wodoodporny, 12 h pracy."  # from escaped HTML <content>
    assert speaker.price == Decimal("89.00")
    assert speaker.facets == {"weight_g": 540.0}
    assert feed.warnings == []


def test_errors_carry_the_line_of_the_offending_element(schema: FacetSchema) -> None:
    data = f"""<?xml version="1.0"?>
<rss {G}><channel>
<item>
  <g:id>A1</g:id>
  <title>Fine</title>
  <g:price>5 EUR</g:price>
</item>
<item>
  <g:id>A2</g:id>
  <title>Broken</title>
  <g:price>
     five euro
  </g:price>
  <g:availability>maybe</g:availability>
  <g:megapixels>lots</g:megapixels>
</item>
<item>
  <title>No id, no price</title>
</item>
<item><g:id>A1</g:id><title>Again</title><g:price>1 EUR</g:price></item>
</channel></rss>""".encode()
    rows = _rows(data, schema)
    assert [row.line for row in rows] == [3, 8, 17, 20]
    assert [error for row in rows for error in row.errors] == [
        RowError(11, "g:price", "'five euro' is not a price; write the amount and an ISO 4217 "
                 "currency code, e.g. '12.99 USD'", "A2"),
        RowError(14, "g:availability", "unknown availability 'maybe'; use in_stock, "
                 "out_of_stock, preorder or backorder", "A2"),
        RowError(15, "g:megapixels", "expected a number, got 'lots'", "A2"),
        RowError(17, "id", "is required but missing", None),
        RowError(17, "price", "is required but missing", None),
        RowError(20, "g:id", "duplicate id 'A1'; first seen on line 3", "A1"),
    ]


def test_malformed_xml_refuses_the_file_with_its_line(schema: FacetSchema) -> None:
    data = f"<rss {G}><channel>\n<item><g:id>A</g:id>\n<title>T</titel>\n</item></channel></rss>"
    with pytest.raises(FeedError) as caught:
        _rows(data.encode(), schema)
    assert caught.value.line == 3
    assert caught.value.reason.startswith("the file is not well-formed XML: mismatched tag")


def test_billion_laughs_is_refused(schema: FacetSchema) -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b"<rss><channel><item><title>&lol2;</title></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="XML bombs"):
        _rows(bomb, schema)


def test_external_entities_are_refused(schema: FacetSchema) -> None:
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<rss><channel><item><title>&x;</title></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="refused"):
        _rows(xxe, schema)


def test_a_file_without_items_warns(schema: FacetSchema) -> None:
    feed = parse_feed(b"<?xml version='1.0'?><products><product/></products>", schema=schema)
    assert list(feed) == []
    assert feed.warnings == ["the XML has no <item> (RSS) or <entry> (Atom) elements"]


def test_declared_legacy_encoding_is_honoured(schema: FacetSchema) -> None:
    text = (f'<?xml version="1.0" encoding="ISO-8859-2"?>\n<rss {G}><channel><item>'
            "<g:id>Z</g:id><title>Żółw</title><g:price>3 PLN</g:price></item></channel></rss>")
    rows = _rows(text.encode("iso-8859-2"), schema)
    assert rows[0].product is not None and rows[0].product.title == "Żółw"

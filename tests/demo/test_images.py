"""Drawn product pictures: the same product always gives the same bytes, every picture is
well-formed SVG whatever the shop's text holds, the text is escaped, and the picture follows
the product (its kind, its colour, its brand)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.demo import generate_demo
from prefero.demo.images import COLOURS, Look, draw, look_of
from prefero.demo.pictograms import PICTOGRAMS

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def texts(root: ElementTree.Element, tag: str) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}{tag}")]


def test_every_pictogram_in_every_kind_of_colour_is_well_formed_svg() -> None:
    for name in PICTOGRAMS:
        for colour in ("#000000", "#ffffff", "#c8323c"):
            root = parse(draw(Look(name, colour, "#2e86ab", "Brand", "Title", -14)))
            assert root.tag == f"{SVG}svg"
            assert root.get("viewBox") == "0 0 240 180"


def test_the_same_product_draws_the_same_bytes_and_another_differs() -> None:
    def picture(title: str) -> str:
        return draw(look_of(title=title, brand="Lindt", facets={},
                            category="Groceries > Sweets > Chocolate"))

    assert picture("Lindt Dark Chocolate 90 g") == picture("Lindt Dark Chocolate 90 g")
    assert picture("Lindt Dark Chocolate 90 g") != picture("Lindt Milk Chocolate 90 g")


def test_the_picture_does_not_depend_on_the_process_hash_seed() -> None:
    # Python salts hash() per process; the drawing must not depend on it (every worker
    # serves the same ETag for the same product).
    look = look_of(title="H&M Tee – Navy", brand="H&M", category="Fashion > Tops > T-Shirts",
                   facets={"color": ["navy"]})
    assert look.offset == look_of(title="H&M Tee – Navy", brand="H&M",
                                  category="Fashion > Tops > T-Shirts",
                                  facets={"color": ["navy"]}).offset
    assert look.accent == "#1b998b" and look.offset == 14  # pinned: sha256 of the text


def test_markup_in_shop_text_is_drawn_as_text() -> None:
    evil = '<script>alert("x")</script> & "quotes" \'single\''
    svg = draw(look_of(title=evil, brand=evil, category="Garden", facets={}))
    root = parse(svg)
    assert "<script" not in svg
    assert not list(root.iter(f"{SVG}script"))
    assert texts(root, "title") == [evil]
    assert texts(root, "text") == [evil.upper()[:40]]
    assert root.get("aria-label") == evil


def test_control_characters_cannot_break_the_picture() -> None:
    svg = draw(look_of(title="Tea\x00\x1b\ufffe bag", brand="Te\x07a", category="", facets={}))
    root = parse(svg)
    assert texts(root, "title") == ["Tea bag"]
    assert texts(root, "text") == ["TEA"]


@settings(max_examples=200, deadline=None)
@given(title=st.text(max_size=300), brand=st.text(max_size=80),
       category=st.text(max_size=120), colour=st.sampled_from([None, *COLOURS]))
def test_any_text_gives_a_well_formed_picture_that_says_it(
        title: str, brand: str, category: str, colour: str | None) -> None:
    look = look_of(title=title, brand=brand, category=category,
                   facets={"color": [colour]} if colour else {})
    root = parse(draw(look))
    # What the picture says is exactly the cleaned shop text: escaped, never interpreted.
    assert texts(root, "title") == [look.title]
    assert texts(root, "text") == ([look.brand.upper()] if look.brand else [])


def test_the_picture_follows_the_product() -> None:
    jeans = look_of(title="Levi's 501 Slim Jeans – Navy", brand="Levi's",
                    category="Fashion > Bottoms > Jeans", facets={"color": ["navy"]})
    assert (jeans.pictogram, jeans.colour) == ("jeans", COLOURS["navy"])
    silver = look_of(title="Apple MacBook Air 13 Laptop – Silver", brand="Apple",
                     category="Electronics > Computers > Laptops", facets={})
    assert (silver.pictogram, silver.colour) == ("laptop", COLOURS["silver"])
    dark = look_of(title="Lindt Dark Chocolate 90 g", brand="Lindt",
                   category="Groceries > Sweets > Chocolate", facets={})
    white = look_of(title="Lindt White Chocolate 90 g", brand="Lindt",
                    category="Groceries > Sweets > Chocolate", facets={})
    assert dark.pictogram == white.pictogram == "chocolate" and dark.colour != white.colour
    assert "LEVI&apos;S" in draw(jeans) or "LEVI'S" in draw(jeans)


@pytest.fixture(scope="module")
def demo_products() -> list[object]:
    shop = generate_demo(seed=7, products=1200, customers=2,
                         anchor=datetime(2026, 1, 1, tzinfo=UTC))
    return [*shop.products, *shop.services]


def test_every_demo_product_gets_a_picture_of_its_kind(demo_products: list[object]) -> None:
    from prefero.demo.catalog import DemoProduct

    drawn: set[str] = set()
    for item in demo_products:
        assert isinstance(item, DemoProduct)
        look = look_of(title=item.title, brand=item.brand, category=item.category,
                       facets=item.facets)
        # Every demo product is something the pictograms know (no generic shopping bag).
        assert look.pictogram != "shopping_bag", item.title
        drawn.add(look.pictogram)
        if isinstance(item.facets.get("color"), list) and item.facets["color"]:
            assert look.colour == COLOURS[item.facets["color"][0]], item.title
    assert len(drawn) >= 60  # the catalogue looks varied, not one icon per department

"""Which picture the storefront shows: the shop's own image where the page may load it (a
path on this site, a host in ``image_origins``), else the drawing; nothing for a product the
catalogue does not have."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from factories import add_products, product
from prefero.demo.pictures import (
    Drawing,
    Linked,
    displayable,
    picture_path,
    product_picture,
)
from prefero.runtime import Runtime

CDN = "https://cdn.shop.example"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as s:
        items = [
            product("drawn", category="Groceries > Sweets > Chocolate", brand="Lindt",
                    title="Lindt Dark Chocolate 90 g"),
            product("cdn", category="Fashion > Tops > T-Shirts", title="Tee"),
            product("elsewhere", category="Fashion > Tops > T-Shirts", title="Tee 2"),
            product("local", category="Fashion > Tops > T-Shirts", title="Tee 3"),
        ]
        items[0].image_link = picture_path("drawn")  # what the demo stores
        items[1].image_link = f"{CDN}/tee.jpg"
        items[2].image_link = "https://tracker.example/pixel.gif"
        items[3].image_link = "/static/web/tee.png"
        add_products(s, items)
    return runtime


def picture(runtime: Runtime, product_id: str) -> Drawing | Linked | None:
    with runtime.session() as s:
        return product_picture(s, product_id, image_origins=[CDN])


def test_the_demo_product_is_drawn_from_its_row(shop: Runtime) -> None:
    drawn = picture(shop, "drawn")
    assert isinstance(drawn, Drawing)
    root = ElementTree.fromstring(drawn.svg)
    assert [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")] == ["LINDT"]
    again = picture(shop, "drawn")
    assert isinstance(again, Drawing) and again.etag == drawn.etag and again.svg == drawn.svg


def test_a_shop_image_on_an_allowed_host_or_this_site_is_linked(shop: Runtime) -> None:
    assert picture(shop, "cdn") == Linked(f"{CDN}/tee.jpg")
    assert picture(shop, "local") == Linked("/static/web/tee.png")


def test_a_shop_image_the_page_may_not_load_is_drawn_instead(shop: Runtime) -> None:
    assert isinstance(picture(shop, "elsewhere"), Drawing)


def test_an_unknown_product_has_no_picture(shop: Runtime) -> None:
    assert picture(shop, "nope") is None


@pytest.mark.parametrize(("link", "expected"), [
    (None, None), ("", None), ("  ", None),
    (f"{CDN}/a.jpg", f"{CDN}/a.jpg"),
    ("HTTPS://CDN.shop.example:443/a.jpg", "HTTPS://CDN.shop.example:443/a.jpg"),
    ("http://cdn.shop.example/a.jpg", None),  # another scheme is another origin
    ("https://cdn.shop.example.evil.example/a.jpg", None),
    ("//evil.example/a.jpg", None),  # scheme-relative: another host
    ("/\\evil.example/a.jpg", None),
    ("javascript:alert(1)", None),
    ("data:image/svg+xml,<svg/>", None),
    ("/img/products/p1", "/img/products/p1"),
])
def test_displayable_links(link: str | None, expected: str | None) -> None:
    assert displayable(link, image_origins=[CDN]) == expected

"""The picture the storefront shows for a product: the shop's own image (``image_link``)
where the page may load it, else a drawing made from the product's data.

Every page refers to one address per product, ``/img/products/<id>``, and this module
decides what is behind it. Drawn on request rather than stored as files when the demo is
built: the drawing is a pure function of the stored product (title, category, brand,
colour), so it needs no file system shared by the workers, no migration, and is never stale
(a product whose colour changes gets a new picture and a new tag); it costs one primary-key
read and, after the first time, a cache hit. A shop image on a host the
Content-Security-Policy does not allow (``Settings.image_origins``) would show as a broken
picture, so such a product is drawn too.

>>> picture_path("p 1/2")
'/img/products/p%201%2F2'
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.demo.images import VERSION, draw, look_of
from prefero.origins import origin_of

__all__ = ["PICTURE_PREFIX", "Drawing", "Linked", "displayable", "picture_path",
           "product_picture"]

PICTURE_PREFIX = "/img/products/"


@dataclass(frozen=True)
class Drawing:
    svg: str
    etag: str  # a strong validator: the same bytes always get the same tag


@dataclass(frozen=True)
class Linked:
    url: str


def picture_path(product_id: str) -> str:
    """Where a page finds the product's picture (the same address whatever is behind it)."""
    return PICTURE_PREFIX + quote(product_id, safe="")


def displayable(link: str | None, *, image_origins: Collection[str]) -> str | None:
    """``link`` when a page here may load it: a path on this site, or an address on one of
    ``image_origins``; None otherwise (no link, another host, another scheme).

    >>> displayable("https://cdn.example/a.jpg", image_origins=["https://cdn.example"])
    'https://cdn.example/a.jpg'
    >>> displayable("https://evil.example/a.jpg", image_origins=["https://cdn.example"])
    >>> displayable("javascript:alert(1)", image_origins=[]) is None
    True
    >>> displayable("/static/web/logo.png", image_origins=[])
    '/static/web/logo.png'
    """
    if not link or not link.strip():
        return None
    link = link.strip()
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    origin = origin_of(link)
    if origin is not None and origin in {origin_of(o) for o in image_origins}:
        return link
    return None


def product_picture(session: Session, product_id: str, *, image_origins: Collection[str]
                    ) -> Drawing | Linked | None:
    """The product's picture; None for a product the catalogue does not have.

    >>> product_picture(session, "p00001", image_origins=[]).svg[:4]  # doctest: +SKIP
    '<svg'
    """
    product = session.get(Product, product_id)
    if product is None:
        return None
    linked = displayable(product.image_link, image_origins=image_origins)
    # The demo's products point at this very address: that means "draw me".
    if linked is not None and linked != picture_path(product_id):
        return Linked(linked)
    svg = draw(look_of(title=product.title, category=product.category or "",
                       brand=product.brand, facets=product.facets or {}))
    digest = hashlib.sha256(f"{VERSION}:{svg}".encode()).hexdigest()[:20]
    return Drawing(svg=svg, etag=f'"{digest}"')

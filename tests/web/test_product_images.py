"""Product pictures over HTTP: a drawn SVG that may load and run nothing, cached by tag; a
redirect to the shop's image where the policy lets pages load it; the policy's img-src
names the configured image hosts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import add_products, product
from prefero.config import Settings
from prefero.runtime import Runtime

CDN = "https://cdn.shop.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"image_origins": [CDN]})


@pytest.fixture
def web(runtime: Runtime, client: TestClient) -> TestClient:
    with runtime.session() as s:
        linked = product("linked", category="Fashion > Tops > T-Shirts", title="Tee")
        linked.image_link = f"{CDN}/tee.jpg"
        add_products(s, [
            product("p 1/2", category="Electronics > Phones > Smartphones", brand="Acme",
                    title="Acme Phone <b>X</b> – Black", facets={"color": ["black"]}),
            linked,
        ])
    client.headers.pop("X-API-Key", None)
    return client


def test_a_drawn_picture_is_an_svg_that_loads_and_runs_nothing(web: TestClient) -> None:
    response = web.get("/img/products/p%201%2F2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert "Acme Phone &lt;b&gt;X&lt;/b&gt;" in response.text
    assert "set-cookie" not in response.headers  # a picture opens no session


def test_a_picture_asked_again_with_its_tag_is_not_sent_again(web: TestClient) -> None:
    tag = web.get("/img/products/p%201%2F2").headers["etag"]
    again = web.get("/img/products/p%201%2F2", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag


def test_a_shop_image_on_an_allowed_host_is_a_redirect(web: TestClient) -> None:
    response = web.get("/img/products/linked", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"{CDN}/tee.jpg"


def test_an_unknown_product_has_no_picture(web: TestClient) -> None:
    assert web.get("/img/products/nope").status_code == 404


def test_pages_may_load_images_from_the_configured_hosts_only(web: TestClient) -> None:
    policy = web.get("/").headers["content-security-policy"]
    assert f"img-src 'self' data: {CDN};" in policy


def test_cards_and_the_product_page_show_the_picture(web: TestClient) -> None:
    page = web.get("/p/linked").text
    assert 'src="/img/products/linked"' in page
    home = web.get("/").text
    assert '<img class="thumb" src="/img/products/' in home

"""Security headers on every response: the strict Content-Security-Policy on every page
(/docs included, no inline script anywhere), nosniff and the Referrer-Policy everywhere,
who may frame the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from prefero.api.app import create_app
from prefero.api.security_headers import SecurityHeaders
from prefero.config import Settings
from prefero.runtime import Runtime

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; "
              "frame-ancestors 'self'")
TEMPLATES = Path(__file__).parents[2] / "src" / "prefero" / "web" / "templates"


def _assert_everywhere(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_a_page_gets_the_strict_policy_and_the_page_headers(client: TestClient) -> None:
    for path in ("/", "/search?q=x", "/preferences", "/quizzes", "/p/no-such-product"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("text/html"), path
        _assert_everywhere(response)
        assert response.headers["content-security-policy"] == STRICT_CSP
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        assert "camera=()" in response.headers["permissions-policy"]


def test_the_api_and_static_files_get_nosniff_without_the_page_policy(
        client: TestClient) -> None:
    answers = [client.get("/v1/products"), client.get("/healthz"),
               client.get("/openapi.json"), client.get("/static/web/prefero.js"),
               client.get("/v1/products", headers={"X-API-Key": "wrong"}),
               client.get("/v1/no-such-thing")]
    assert [a.status_code for a in answers][:4] == [200, 200, 200, 200]
    assert answers[4].status_code == 401 and answers[5].status_code == 404
    for answer in answers:
        _assert_everywhere(answer)
        assert answer.headers["x-frame-options"] == "SAMEORIGIN"
        assert "content-security-policy" not in answer.headers
        assert "cross-origin-opener-policy" not in answer.headers


def test_a_refused_form_is_a_page_with_the_policy_too(client: TestClient) -> None:
    refused = client.post("/lang", data={"lang": "pl"})
    assert refused.status_code == 403
    assert refused.headers["content-security-policy"] == STRICT_CSP
    _assert_everywhere(refused)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if (tag == "script" and "src" not in names) or tag == "style":
            self.inline.append(tag)
        self.handlers += [n for n in names if n.startswith("on") or n.startswith("hx-on")
                          or n == "style"]


def test_the_docs_start_swagger_from_a_file_under_the_same_policy(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == STRICT_CSP
    parser = _Scripts()
    parser.feed(docs.text)
    assert not parser.inline and not parser.handlers
    init = client.get("/static/api/swagger-init.js")
    assert init.status_code == 200 and "SwaggerUIBundle(" in init.text
    assert "/openapi.json" in init.text


def test_no_template_has_inline_script_style_or_eval() -> None:
    """What 'script-src self; style-src self' would block, and hx-on (needs eval)."""
    forbidden = re.compile(r"\son[a-z]+=|\shx-on|\sstyle=|<style|<script(?![^>]*\ssrc=)|"
                           r"hx-vars|javascript:|js:")
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"{#.*?#}", "", path.read_text("utf-8"), flags=re.S)
        found = forbidden.findall(text)
        assert not found, f"{path.relative_to(TEMPLATES)}: {found}"


def test_htmx_is_configured_never_to_eval_or_inject_styles(client: TestClient) -> None:
    html = client.get("/quizzes").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert config, "the htmx configuration must be in the page"
    assert '"allowEval":false' in config.group(1)
    assert '"includeIndicatorStyles":false' in config.group(1)
    assert html.index('name="htmx-config"') < html.index("htmx.min.js")
    assert '<script src="/static/web/prefero.js" defer></script>' in html


@pytest.fixture
def framed_client(settings: Settings) -> Iterator[TestClient]:
    runtime = Runtime(settings.model_copy(update={
        "allowed_origins": ["https://shop.example", "https://m.shop.example"]}))
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            yield client
    finally:
        runtime.close()


def test_allowed_origins_may_frame_the_pages(framed_client: TestClient) -> None:
    page = framed_client.get("/preferences")
    csp = page.headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self' https://shop.example https://m.shop.example")
    # X-Frame-Options cannot name them, and would override frame-ancestors in old browsers.
    assert "x-frame-options" not in page.headers
    api = framed_client.get("/healthz")
    assert "x-frame-options" not in api.headers
    _assert_everywhere(api)


def test_a_response_with_its_own_policy_keeps_it() -> None:
    async def own(_request: Request) -> Response:
        return HTMLResponse("<p>x</p>", headers={"Content-Security-Policy": "sandbox"})

    async def plain(_request: Request) -> Response:
        return PlainTextResponse("x")

    app = SecurityHeaders(Starlette(routes=[Route("/own", own), Route("/plain", plain)]))
    with TestClient(app) as client:
        kept = client.get("/own")
        assert kept.headers.get_list("content-security-policy") == ["sandbox"]
        assert kept.headers["cross-origin-opener-policy"] == "same-origin"
        text = client.get("/plain")
        _assert_everywhere(text)
        assert "content-security-policy" not in text.headers


def test_pages_may_load_product_images_only_from_the_configured_hosts(
        settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={
        "image_origins": ["https://cdn.shop.example", "https://img.shop.example"]}))
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            csp = client.get("/").headers["content-security-policy"]
    finally:
        runtime.close()
    assert ("img-src 'self' data: https://cdn.shop.example https://img.shop.example;"
            in csp)
    # Nothing else loosens: scripts, styles and frames stay this site's.
    assert "script-src 'self';" in csp and "style-src 'self';" in csp

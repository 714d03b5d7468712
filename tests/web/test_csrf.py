"""Cross-site request forgery (issue 10, finding 2): a form posted from another site, or
without the session's token, is refused with 403 and changes nothing; the shop's own pages,
its allowed origins and the /v1 API (key or bearer token) are not hindered."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from customer_tokens import bearer, token_for
from prefero.api.app import create_app
from prefero.config import Settings
from prefero.customers.consent import consent_state
from prefero.customers.repository import get_customer
from prefero.demo import load_demo
from prefero.runtime import Runtime
from prefero.web import routes as web_routes
from webforms import me, origin, page_token, shopper, submit

PAGE = "/preferences"
EVIL = "http://evil.example"
TEMPLATES = Path(__file__).parents[2] / "src" / "prefero" / "web" / "templates"


@pytest.fixture
def web(client: TestClient) -> TestClient:
    return shopper(client)


def tracking(runtime: Runtime, customer_id: str) -> bool | None:
    """The visitor's tracking consent; None while the customer does not exist."""
    with runtime.session() as session:
        if get_customer(session, customer_id) is None:
            return None
        return consent_state(session, customer_id, runtime.settings).consents["tracking"]


def consenting_visitor(web: TestClient, runtime: Runtime) -> str:
    answer = submit(web, f"{PAGE}/consents", {"purpose": "tracking", "granted": "true"},
                    follow_redirects=False)
    assert answer.status_code == 303, answer.text
    customer_id = me(web)
    assert tracking(runtime, customer_id) is True
    return customer_id


WITHDRAW = (f"{PAGE}/consents", {"purpose": "tracking", "granted": "false"})
ERASE = (f"{PAGE}/delete", {"confirm": "yes"})


# --------------------------------------------------------------------------- finding 2


@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "stolen-token"])
def test_a_form_from_another_site_neither_withdraws_consent_nor_erases(
        web: TestClient, runtime: Runtime, with_token: bool) -> None:
    victim = consenting_visitor(web, runtime)
    token = {"csrf_token": page_token(web)} if with_token else {}
    for path, data in (WITHDRAW, ERASE):
        answer = web.post(path, data={**data, **token}, headers={"Origin": EVIL},
                          follow_redirects=False)
        assert answer.status_code == 403, (path, answer.text)
        assert "This form could not be sent" in answer.text
        assert "Nothing was changed." in answer.text
    assert tracking(runtime, victim) is True, "the consent must be unchanged"
    assert me(web) == victim, "the account must still exist, in the same session"


@pytest.mark.parametrize("token", [None, "", "x" * 43, "wrong"], ids=repr)
def test_a_missing_or_wrong_token_changes_nothing(web: TestClient, runtime: Runtime,
                                                  token: str | None) -> None:
    victim = consenting_visitor(web, runtime)
    extra = {} if token is None else {"csrf_token": token}
    for path, data in (WITHDRAW, ERASE):
        # Same origin, so only the token can stop it.
        answer = web.post(path, data={**data, **extra}, headers={"Origin": origin(web)},
                          follow_redirects=False)
        assert answer.status_code == 403, (path, answer.text)
    assert tracking(runtime, victim) is True
    assert me(web) == victim


def test_another_sessions_token_does_not_fit(web: TestClient, runtime: Runtime) -> None:
    victim = consenting_visitor(web, runtime)
    with TestClient(web.app) as attacker:
        # The attacker's own visit to the shop gives them a genuine token of their session.
        theirs = page_token(attacker)
    assert theirs != page_token(web)
    path, data = ERASE
    answer = web.post(path, data={**data, "csrf_token": theirs}, follow_redirects=False)
    assert answer.status_code == 403
    assert me(web) == victim


def test_the_token_may_come_as_the_htmx_header(web: TestClient, runtime: Runtime) -> None:
    victim = consenting_visitor(web, runtime)
    path, data = WITHDRAW
    answer = web.post(path, data=data, headers={"HX-Request": "true",
                                                "X-CSRF-Token": page_token(web),
                                                "Origin": origin(web)})
    assert answer.status_code == 200
    assert tracking(runtime, victim) is False


@pytest.mark.parametrize("origin_header", ["null", "http://testserver.evil.example",
                                           "https://testserver", "http://testserver:8080",
                                           "not a url"])
def test_an_origin_that_is_not_exactly_ours_is_refused(web: TestClient, runtime: Runtime,
                                                       origin_header: str) -> None:
    victim = consenting_visitor(web, runtime)
    path, data = WITHDRAW
    answer = submit(web, path, data, headers={"Origin": origin_header})
    assert answer.status_code == 403
    assert tracking(runtime, victim) is True


def test_without_origin_the_referer_decides(web: TestClient, runtime: Runtime) -> None:
    victim = consenting_visitor(web, runtime)
    path, data = WITHDRAW
    token = page_token(web)
    foreign = web.post(path, data={**data, "csrf_token": token},
                       headers={"Referer": f"{EVIL}/prize.html"}, follow_redirects=False)
    assert foreign.status_code == 403
    assert tracking(runtime, victim) is True
    own = web.post(path, data={**data, "csrf_token": token},
                   headers={"Referer": f"{origin(web)}{PAGE}"}, follow_redirects=False)
    assert own.status_code == 303
    assert tracking(runtime, victim) is False


def test_the_refusal_speaks_the_visitors_language_or_problem_json(web: TestClient) -> None:
    path, data = WITHDRAW
    polish = web.post(path, data=data, headers={"Origin": EVIL, "Accept-Language": "pl"})
    assert polish.status_code == 403
    assert polish.headers["content-type"].startswith("text/html")
    assert "Nie udało się wysłać formularza" in polish.text
    assert "Niczego nie zmieniliśmy." in polish.text
    for headers in ({"HX-Request": "true"}, {"Accept": "application/json"}):
        problem = web.post(path, data=data, headers={"Origin": EVIL, **headers})
        assert problem.status_code == 403
        assert problem.headers["content-type"] == "application/problem+json"
        body = problem.json()
        assert body["type"].endswith("/csrf-refused") and body["status"] == 403
        assert "Origin" in body["detail"]


# A message's one-click unsubscribe (RFC 8058) is authorized by the signed token of its link:
# a mail client posts it with neither cookie nor CSRF token, and a forged request without the
# token changes nothing.
SIGNED_LINK = {"/messages/unsubscribe"}
SIGNED_LINK_TEMPLATES = {"unsubscribe.html"}


def test_every_page_route_is_guarded(web: TestClient, runtime: Runtime) -> None:
    """No state-changing route of any module in prefero.web.routes escapes the guard."""
    load_demo(runtime, products=60, customers=10)
    posts = sorted({
        route.path
        for info in pkgutil.iter_modules(web_routes.__path__)
        for route in getattr(importlib.import_module(f"prefero.web.routes.{info.name}"),
                             "router", APIRouter()).routes
        if isinstance(route, APIRoute) and route.methods & {"POST", "PUT", "PATCH", "DELETE"}
    })
    assert {"/login", "/lang", "/cart/add", "/dismiss", f"{PAGE}/delete"} <= set(posts)
    for path in posts:
        if path in SIGNED_LINK:
            continue  # the token in the link is its proof: test_unsubscribe_route.py
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        answer = web.post(concrete, data={}, headers={"Origin": EVIL, "Accept":
                                                      "application/json"})
        assert answer.status_code == 403, path
        assert answer.json()["type"].endswith("/csrf-refused"), path


# --------------------------------------------------------------------------- allowed origins


@pytest.fixture
def shop_site_client(settings: Settings) -> Iterator[TestClient]:
    runtime = Runtime(settings.model_copy(update={
        "allowed_origins": ["https://shop.example"]}))
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            client.get(PAGE)
            yield client
    finally:
        runtime.close()


def test_an_allowed_origin_may_post_the_forms(shop_site_client: TestClient) -> None:
    token = page_token(shop_site_client)
    path, data = WITHDRAW
    allowed = shop_site_client.post(path, data={**data, "csrf_token": token},
                                    headers={"Origin": "https://shop.example"},
                                    follow_redirects=False)
    assert allowed.status_code == 303
    # ... but not without the token, and no other origin.
    assert shop_site_client.post(path, data=data, headers={
        "Origin": "https://shop.example"}).status_code == 403
    assert shop_site_client.post(path, data={**data, "csrf_token": token}, headers={
        "Origin": "https://other.example"}).status_code == 403


# --------------------------------------------------------------------------- the /v1 API


def test_the_api_is_not_subject_to_the_cookie_checks(client: TestClient, runtime: Runtime,
                                                     settings: Settings) -> None:
    # A key-authenticated server-to-server call: no cookie, no token, any Origin.
    created = client.put("/v1/customers/c-api/preferences", json={"likes": []},
                         headers={"Origin": EVIL})
    assert created.status_code == 200, created.text
    by_key = client.post("/v1/customers/c-api/consents",
                         json={"purpose": "tracking", "granted": True},
                         headers={"Origin": EVIL})
    assert by_key.status_code in (200, 201), by_key.text
    # A shopper's page calling with a bearer customer token.
    client.headers.pop("X-API-Key", None)
    by_token = client.post("/v1/customers/c-api/consents",
                           json={"purpose": "tracking", "granted": False},
                           headers={"Origin": "https://shop.example",
                                    **bearer(token_for(settings, "c-api"))})
    assert by_token.status_code in (200, 201), by_token.text
    assert tracking(runtime, "c-api") is False


# --------------------------------------------------------------------------- the templates


class _Forms(HTMLParser):
    """Each <form method="post"> of a page, with the names of its hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "").lower() == "post":
            self._open = {"action": found.get("action"), "hidden": []}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and found.get("type") == "hidden":
            self._open["hidden"].append((found.get("name"), found.get("value")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def test_every_post_form_of_every_template_carries_the_token() -> None:
    opening = re.compile(r"<form\b[^>]*>", re.S)
    seen = 0
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        for match in opening.finditer(text):
            tag = match.group(0)
            if 'method="post"' not in tag and "form_attrs(" not in tag:
                continue
            seen += 1
            if path.name in SIGNED_LINK_TEMPLATES:
                continue
            body = text[match.end():text.index("</form>", match.end())]
            assert "{{ csrf_input() }}" in body, f"{path.name}: {tag}"
    assert seen >= 20


def test_rendered_pages_give_every_post_form_the_sessions_token(
        client: TestClient, runtime: Runtime) -> None:
    load_demo(runtime, products=200, customers=40)
    token = page_token(client)
    home = client.get("/").text
    product = re.search(r'href="(/p/[^"]+)"', home)
    assert product
    submit(client, "/cart/add", {"product_id": product.group(1)[3:]})
    pages = ["/", product.group(1), "/cart", "/checkout", "/login", PAGE,
             "/quizzes/grocery-setup"]
    checked = 0
    for page in pages:
        html = client.get(page).text
        assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in html, page
        parser = _Forms()
        parser.feed(html)
        assert parser.forms, page
        for form in parser.forms:
            assert ("csrf_token", token) in form["hidden"], (page, form["action"])
            checked += 1
    assert checked >= 20

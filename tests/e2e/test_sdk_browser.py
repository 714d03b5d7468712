"""/sdk/prefero.js on a shop's own page, in a real browser: the page comes from another
origin (a tiny shop server on its own port), its backend issues the customer token with its
`token` key and hands it to the page, and the client draws a row of real products that
explains itself, records "Not for me" (with an undo), sends events only with tracking
consent, and opens the preference center signed in. Saves docs/screenshots/sdk-row-desktop.png.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page, Request, expect
from sqlalchemy import select

from apikeys import ADMIN_KEY, TOKEN_KEY
from prefero.api.app import create_app
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.events.models import Event
from prefero.recommend.training import train
from prefero.runtime import Runtime

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROW = "[data-prefero-row]"
CARDS = f"{ROW} .prefero-card:not(.prefero-card--hidden)"
# Declared by the customers who should see a "Picked for you" row.
CHOCOLATE = {"likes": [{"facet": "category", "value": "Groceries > Sweets > Chocolate",
                        "weight": 1}]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ShopSite:
    """The shop's own web server: its pages embed Prefero's client, and its backend asks
    Prefero for customer tokens with the issuer key, which never reaches the browser."""

    origin: str
    prefero: str = ""
    tokens_issued: list[str] = field(default_factory=list)

    def issue(self, customer_id: str) -> dict[str, Any]:
        answer = httpx.post(f"{self.prefero}/v1/customers/{customer_id}/tokens",
                            headers={"X-API-Key": TOKEN_KEY})
        answer.raise_for_status()
        self.tokens_issued.append(customer_id)
        # Prefero's answer as it is, plus whose it is: the page needs the customer id for
        # the customer's own endpoints and events.
        return {**answer.json(), "customer_id": customer_id}

    def page(self, query: dict[str, str]) -> str:
        customer = query.get("customer")
        settings: dict[str, Any] = {"api": self.prefero, "productUrl": "/p/{product_id}"}
        if customer:
            settings.update(self.issue(customer))
        if "lang" in query:
            settings["language"] = query["lang"]
        if "undo" in query:
            settings["undoSeconds"] = float(query["undo"])
        # JSON inside <script>: "<" escaped, so no value can close the element.
        config = json.dumps(settings).replace("<", "\\u003c")
        token_path = json.dumps(f"/prefero-token?customer={customer or ''}")
        lang = query.get("lang", "en")
        return f"""<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>Fresh Foods</title>
  <style>
    body {{ font-family: system-ui, sans-serif; margin: 0; color: #222; }}
    header {{ display: flex; justify-content: space-between; align-items: center;
             padding: 1rem 2rem; background: #214d3a; color: #fff; }}
    header h1 {{ margin: 0; font-size: 1.4rem; }}
    main {{ max-width: 72rem; margin: 0 auto; padding: 1rem 2rem; }}
  </style>
</head>
<body>
  <header><h1>Fresh Foods</h1>
    <button id="preferences" type="button">Your preferences</button></header>
  <main>
    <p>Welcome back! Fresh bread every morning, free delivery from 150 zł.</p>
    <div data-prefero-row data-placement="home" data-n="5"><p id="fallback">Our
      favourites</p></div>
  </main>
  <script src="{self.prefero}/sdk/prefero.js"></script>
  <script>
    const settings = {config};
    settings.refresh = () => fetch({token_path}).then((answer) => answer.json());
    window.preferoDrawn = Prefero.init(settings);
    document.getElementById("preferences")
      .addEventListener("click", () => Prefero.openPreferences());
  </script>
</body>
</html>"""


def _handler(site: ShopSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            if parts.path == "/":
                self._send(200, "text/html; charset=utf-8", site.page(query))
            elif parts.path == "/prefero-token" and query.get("customer"):
                self._send(200, "application/json", json.dumps(site.issue(query["customer"])))
            else:
                self._send(404, "text/plain", "not here")

        def _send(self, status: int, media_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test's output is for failures

    return Handler


@dataclass(frozen=True)
class Stage:
    site: ShopSite
    prefero: str
    runtime: Runtime


def _serve_prefero(runtime: Runtime, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # uvicorn offers no event to wait on
        if time.monotonic() > deadline:
            raise RuntimeError("Prefero did not start")
        time.sleep(0.05)
    return server, thread


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """The shop's site on one port, Prefero (a trained demo shop) on another: two origins,
    the shop's the only allowed one. Each test uses customers of its own."""
    site_server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    site = ShopSite(origin=f"http://127.0.0.1:{site_server.server_address[1]}")
    site_server.RequestHandlerClass = _handler(site)
    site_thread = threading.Thread(target=site_server.serve_forever, daemon=True)
    site_thread.start()

    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path_factory.mktemp("sdk") / "shop",
                               admin_key=ADMIN_KEY, token_issuer_keys=[TOKEN_KEY],
                               allowed_origins=[site.origin]))
    load_demo(runtime, products=400, customers=120, anchor=ANCHOR)
    train(runtime)
    port = _free_port()
    server, thread = _serve_prefero(runtime, port)
    site.prefero = f"http://127.0.0.1:{port}"
    try:
        yield Stage(site=site, prefero=site.prefero, runtime=runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        site_server.shutdown()
        site_thread.join(timeout=10)
        site_server.server_close()
        runtime.close()


def _admin(stage: Stage, method: str, path: str, *, language: str = "en",
           **kwargs: Any) -> Any:
    answer = httpx.request(method, stage.prefero + path, headers={
        "X-API-Key": ADMIN_KEY, "Accept-Language": language}, **kwargs)
    assert answer.is_success, answer.text
    return answer.json()


def _consent(stage: Stage, customer_id: str, *, granted: bool) -> None:
    _admin(stage, "POST", f"/v1/customers/{customer_id}/consents",
           json={"purpose": "tracking", "granted": granted})


def _recommendations(stage: Stage, customer_id: str, language: str = "en") -> Any:
    return _admin(stage, "GET", "/v1/recommendations",
                  params={"customer_id": customer_id, "placement": "home", "n": 5},
                  language=language)


def _events(stage: Stage, customer_id: str) -> list[Event]:
    with stage.runtime.session() as session:
        rows = session.scalars(select(Event).where(Event.customer_id == customer_id)
                               .order_by(Event.id)).all()
        session.expunge_all()
        return list(rows)


def _open(page: Page, stage: Stage, **query: str) -> list[str]:
    """Open the shop's page and wait for the client to draw; the product ids shown."""
    address = stage.site.origin + "/?" + "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(address)
    drawn = page.evaluate("window.preferoDrawn")
    return list(drawn[0]) if drawn else []


def _event_posts(page: Page) -> list[Request]:
    """Every request the page makes to Prefero's /v1/events from now on."""
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request)
            if request.method == "POST" and urlsplit(request.url).path == "/v1/events"
            else None)
    return posts


def _sent(post: Request) -> list[dict[str, Any]]:
    body = post.post_data_json
    assert isinstance(body, dict)
    events: list[dict[str, Any]] = body["events"]
    return events


def test_the_row_shows_real_products_explains_them_and_takes_not_for_me(
        stage: Stage, page: Page) -> None:
    customer = "sdk-ada"
    _admin(stage, "PUT", f"/v1/customers/{customer}/preferences", json=CHOCOLATE)
    posts = _event_posts(page)
    shown = _open(page, stage, customer=customer, undo="600")

    # The titles are the catalogue's, for the products the API recommends.
    expected = _recommendations(stage, customer)
    assert shown == [item["product_id"] for item in expected["items"]]
    cards = page.locator(CARDS)
    expect(cards).to_have_count(len(shown))
    with stage.runtime.session() as session:
        titles = {p.id: p.title for p in session.scalars(
            select(Product).where(Product.id.in_(shown)))}
    assert page.locator(".prefero-card__title").all_text_contents() == [
        titles[pid] for pid in shown]
    assert page.locator("#fallback").count() == 0, "the row replaces the shop's fallback"
    expect(page.locator(".prefero-row__title")).to_have_text("Picked for you")
    first = expected["items"][0]
    expect(cards.first.locator(".prefero-card__price")).to_have_text(
        f"PLN\u00a0{first['price']:.2f}")
    reasons = [reason["text"] for reason in first["reasons"]]
    assert any("Chocolate" in text for item in expected["items"]
               for text in (r["text"] for r in item["reasons"]))

    # "Why this?" is a disclosure button: closed, then open with every reason.
    why = cards.first.get_by_role("button", name="Why this?")
    panel = cards.first.locator(".prefero-card__why-panel")
    expect(why).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    why.click()
    expect(why).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(panel.locator("li")).to_have_text(reasons)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sdk-row-desktop.png"), full_page=True)

    # "Not for me": the card goes at once, "Hidden … Undo" takes its place, said politely.
    gone = shown[1]
    card = page.locator(f'{ROW} [data-product-id="{gone}"]')
    card.get_by_role("button", name="Not for me").click()
    expect(card).to_have_class("prefero-card prefero-card--hidden")
    expect(card).to_contain_text(f"Hidden: \u201c{titles[gone]}\u201d")
    expect(card.get_by_role("button", name="Undo")).to_be_focused()
    status = page.locator(f"{ROW} [role=status]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(f"Hidden: \u201c{titles[gone]}\u201d")
    assert posts == [], "nothing is sent while the customer may still undo"

    # Undo brings the card back, and nothing is ever sent for it.
    kept = shown[2]
    kept_card = page.locator(f'{ROW} [data-product-id="{kept}"]')
    kept_card.get_by_role("button", name="Not for me").click()
    kept_card.get_by_role("button", name="Undo").click()
    expect(kept_card.locator(".prefero-card__title")).to_have_text(titles[kept])
    expect(kept_card.get_by_role("button", name="Not for me")).to_be_focused()
    expect(status).to_have_text(f"\u201c{titles[kept]}\u201d is back.")

    # The waiting dismissal goes now (as when its time is up or the page is left).
    with page.expect_response(lambda r: urlsplit(r.url).path == "/v1/events") as answer:
        assert page.evaluate("Prefero.flush()") == 1
    assert answer.value.ok
    assert answer.value.json()["accepted"] == 1
    assert len(posts) == 1
    sent = _sent(posts[0])
    assert [(e["type"], e["product_id"], e["customer_id"]) for e in sent] == [
        ("rec_dismiss", gone, customer)]
    # Not sent with the API key, and not with a cookie: the customer's token only.
    assert posts[0].headers["authorization"].startswith("Bearer ")
    assert "x-api-key" not in posts[0].headers and "cookie" not in posts[0].headers
    expect(card).to_have_count(0)
    expect(status).to_have_text(f"We will not suggest \u201c{titles[gone]}\u201d again.")

    prefs = _admin(stage, "GET", f"/v1/customers/{customer}/preferences")
    assert gone in prefs["dismissed"] and kept not in prefs["dismissed"]
    assert gone not in [i["product_id"] for i in _recommendations(stage, customer)["items"]]
    assert page.evaluate("Prefero.flush()") == 0
    assert len(posts) == 1


def test_events_leave_the_browser_only_with_tracking_consent(stage: Stage,
                                                             page: Page) -> None:
    customer = "sdk-ben"
    _consent(stage, customer, granted=True)
    shown = _open(page, stage, customer=customer)
    posts = _event_posts(page)

    sent = page.evaluate("""([a, b]) => Promise.all([
        Prefero.track("view", {productId: a}),
        Prefero.track("add_to_cart", {productId: b, price: 12.5, quantity: 2}),
    ])""", shown[:2])
    assert sent == [True, True]
    stored = _events(stage, customer)
    assert [(e.type, e.product_id) for e in stored] == [
        ("view", shown[0]), ("add_to_cart", shown[1])]
    assert (stored[1].price, stored[1].quantity) == (Decimal("12.50"), 2)
    # Both went in one request, with ids of their own.
    ids = [event["event_id"] for post in posts for event in _sent(post)]
    assert len(posts) == 1 and len(ids) == len(set(ids)) == 2

    # Withdrawn elsewhere (the preference center, the shop's backend): the next call knows.
    _consent(stage, customer, granted=False)
    assert page.evaluate("(id) => Prefero.track('view', {productId: id})", shown[2]) is False
    assert len(posts) == 1, "no event may leave the browser without tracking consent"
    assert len(_events(stage, customer)) == 2


def test_an_anonymous_visitor_sends_nothing(stage: Stage, page: Page) -> None:
    calls: list[str] = []
    page.on("request", lambda request: calls.append(request.url)
            if request.url.startswith(stage.prefero + "/v1/") else None)
    assert _open(page, stage) == []
    expect(page.locator(ROW)).to_have_attribute("data-prefero-state", "anonymous")
    expect(page.locator("#fallback")).to_be_visible()
    assert page.evaluate("Prefero.track('view', {productId: 'p00001'})") is False
    assert page.evaluate("Prefero.consents()") is None
    assert calls == []


def test_open_preferences_signs_the_customer_in(stage: Stage, page: Page) -> None:
    customer = "sdk-cleo"
    _open(page, stage, customer=customer)
    # The page's own exchange URL first; then a fresh one from the shop's backend.
    for attempt in range(2):
        with page.expect_popup() as opened:
            page.locator("#preferences").click()
        center = opened.value
        center.wait_for_url(f"{stage.prefero}/session/exchange?code=*")
        center.get_by_role("button", name="Continue to your preferences").click()
        center.wait_for_url(f"{stage.prefero}/preferences")
        expect(center.locator(".who")).to_have_attribute("data-customer-id", customer)
        # The preference center has no handle on the shop's page.
        assert center.evaluate("window.opener") is None, attempt
        center.close()
    assert stage.site.tokens_issued.count(customer) == 2


def test_polish_page(stage: Stage, page: Page) -> None:
    customer = "sdk-dorota"
    shown = _open(page, stage, customer=customer, lang="pl", undo="0.2")
    expected = _recommendations(stage, customer, language="pl")
    cards = page.locator(CARDS)
    expect(cards).to_have_count(len(shown))
    expect(page.locator(".prefero-row__title")).to_have_text("Teraz popularne")
    first = expected["items"][0]
    price = f"{first['price']:.2f}".replace(".", ",")
    expect(cards.first.locator(".prefero-card__price")).to_have_text(f"{price}\u00a0zł")
    why = cards.first.get_by_role("button", name="Dlaczego to?")
    why.click()
    expect(cards.first.locator(".prefero-card__why-panel li")).to_have_text(
        [reason["text"] for reason in first["reasons"]])
    expect(cards.first.get_by_role("button", name="Zmień swoje preferencje")).to_be_visible()
    # A model's other colours and sizes, counted in Polish plural forms.
    assert any(item["variants"] for item in expected["items"])  # the demo has families
    for position, item in enumerate(expected["items"]):
        family = item["variants"] or {"colors": [], "sizes": []}
        said = [_polish_count(len(family["colors"]), ("kolor", "kolory", "kolorów")),
                _polish_count(len(family["sizes"]), ("rozmiar", "rozmiary", "rozmiarów"))]
        said = [words for words in said if words]
        variants = cards.nth(position).locator(".prefero-card__variants")
        if said:
            expect(variants).to_have_text(" · ".join(said))
        else:
            expect(variants).to_have_count(0)

    # Its undo time (0.2 s here) runs out by itself, and the dismissal is sent.
    title = cards.nth(1).locator(".prefero-card__title").inner_text()
    with page.expect_response(lambda r: urlsplit(r.url).path == "/v1/events") as answer:
        cards.nth(1).get_by_role("button", name="Nie dla mnie").click()
    assert answer.value.ok
    expect(page.locator(f"{ROW} [role=status]")).to_have_text(
        f"Nie będziemy już proponować: \u201e{title}\u201d.")
    prefs = _admin(stage, "GET", f"/v1/customers/{customer}/preferences")
    assert prefs["dismissed"] == [shown[1]]


def _polish_count(n: int, forms: tuple[str, str, str]) -> str:
    """"{n} kolory" as Polish counts (only for more than one: one is no choice)."""
    if n < 2:
        return ""
    few = n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14)
    return f"{n} {forms[1] if few else forms[2]}"


def _eventually(check: Callable[[], bool], *, within: float = 15.0) -> bool:
    """Poll ``check`` until it holds or ``within`` seconds pass: for what the server does
    after the browser has moved on, which no browser event reports."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_leaving_the_page_sends_the_waiting_dismissal(stage: Stage, page: Page) -> None:
    customer = "sdk-emil"
    shown = _open(page, stage, customer=customer, undo="600")
    page.locator(f'{ROW} [data-product-id="{shown[0]}"]').get_by_role(
        "button", name="Not for me").click()
    # Sent with keepalive as the page goes (Playwright reports no request of a page being
    # unloaded, so the server is asked).
    page.goto(stage.site.origin + "/elsewhere")
    assert _eventually(lambda: _admin(stage, "GET", f"/v1/customers/{customer}/preferences")[
        "dismissed"] == [shown[0]])


def test_signing_another_customer_in_files_the_dismissal_under_the_first(
        stage: Stage, page: Page) -> None:
    first, second = "sdk-switch-a", "sdk-switch-b"
    shown = _open(page, stage, customer=first, undo="30")
    cards = page.locator(CARDS)
    cards.first.get_by_role("button", name="Not for me").click()
    expect(page.locator(f"{ROW} [role=status]")).not_to_have_text("")
    # The shop signs the second customer in before the first one's undo time runs out.
    settings = {**stage.site.issue(second), "api": stage.prefero}
    page.evaluate("(settings) => Prefero.init(settings)", settings)
    def dismissed(customer: str) -> list[str]:
        answer = httpx.get(f"{stage.prefero}/v1/customers/{customer}/preferences",
                           headers={"X-API-Key": ADMIN_KEY})
        return list(answer.json()["dismissed"]) if answer.is_success else []

    assert _eventually(lambda: dismissed(first) == [shown[0]])
    assert dismissed(second) == []
    # The first customer's row (their reasons) left the page; the second's is drawn.
    expect(page.locator(f"{ROW}[data-prefero-state=ready]")).to_have_count(1)

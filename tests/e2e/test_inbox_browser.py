"""The inbox in a real browser: the header counts unread messages, the inbox lists what was
delivered (subject, body, why it was sent, product links, unsubscribe), opening a message
marks it read, and the page reads in Polish; axe-core finds nothing critical or serious.
Screenshots in English and Polish go to /tmp/shots_a/ (or PREFERO_SHOTS)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from dashboard_browser import serious
from outbox_rows import queue
from prefero.catalog.models import Product
from prefero.db.base import utcnow
from prefero.demo.customers import PERSONA_NO_GLUTEN, PERSONA_NO_TRACKING
from prefero.messaging.models import OutboxMessage

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS", "/tmp/shots_a"))


def _deliver(shop: Any, customer_id: str, *, polish: bool = False) -> list[int]:
    """Three messages in the customer's inbox, a minute apart, naming real products, as the
    messaging service renders them in the customer's language."""
    with shop.runtime.session(write=True) as session:
        products = list(session.scalars(select(Product.id).order_by(Product.id).limit(2)))
        sent = utcnow() - timedelta(hours=1)
        messages = [
            ("Cheaper now: two things you like", "Two products you like cost less today.",
             "You asked to hear about price drops on items you like.", products),
            ("Back in stock", "A product you were waiting for is back.",
             "You asked to hear when items you watch are back in stock.", products[:1]),
            ("New from a brand you follow", "Something new arrived from a brand you follow.",
             "You follow this brand.", products[1:]),
        ] if not polish else [
            ("Taniej: dwa produkty, które lubisz", "Dwa lubiane produkty są dziś tańsze.",
             "Chcesz wiedzieć o obniżkach lubianych produktów.", products),
            ("Znów dostępne", "Produkt, na który czekasz, wrócił.",
             "Chcesz wiedzieć, gdy obserwowany produkt wróci.", products[:1]),
            ("Nowość od obserwowanej marki", "Marka, którą obserwujesz, ma coś nowego.",
             "Obserwujesz tę markę.", products[1:]),
        ]
        ids = []
        for n, (subject, body, why, links) in enumerate(messages):
            payload = {"subject": subject, "body": body, "why": why,
                       "links": [f"/p/{pid}" for pid in links],
                       "unsubscribe_url": "/messages/unsubscribe?token=x"}
            [message_id] = queue(session, customer_id=customer_id, at=sent,
                                 prefix=f"{customer_id}-{n}", payload=payload)
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status="sent", sent_at=sent + timedelta(minutes=n)))
            ids.append(message_id)
    return ids


def _sign_in(page: Page, url: str, customer_id: str) -> None:
    page.goto(url + "/login")
    page.locator(f"form[action='/login']:has(input[value='{customer_id}']) button").click()
    page.wait_for_load_state()


def test_the_inbox_counts_lists_opens_and_speaks_polish(shop: Any, page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _sign_in(page, shop.url, PERSONA_NO_GLUTEN)
    ids = _deliver(shop, PERSONA_NO_GLUTEN)

    page.goto(shop.url + "/")
    link = page.locator("#inbox-link")
    expect(link).to_contain_text("Inbox")
    expect(link.locator(".badge")).to_have_text("3")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your messages")
    expect(page.locator("#inbox-unread")).to_have_text("3 unread messages")
    items = page.locator(".inbox-item")
    expect(items).to_have_count(3)
    # Newest first; every message says why it was sent and how to stop it.
    expect(items.first.locator(".inbox-subject")).to_contain_text("New from a brand you follow")
    expect(items.first.locator(".inbox-why")).to_contain_text("You follow this brand.")
    expect(page.locator(".inbox-unsubscribe")).to_have_count(3)
    assert serious(page) == []
    page.screenshot(path=str(SHOTS / "inbox-en.png"), full_page=True)

    page.locator(f"[data-message-id='{ids[0]}'] .inbox-subject").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cheaper now: two things you like")
    expect(page.locator(".inbox-links li")).to_have_count(2)
    expect(page.locator("#inbox-link .badge")).to_have_text("2")
    assert serious(page) == []
    page.screenshot(path=str(SHOTS / "inbox-message-en.png"), full_page=True)
    page.get_by_role("link", name="Back to your messages").click()
    expect(page.locator(f"[data-message-id='{ids[0]}']")).not_to_have_class("inbox-item unread")
    expect(page.locator("#inbox-unread")).to_have_text("2 unread messages")

    # A customer who reads the shop in Polish: messages rendered in Polish, Polish pages.
    with page.expect_navigation():
        page.locator("form[action='/logout'] button").click()
    with page.expect_navigation():  # the choice submits itself (prefero.js)
        page.select_option("#lang-choice", "pl")
    _sign_in(page, shop.url, PERSONA_NO_TRACKING)
    polish = _deliver(shop, PERSONA_NO_TRACKING, polish=True)
    page.goto(shop.url + "/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Twoje wiadomości")
    expect(page.locator("#inbox-unread")).to_have_text("3 nieprzeczytane wiadomości")
    expect(page.locator("#inbox-link")).to_contain_text("Wiadomości")
    expect(page.locator(".inbox-unsubscribe").first).to_contain_text(
        "Wypisz się z tych wiadomości")
    assert serious(page) == []
    page.screenshot(path=str(SHOTS / "inbox-pl.png"), full_page=True)
    page.locator(f"[data-message-id='{polish[1]}'] .inbox-subject").click()
    expect(page.locator(".inbox-why")).to_contain_text("Dlaczego to dostajesz")
    page.screenshot(path=str(SHOTS / "inbox-message-pl.png"), full_page=True)

"""Fresh preferences in a real browser: values told long ago are listed in the preference
center as "Still true?", confirming one takes it off the list, Confirm all empties it and the
banner goes; in English and in Polish, with screenshots."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from prefero.customers.models import Preference
from prefero.customers.preferences import add_constraint, set_sizes
from prefero.customers.schemas import Constraint, SizeSet
from prefero.db.base import utcnow

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS", "/tmp/shots_E"))


def _signed_in_customer(page: Page, shop: Any) -> str:
    page.goto(f"{shop.url}/login")
    page.locator("form[action='/login'] button").first.click()
    page.wait_for_load_state()
    page.goto(f"{shop.url}/preferences")
    return page.locator("#known code").first.inner_text().strip()


def _told_long_ago(shop: Any, customer_id: str) -> None:
    """A child's size and a rule besides the persona's likes, all confirmed 400 days ago."""
    runtime = shop.runtime
    with runtime.session() as session:
        set_sizes(session, customer_id=customer_id, schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Kids", values=["110"]))
        add_constraint(session, customer_id=customer_id, schema=runtime.facet_schema,
                       constraint=Constraint(facet="allergens", op="never", values=["gluten"]))
        session.execute(update(Preference).where(Preference.customer_id == customer_id)
                        .values(confirmed_at=utcnow() - timedelta(days=400)))


def test_stale_values_are_asked_about_and_confirming_clears_them(shop: Any,
                                                                 page: Page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    customer_id = _signed_in_customer(page, shop)
    _told_long_ago(shop, customer_id)

    page.goto(f"{shop.url}/preferences")
    banner = page.locator("#freshness")
    expect(banner.get_by_role("heading", level=2)).to_have_text("Still true?")
    lines = banner.locator(".pc-stale")
    total = lines.count()
    assert total >= 2
    expect(banner).to_contain_text("You told us 13 months ago that you wear size 110 in "
                                   "Fashion › Kids. Still true?")
    expect(banner).to_contain_text("Allergens: gluten — you told us 13 months ago never to "
                                   "show you this. Still true?")
    banner.screenshot(path=str(SHOTS / "freshness-en.png"))
    page.screenshot(path=str(SHOTS / "freshness-en-page.png"))

    # Confirm the first one: it leaves the list, the rest stay, and the page says so.
    first = lines.first.inner_text()
    page.evaluate("window.samePage = true")
    page.locator("#stale-confirm-1").click()
    expect(lines).to_have_count(total - 1)
    expect(page.locator("#pc-status")).to_contain_text("Confirmed:")
    assert page.evaluate("window.samePage") is True  # htmx swapped the sections in place
    assert first not in banner.inner_text()
    # "Change" leads to the section that edits the value.
    assert page.locator("#stale-change-1").get_attribute("href", timeout=2000) in (
        "/preferences#likes", "/preferences#rules", "/preferences#sizes")

    page.context.add_cookies([{"name": "lang", "value": "pl", "url": shop.url}])
    page.goto(f"{shop.url}/preferences")
    expect(banner.get_by_role("heading", level=2)).to_have_text("Czy to nadal aktualne?")
    expect(banner).to_contain_text("zapisano 13 miesięcy temu")
    banner.screenshot(path=str(SHOTS / "freshness-pl.png"))
    page.screenshot(path=str(SHOTS / "freshness-pl-page.png"))

    page.get_by_role("button", name="Potwierdź wszystkie").click()
    expect(page.locator("#freshness")).to_have_count(0)
    expect(page.locator("#pc-status")).to_contain_text("Potwierdzono wszystkie wymienione")
    page.screenshot(path=str(SHOTS / "freshness-pl-confirmed.png"))
    with shop.runtime.session() as session:
        from prefero.customers.preferences import get_preferences
        assert get_preferences(session, customer_id=customer_id,
                               settings=shop.runtime.settings).stale == []

"""The console's pages for what the customer shapes, in a real browser: on-site prompts,
delivery windows and configurators, signed in as an administrator, in English and Polish, at
desktop and phone widths; each page saved under /tmp/shots/console/ and checked by axe-core
(no critical or serious violation). A wrong prompt form shows its error beside the field; a
capacity change is saved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dashboard_browser import DESKTOP, EMAIL, PHONE, serious, served, sign_in
from factories import customer
from prefero.config import Settings
from prefero.configurators.models import OptionStock
from prefero.db.base import utcnow
from prefero.db.migrate import upgrade
from prefero.delivery.schemas import WindowIn, WindowsIn
from prefero.delivery.service import book, replace_windows
from prefero.prompts.caps import dismiss
from prefero.prompts.models import PromptShown
from prefero.runtime import Runtime
from prompt_helpers import prompt_shop
from staff_accounts import add

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/console")
PAGES = ("prompts", "delivery", "configurators")


def _windows(runtime: Runtime) -> None:
    day = (utcnow() + timedelta(days=2)).date()
    start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
    windows = [
        WindowIn(id=f"{day}-home-morning", method="home", starts_at=start,
                 ends_at=start + timedelta(hours=3), capacity=8, price=Decimal("9.99"),
                 currency="PLN", green=True),
        WindowIn(id=f"{day}-pickup-centre", method="pickup", pickup_point_id="centre",
                 pickup_point_name="Centre kiosk", starts_at=start + timedelta(hours=4),
                 ends_at=start + timedelta(hours=8), capacity=2, price=Decimal("0"),
                 currency="PLN"),
        WindowIn(id=f"{day}-home-evening", method="home", starts_at=start + timedelta(hours=11),
                 ends_at=start + timedelta(hours=14), capacity=6, price=Decimal("14.50"),
                 currency="PLN"),
        WindowIn(id=f"{day}-next-home", method="home", starts_at=start + timedelta(days=1),
                 ends_at=start + timedelta(days=1, hours=3), capacity=10,
                 price=Decimal("9.99"), currency="PLN", green=True),
    ]
    with runtime.session(write=True) as session:
        replace_windows(session, WindowsIn(windows=windows), now=utcnow())
    for i, window in enumerate([0, 0, 0, 1, 1, 2]):
        with runtime.session(write=True) as session:
            book(session, customer_id=f"c{i}", window_id=windows[window].id,
                 order_id=f"o{i}")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("console")
    settings = Settings(mode="demo", data_dir=path / "shop", admin_key="e2e-admin-key",
                        content_time_zone="Europe/Warsaw")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    add(runtime, EMAIL, "admin")
    prompt_shop(runtime)
    now = utcnow()
    with runtime.session(write=True) as session:
        for i in range(12):
            customer(session, f"v{i}")
            session.add(PromptShown(customer_id=f"v{i}", prompt_key="exit", visit=f"v{i}",
                                    trigger="cart_exit", reasons=["cart_exit"], at=now))
            if i % 4 == 0:
                dismiss(session, f"v{i}", "exit", now=now)
        session.add(OptionStock(product_id="cfg-laptop-14", group_key="memory",
                                option_key="ram-64", remaining=3))
    _windows(runtime)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with served(runtime) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_three_pages_in_both_languages(browser: Any, console: str, lang: str,
                                           phone: bool) -> None:
    context = browser.new_context(viewport=PHONE if phone else DESKTOP,
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    try:
        page = context.new_page()
        sign_in(page, console)
        suffix = f"-{lang}{'-phone' if phone else ''}"
        for key in PAGES:
            answer = page.goto(f"{console}/dashboard/{key}")
            assert answer is not None and answer.status == 200, key
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("[aria-current=page]").count() == 1, key
            page.screenshot(path=SHOTS / f"{key}{suffix}.png", full_page=True)
            assert serious(page) == [], key
    finally:
        context.close()


def test_a_wrong_prompt_shows_its_error_and_a_capacity_is_saved(browser: Any,
                                                                console: str) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, console)
        page.goto(f"{console}/dashboard/prompts")
        page.fill("#prompt-key", "help-scroll")
        page.fill("#prompt-name", "Read on")
        page.check("#prompt-trigger-scroll")
        page.fill("#prompt-threshold", "5")
        page.select_option("#prompt-slot", "p-scroll")
        page.click("form.rule-form button[type=submit]")
        error = page.locator("#prompt-threshold-error")
        assert error.inner_text() == ("For this trigger, enter a whole number from 10 to 100, "
                                      "or leave it empty for 75.")
        assert page.locator("#prompt-threshold").get_attribute("aria-invalid") == "true"
        page.screenshot(path=SHOTS / "prompts-error-en.png", full_page=True)
        assert serious(page) == []
        page.fill("#prompt-threshold", "80")
        page.click("form.rule-form button[type=submit]")
        assert page.locator(".flash").first.inner_text().startswith("Prompt “Read on” added")
        page.goto(f"{console}/dashboard/delivery")
        field = page.locator("input[name=capacity]").first
        field.fill("2")
        field.locator("xpath=..").locator("button[type=submit]").click()
        assert "enter at least 3" in page.locator(".field-error").first.inner_text()
        page.screenshot(path=SHOTS / "delivery-error-en.png", full_page=True)
        field = page.locator("input[name=capacity]").first
        field.fill("12")
        field.locator("xpath=..").locator("button[type=submit]").click()
        assert "now takes 12 orders" in page.locator(".flash").first.inner_text()
    finally:
        context.close()

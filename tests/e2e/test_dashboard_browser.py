"""The dashboard in a real browser: a staff member signs in and visits every page in English
and Polish, at desktop and phone widths; each page is saved as a screenshot
(docs/screenshots/dashboard-<page>-<lang>[-phone].png) and axe-core finds no critical or
serious accessibility violation on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard_browser import DESKTOP, EMAIL, PHONE, SCREENSHOTS, serious, served, sign_in
from dashboard_shop import example_segments, quiz_sessions
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.runtime import Runtime
from prefero.web.dashboard.nav import pages
from staff_accounts import add

pytestmark = pytest.mark.e2e



# Module-wide: one shop for the five tests (loading it is most of their time).
@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small demo shop with an admin account and some quiz sessions, served."""
    path = tmp_path_factory.mktemp("dashboard")
    runtime = Runtime(Settings(mode="demo", data_dir=path / "shop",
                               admin_key="e2e-admin-key"))
    load_demo(runtime, products=300, customers=120)
    add(runtime, EMAIL, "admin")
    add(runtime, "marek@shop.example", "read_only")
    with runtime.session(write=True) as session:
        quiz_sessions(session, "grocery-setup", [0, 1, 2, 2, 3, 4, 6, 6, 6, 6, 6, 6])
        example_segments(session, runtime.settings)
    with served(runtime) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_every_page_signed_in_in_both_languages(browser: Any, dashboard: str, lang: str,
                                                phone: bool) -> None:
    context = browser.new_context(viewport=PHONE if phone else DESKTOP,
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    try:
        page = context.new_page()
        # The sign-in page itself.
        page.goto(f"{dashboard}/dashboard/sign-in")
        suffix = f"-{lang}{'-phone' if phone else ''}"
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=SCREENSHOTS / f"dashboard-sign-in{suffix}.png", full_page=True)
        assert serious(page) == [], "sign-in"
        # A page of the dashboard sends a stranger to the sign-in first.
        page.goto(f"{dashboard}/dashboard")
        assert page.url.startswith(f"{dashboard}/dashboard/sign-in")
        sign_in(page, dashboard)
        for entry in pages():
            answer = page.goto(f"{dashboard}{entry.path}")
            assert answer is not None and answer.status == 200, entry.path
            assert page.locator("h1").inner_text().strip(), entry.path
            assert page.locator("[aria-current=page]").count() == 1, entry.path
            # Every chart is an image named by its title, with its table beside it.
            charts = page.locator("svg.dash-chart")
            for i in range(charts.count()):
                chart = charts.nth(i)
                assert chart.get_attribute("role") == "img"
                assert page.locator(f"#{chart.get_attribute('aria-labelledby')}").count() == 1
            assert page.locator(".figure table").count() >= charts.count()
            page.screenshot(path=SCREENSHOTS / f"dashboard-{entry.key}{suffix}.png",
                            full_page=True)
            assert serious(page) == [], entry.path
    finally:
        context.close()


def test_a_read_only_account_sees_no_staff_page(browser: Any, dashboard: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        sign_in(page, dashboard, email="marek@shop.example")
        assert page.locator("nav.dash-nav a[href='/dashboard/staff']").count() == 0
        answer = page.goto(f"{dashboard}/dashboard/staff")
        assert answer is not None and answer.status == 403
        assert serious(page) == []
    finally:
        context.close()

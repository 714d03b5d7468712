"""The Models page in a real browser, with a report of known figures: in English and Polish,
at desktop and phone widths, the served models' bar and the table of every model tried are
shown without spilling over the screen, saved as screenshots
(docs/screenshots/dashboard-models-report-<lang>[-phone].png), and axe-core finds no
critical or serious accessibility violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard_browser import EMAIL, SCREENSHOTS, serious, served, signed_in
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.runtime import Runtime
from quality_reports import sample_quality, write_reported_version
from staff_accounts import add

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A shop with a staff account and an artefact version carrying a report, served."""
    path: Path = tmp_path_factory.mktemp("models")
    settings = Settings(mode="demo", data_dir=path / "shop", admin_key="e2e-admin-key")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    add(runtime, EMAIL, "read_only")
    write_reported_version(settings.artefact_dir, sample_quality())
    with served(runtime) as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "pl"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_report_reads_well_in_both_languages_and_widths(browser: Any, shop: str,
                                                            lang: str, phone: bool) -> None:
    context, page = signed_in(browser, shop, lang=lang, phone=phone)
    try:
        answer = page.goto(f"{shop}/dashboard/models")
        assert answer is not None and answer.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("[aria-current=page]").count() == 1
        # Two charts (the served models' bar, every model tried), each an image named by
        # its title with its table beside it.
        charts = page.locator("svg.dash-chart")
        assert charts.count() == 2
        for i in range(2):
            assert charts.nth(i).get_attribute("role") == "img"
        assert page.locator(".figure table").count() == 2
        served_names = page.locator("#fig-served ~ .figure-body tbody th")
        assert served_names.count() == 2
        # Nothing wider than the screen but the tables' own scrolling frames.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        suffix = f"-{lang}{'-phone' if phone else ''}"
        page.screenshot(path=SCREENSHOTS / f"dashboard-models-report{suffix}.png",
                        full_page=True)
        assert serious(page) == []
    finally:
        context.close()

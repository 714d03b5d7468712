"""The interactive API documentation renders in a real browser with no outside network."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e


def test_docs_render_offline(live_server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Prefero" in page.inner_text(".swagger-ui .info .title")
    # every operation of the API is listed
    page.wait_for_selector("#operations-recommendations-get_recommendations_v1_recommendations_get")
    assert page.locator(".opblock").count() >= 10
    assert hosts == {"127.0.0.1"}, f"the docs page reached outside: {hosts}"
    page.screenshot(path=str(tmp_path / "docs.png"))
    page.close()

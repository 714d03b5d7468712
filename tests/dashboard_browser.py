"""What the dashboard's browser tests share: a shop served on a free port, a staff member
signed in at a language and width, and axe-core's critical and serious findings."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

from prefero.api.app import create_app
from prefero.runtime import Runtime
from staff_accounts import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
EMAIL = "ola@shop.example"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(runtime: Runtime) -> Iterator[str]:
    """``runtime``'s app served on a free local port, its address; closed afterwards with
    the runtime."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


def sign_in(page: Any, url: str, *, email: str = EMAIL) -> None:
    """Sign ``email`` in on ``page`` through the sign-in form (its password is the test
    accounts' own)."""
    page.goto(f"{url}/dashboard/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_url(f"{url}/dashboard")


def signed_in(browser: Any, url: str, *, lang: str, phone: bool = False) -> tuple[Any, Any]:
    """A new browser context at ``lang`` and the width asked for, signed in; its page."""
    context = browser.new_context(viewport=PHONE if phone else DESKTOP,
                                  locale="pl-PL" if lang == "pl" else "en-GB")
    page = context.new_page()
    sign_in(page, url)
    return context, page


def serious(page: Any) -> list[str]:
    """axe-core's critical and serious violations on ``page``, each in a line."""
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("critical", "serious")]

"""A real server on a free port and a real headless Chromium (Debian's package)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from prefero.api.app import create_app
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.demo import load_demo
from prefero.recommend.training import train
from prefero.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


ANCHOR = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Shop:
    url: str
    runtime: Runtime


@contextmanager
def _serve(runtime: Runtime) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The API served by uvicorn in a thread, over a fresh migrated SQLite database."""
    # Demo mode: the browser tests sign in as personas, which exist only there.
    settings = Settings(mode="demo", data_dir=tmp_path / "data", admin_key="e2e-admin-key")
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    try:
        with _serve(runtime) as url:
            yield url
    finally:
        runtime.close()


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder (SQLite database and artefacts) of a small trained demo shop, built
    once per test process: loading and training it took ~6 s, paid again by every test."""
    folder = tmp_path_factory.mktemp("e2e-template") / "shop"
    runtime = Runtime(Settings(mode="demo", data_dir=folder, admin_key="e2e-admin-key"))
    try:
        load_demo(runtime, products=400, customers=120, anchor=ANCHOR)
        train(runtime)
    finally:
        # Closed before anything copies it: the last connection out checkpoints the WAL.
        runtime.close()
    return folder


@pytest.fixture
def shop(tmp_path: Path, shop_template: Path) -> Iterator[Shop]:
    """A small demo shop (catalogue, customers, behaviour, quizzes), trained and served.

    Each test gets its own copy of the template's folder (browser tests sign in, declare,
    subscribe...), so no test sees what another one wrote."""
    shutil.copytree(shop_template, tmp_path / "shop")
    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path / "shop",
                               admin_key="e2e-admin-key"))
    try:
        with _serve(runtime) as url:
            yield Shop(url=url, runtime=runtime)
    finally:
        runtime.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) and page per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium per test process: starting Playwright's driver and the browser took
    ~1.5 s, paid again by every test. Tests never share a context (see ``browser``)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: `make browser` installs it")
    from playwright.sync_api import expect, sync_playwright

    # The suite runs two workers on two cores, one of them perhaps loading a shop while the
    # other's server answers an htmx swap: 5 s (the default) was once too short for one.
    # A passing check waits no longer for it; only a failing one is reported later.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The browser for one test; the contexts (cookies, storage, pages) it opened are
    closed after it, even when it failed before closing them, so the next test starts with
    none, as it did with a browser of its own."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()

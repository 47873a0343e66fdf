"""Browser fixtures: headless Debian Chromium driven by Playwright (Python, sync API).

The server is the session's ``live_server`` (tests/conftest.py). Each test gets a fresh browser
context whose requests, page errors and console errors are recorded, and leaves a screenshot in
``artifacts/screenshots/<test name>.png`` whether it passed or failed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_DIR / "artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("GRADTRACE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class BrowserPage:
    """A page plus what it did: every request URL, uncaught errors and console errors."""

    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module (skips when Chromium or Playwright is missing).

    Not per session: Playwright's sync API keeps an event loop running in this thread while it
    is open, and every later test that calls asyncio.run() would fail.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set GRADTRACE_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def ui(chromium: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    """A fresh page on the live server; screenshots itself at the end of the test."""
    yield from open_page(chromium, live_server, request)


@pytest.fixture
def touch_ui(
    chromium: Any, live_server: str, request: pytest.FixtureRequest
) -> Iterator[BrowserPage]:
    """As ``ui``, in a context with a touch screen (``has_touch``): CDP's
    Input.dispatchTouchEvent reaches the page as touches and their pointer events."""
    yield from open_page(chromium, live_server, request, has_touch=True)


def open_page(
    chromium: Any, live_server: str, request: pytest.FixtureRequest, **options: Any
) -> Iterator[BrowserPage]:
    """A page in a new browser context (`options`: more of new_context's), recorded and
    screenshotted at the end of the test."""
    context = chromium.new_context(
        viewport={"width": 1440, "height": 960}, accept_downloads=True, **options
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    bp = BrowserPage(page=page, base_url=live_server)
    page.on("request", lambda r: bp.requests.append(r.url))
    page.on("pageerror", lambda e: bp.errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: bp.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    try:
        yield bp
    finally:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            bp.screenshot(name)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"screenshot {name} failed: {error}")
        context.close()

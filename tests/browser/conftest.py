"""Browser fixtures: Debian's headless Chromium driven by Playwright, one browser per test package.

The browser is never downloaded: it is ``/usr/bin/chromium`` from the
``chromium`` Debian package (CI installs it with apt). Every test gets a fresh
context (cookies, storage and routes isolated) and fails if the page throws.
The real stack comes from the shared ``stack`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from stoppress.cli.stack import Stack
from tests.browser.publishing import published, unique_guid

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
FRONT_PAGE_NEWS = (
    (1, "Government confirms AI engineering team with Meta to build tools for public services"),
    (2, "Bank of England holds interest rates as inflation eases to 2.1%"),
    (3, "Amber wind warning for Wales and south-west England as storm nears"),
    (4, "Rail operators agree deal to end weekend engineering disruption"),
    (5, "Scientists map ancient river valley beneath the North Sea"),
)
"""(IPTC urgency, headline): the day's news behind the screenshots."""
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where tests save their pictures: ``docs/screenshots`` with ``STOPPRESS_UPDATE_SCREENSHOTS=1``, else a tmp dir.

    A plain test run leaves the checkout as it found it; refresh the docs' pictures on purpose.
    """
    if os.environ.get("STOPPRESS_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_path


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium for this package's tests (package scope: closed before other packages run)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's browser with `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context, British locale and time; uncaught page errors fail the test."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="package")
def front_page_news(stack: Stack) -> tuple[tuple[int, str], ...]:
    """Publish :data:`FRONT_PAGE_NEWS` once, each with its own URL (the ticker merges items sharing one)."""
    for urgency, headline in FRONT_PAGE_NEWS:
        guid = unique_guid("front")
        published(stack, guid, headline, urgency=urgency, url=f"https://news.example/{guid}")
    return FRONT_PAGE_NEWS

"""The editors' console on the real stack, in Chromium: an editor acts in the console, a reader's ticker follows.

ingest → Kafka → ticker → desk.stories → the desk service → the console; the console's command → desk.commands →
the ticker → ticker.events → the gateway → a second page's ``<stop-press-ticker>``.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from stoppress.cli.stack import Stack
from stoppress.shared.codec import encode
from stoppress.shared.models import Headline
from stoppress.shared.topics import HEADLINES_RAW
from tests.browser.conftest import VIEWPORT
from tests.browser.publishing import published, unique_guid
from tests.browser.widget_probe import TICKER, wait_gone, wait_live, wait_shown
from tests.conftest import EDITOR_KEY
from tests.support.kafka import produce

pytestmark = pytest.mark.browser

ACT_WITHIN_MS = 1_000
"""An editor's action reaches every reader within a second (the issue's bar)."""


def reader(browser: Browser, stack: Stack) -> Page:
    """A reader's page: the portal with its live ticker."""
    page = browser.new_context(viewport=VIEWPORT, locale="en-GB").new_page()
    page.goto(stack.config.push_url)
    wait_live(page)
    return page


def signed_in_console(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.config.desk_url}/desk")
    page.get_by_label("Editor's key").fill(EDITOR_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#feed-state")).to_have_attribute("data-state", "live")


def open_story(page: Page, headline: str) -> None:
    row = page.locator("#stories tbody tr", has_text=headline)
    expect(row).to_have_count(1, timeout=15_000)
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_have_text(headline)


def test_an_editor_kills_a_story_and_a_readers_ticker_drops_it_within_a_second(
    stack: Stack, browser: Browser, page: Page
) -> None:
    headline = "Unconfirmed reports of a dam breach near Tewkesbury, say local accounts"
    published(stack, unique_guid("dam"), headline, urgency=2)
    ticker = reader(browser, stack)
    wait_shown(ticker, headline, 15_000)

    signed_in_console(page, stack)
    assert EDITOR_KEY not in page.url
    open_story(page, headline)
    page.get_by_label("Reason (kept in the log)").fill("Not confirmed by the Environment Agency")
    page.get_by_role("button", name="Kill", exact=True).click()
    expect(page.locator("#confirm")).to_be_visible()
    page.locator("#confirm-ok").click()
    confirmed = time.monotonic()
    wait_gone(ticker, headline, ACT_WITHIN_MS)
    print(f"reader's ticker dropped the story {1000 * (time.monotonic() - confirmed):.0f} ms after the kill")
    expect(page.locator("#answer")).to_have_text("Applied: killed: off every ticker")
    expect(page.locator("#detail-state")).to_have_text("killed")
    expect(page.locator("#history li").first).to_contain_text("demo-editor kill")
    expect(page.locator("#history li").first).to_contain_text("Not confirmed by the Environment Agency")

    page.reload()  # the key is kept for the tab: no second sign-in
    expect(page.locator("#feed-state")).to_have_attribute("data-state", "live")
    open_story(page, headline)
    page.get_by_label("Reason (kept in the log)").fill("Agency confirmed the breach")
    page.locator("#detail-overrides button", has_text="Undo").click()
    wait_shown(ticker, headline, 5_000)
    ticker.context.close()


def test_a_level_set_in_the_console_reaches_a_readers_ticker_within_a_second(
    stack: Stack, browser: Browser, page: Page, screenshots: Path, front_page_news: tuple[tuple[int, str], ...]
) -> None:
    headline = "Parliament recalled as emergency budget talks collapse overnight"
    published(stack, unique_guid("recall"), headline, urgency=4)
    ticker = reader(browser, stack)
    item = ticker.locator(f"{TICKER} li", has_text=headline)
    expect(item).to_have_count(1, timeout=15_000)

    colleague = browser.new_context(viewport=VIEWPORT, locale="en-GB").new_page()
    signed_in_console(colleague, stack)
    colleagues_row = colleague.locator("#stories tbody tr", has_text=headline)
    expect(colleagues_row).to_have_attribute("data-level", "normal", timeout=15_000)

    signed_in_console(page, stack)
    open_story(page, headline)
    page.get_by_label("Reason (kept in the log)").fill("Confirmed by two reporters in the chamber")
    page.locator("#actions select[name=level]").select_option("flash")
    page.get_by_role("button", name="Set level").click()
    page.locator("#confirm-ok").click()
    expect(item).to_have_attribute("data-level", "flash", timeout=ACT_WITHIN_MS)
    expect(colleagues_row).to_have_attribute("data-level", "flash", timeout=ACT_WITHIN_MS)
    expect(colleague.locator("#history li").first).to_contain_text("Confirmed by two reporters in the chamber")
    colleague.context.close()
    expect(page.locator("#answer")).to_have_text("Applied: level set")
    expect(page.locator("#detail-level")).to_contain_text("flash (the machine says")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / "desk.png"), full_page=True)

    page.get_by_label("Reason (kept in the log)").fill("Back to the machine")
    page.get_by_role("button", name="Back to the machine").click()
    expect(item).not_to_have_attribute("data-level", "flash", timeout=ACT_WITHIN_MS)
    ticker.context.close()


def test_markup_in_a_headline_stays_text_in_the_console(stack: Stack, page: Page) -> None:
    """A source's headline that still carries markup (ingest strips it; a record written straight to the topic
    does not) is shown as text: no element is made of it and no script runs."""
    now = datetime.now(UTC)
    guid = unique_guid("xss")
    hostile = 'Storm surge alert <img src=x onerror="window.pwned=1"><script>window.pwned=2</script> for Whitehaven'
    item = Headline(id=f"demo:{guid}", source="demo", headline=hostile, urgency=2, first_created=now,
                    version_created=now, received_at=now)  # fmt: skip
    records = [(item.id.encode(), encode(item))]
    with ThreadPoolExecutor(1) as writer:  # Playwright's sync API owns this thread's event loop
        writer.submit(asyncio.run, produce(stack.config.bootstrap, HEADLINES_RAW, records)).result()

    signed_in_console(page, stack)
    open_story(page, hostile)
    row = page.locator("#stories tbody tr", has_text=hostile)
    assert row.locator("img, script").count() == 0
    assert page.locator("#detail img, #detail script, #members img").count() == 0
    expect(page.locator("#members td").first).to_have_text(hostile)
    assert page.evaluate("window.pwned") is None

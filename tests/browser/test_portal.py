"""The demo portal on the real stack: ingest → Kafka → ticker → Kafka → push → the widget in Chromium."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from stoppress.cli.stack import Stack
from tests.browser.publishing import publish, published, unique_guid
from tests.browser.widget_probe import TICKER, headlines, item_html, wait_gone, wait_live, wait_shown

pytestmark = pytest.mark.browser

def stories_on_gateway(stack: Stack) -> list[str]:
    """The headlines of the gateway's current snapshot (``GET /v1/stories``), best first."""
    with urllib.request.urlopen(f"{stack.config.push_url}/v1/stories", timeout=5) as answer:
        return [story["headline"] for story in json.loads(answer.read())["stories"]]


def wait_on_gateway(stack: Stack, done: Callable[[list[str]], bool], what: str, timeout_s: float = 20.0) -> list[str]:
    """Until the gateway's snapshot satisfies ``done``; returns its headlines."""
    deadline = time.monotonic() + timeout_s
    while not done(current := stories_on_gateway(stack)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the gateway's snapshot still lacks {what} after {timeout_s} s")
        time.sleep(0.1)
    return current


def test_shows_loading_then_the_snapshot(
    stack: Stack, page: Page, front_page_news: tuple[tuple[int, str], ...], screenshots: Path
) -> None:
    wanted = {headline for _, headline in front_page_news}
    snapshot = wait_on_gateway(stack, wanted.issubset, "the front-page news")

    held: list[WebSocketRoute] = []

    def hold(socket: WebSocketRoute) -> None:  # the page waits until the test connects it to the gateway
        held.append(socket)

    page.route_web_socket("**/v1/ws**", hold)
    page.goto(stack.config.push_url)
    expect(page.locator(f"{TICKER} .label")).to_have_text("BREAKING")
    expect(page.locator(f"{TICKER} .msg")).to_have_text("Loading latest headlines…")
    expect(page.locator(TICKER)).to_have_attribute("data-state", "loading")

    held[0].connect_to_server()  # from here on the page talks to the real gateway
    wait_live(page)
    expect(page.locator(f"{TICKER} .msg")).to_be_hidden()
    assert set(headlines(page)) == set(snapshot)
    wait_shown(page, front_page_news[0][1], 2_000)
    expect(page.locator(f"{TICKER} li.on")).to_have_attribute("data-level", "flash")
    page.wait_for_timeout(500)  # let the item's fade-in finish before the picture
    page.screenshot(path=str(screenshots / "portal.png"))


def test_urgent_headline_appears_within_a_second_and_retraction_removes_it(stack: Stack, page: Page) -> None:
    page.goto(stack.config.push_url)
    wait_live(page)
    guid = unique_guid("quake")
    headline = "Magnitude 4.1 earthquake shakes Cumbrian fells, no injuries reported"

    started = time.monotonic()
    published(stack, guid, headline, urgency=2)
    wait_shown(page, headline, 1_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"shown after {elapsed:.3f} s"
    assert item_html(page, headline)["text"] == headline
    expect(page.locator(f"{TICKER} li.on")).to_have_attribute("data-level", "breaking")

    published(stack, guid, headline, urgency=2, version=2, pubstatus="canceled")
    wait_gone(page, headline, 5_000)
    assert headline not in headlines(page)


def test_markup_is_plain_text_and_script_links_never_get_through(stack: Stack, page: Page) -> None:
    page.goto(stack.config.push_url)
    wait_live(page)
    marked_up = ('Flood defences <b>hold</b> in Carlisle <img src=x onerror="window.pwned=1">'
                 "<script>window.pwned=2</script> as river peaks")

    refused = publish(stack, unique_guid("xss"), marked_up, urgency=2, url="javascript:window.pwned=3")
    assert refused.status == 422, refused
    assert "url" in json.dumps(refused.body)

    published(stack, unique_guid("xss"), marked_up, urgency=2)
    current = wait_on_gateway(stack, lambda now: any(t.startswith("Flood") for t in now), "the flood story")
    shown = next(text for text in current if text.startswith("Flood"))
    assert "<" not in shown and "Carlisle" in shown
    wait_shown(page, shown, 5_000)
    item = item_html(page, shown)
    assert item["links"] == 0
    assert not {"b", "img", "script"} & set(item["tags"])
    page.locator(f"{TICKER} li.on .hl").click()
    assert page.evaluate("window.pwned") is None

"""The widget survives the gateway going away: it reconnects by itself, resumes with its cursor, no duplicates.

The gateway really stops (SIGTERM: it closes sockets with 1012) while the page
stays open; headlines published during the outage must appear once it is back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Request, WebSocket, WebSocketRoute, expect

from stoppress.cli.stack import Stack
from tests.browser.publishing import published, unique_guid
from tests.browser.widget_probe import RECORD_EVENTS, TICKER, applied_events, headlines, wait_live, wait_shown

pytestmark = pytest.mark.browser

RECOVERY_MS = 45_000
"""Backoff is capped at 30 s with full jitter, so one unlucky draw can wait that long after the gateway is back."""

NEWS_DURING_WS_OUTAGE = (
    "Lighthouse keepers return to Skerryvore for restoration works",
    "Orchestra announces free summer concerts in Cardiff parks",
    "Ferry timetable changes for Orkney routes from Monday",
)
NEWS_DURING_SSE_OUTAGE = (
    "Museum of Liverpool reopens maritime gallery after refit",
    "Beekeepers report record heather honey harvest on the moors",
    "Cricket club in Taunton unveils solar-powered pavilion",
)


@pytest.fixture
def gateway_outage(stack: Stack) -> Iterator[None]:
    """Stop the gateway for the test's body; it is always running again afterwards (other tests need it)."""
    yield
    if stack.push.returncode is not None:
        stack.push.start()
        stack.push.wait_healthy()


def outage_while_publishing(stack: Stack, page: Page, news: tuple[str, ...]) -> list[str]:
    """Stop the gateway, publish ``news``, start it again; returns the published headlines."""
    stack.push.stop()
    expect(page.locator(TICKER)).to_have_attribute("data-state", "reconnecting")
    expect(page.locator(f"{TICKER} .status")).to_have_text("Reconnecting…")
    for headline in news:
        published(stack, unique_guid("outage"), headline, urgency=3)
    stack.push.start()
    stack.push.wait_healthy()
    return list(news)


def assert_all_once(page: Page, wanted: list[str]) -> None:
    page.wait_for_function(
        f'(wanted) => wanted.every((h) => document.querySelector("{TICKER}").stories.some((s) => s.headline === h))',
        arg=wanted, timeout=RECOVERY_MS,
    )
    wait_live(page)
    events = applied_events(page)
    repeated = [event_id for event_id, n in Counter(e["id"] for e in events).items() if n > 1]
    assert not repeated, f"events applied twice: {repeated}"
    shown = headlines(page)
    assert len(shown) == len(set(shown))
    for headline in wanted:
        assert [e["type"] for e in events if e["headline"] == headline] == ["story.new"]


def test_reconnects_after_gateway_restart_and_replays_the_outage(
    stack: Stack, page: Page, gateway_outage: None
) -> None:
    sockets: list[str] = []

    def remember(socket: WebSocket) -> None:
        sockets.append(socket.url)

    page.on("websocket", remember)
    page.goto(stack.config.push_url)
    wait_live(page)
    page.evaluate(RECORD_EVENTS)

    wanted = outage_while_publishing(stack, page, NEWS_DURING_WS_OUTAGE)
    assert_all_once(page, wanted)
    expect(page.locator(TICKER)).to_have_attribute("data-transport", "ws")
    assert "cursor=" not in sockets[0]
    assert all("cursor=1-" in url for url in sockets[1:]), sockets


def test_falls_back_to_sse_when_websockets_are_blocked_and_resumes_there(
    stack: Stack, page: Page, gateway_outage: None
) -> None:
    def block(socket: WebSocketRoute) -> None:  # a proxy that kills every WebSocket upgrade
        socket.close()

    streams: list[str] = []

    def remember(request: Request) -> None:
        if "/v1/sse" in request.url:
            streams.append(request.url)

    page.route_web_socket("**/v1/ws**", block)
    page.on("request", remember)
    page.goto(stack.config.push_url)
    wait_live(page)
    expect(page.locator(TICKER)).to_have_attribute("data-transport", "sse")
    page.evaluate(RECORD_EVENTS)

    live_headline = "Snow gates closed on the A93 at Glenshee"
    published(stack, unique_guid("sse"), live_headline, urgency=2)
    wait_shown(page, live_headline, 2_000)

    wanted = outage_while_publishing(stack, page, NEWS_DURING_SSE_OUTAGE)
    assert_all_once(page, wanted)
    expect(page.locator(TICKER)).to_have_attribute("data-transport", "sse")
    assert "cursor=" not in streams[0]
    assert all("cursor=1-" in url for url in streams[1:]), streams

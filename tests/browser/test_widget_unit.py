"""The ticker widget's own rules, in Chromium, against a scripted gateway (see ``scripted_gateway``).

Each test plays the server side of protocol v1 frame by frame: ordering, in-place
updates, removals, duplicates after a resume, hostile text and links, close codes,
heartbeats, the SSE fallback, announcements and reduced motion.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.scripted_gateway import ORIGIN, ScriptedGateway, event, snapshot, story, welcome

pytestmark = pytest.mark.browser

RECORD_EVENTS = """() => {
  window.applied = [];
  document.getElementById("t").addEventListener("stoppress:event", (e) => window.applied.push(e.detail.event.event_id));
}"""


def shown(page: Page) -> list[dict[str, Any]]:
    """The items in the widget's list, in DOM order: story id, level, text and link."""
    items: list[dict[str, Any]] = page.evaluate(
        """() => [...document.getElementById("t").shadowRoot.querySelectorAll("li")].map((li) => ({
          id: li.dataset.storyId, level: li.dataset.level, text: li.querySelector(".hl").textContent,
          href: li.querySelector("a") ? li.querySelector("a").getAttribute("href") : null}))"""
    )
    return items


def live(page: Page) -> None:
    expect(page.locator("#t")).to_have_attribute("data-state", "live")


def test_loading_text_until_snapshot_then_best_first(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    expect(page.locator("#t .msg")).to_have_text("Loading latest headlines…")
    expect(page.locator("#t .label")).to_have_text("BREAKING")
    gateway.send(socket, welcome(), snapshot([
        story("n", "normal", "Normal but high score", score=9),
        story("b", "breaking", "Breaking", score=1),
        story("f", "flash", "Flash", score=0.5),
        story("u2", "urgent", "Urgent, higher score", score=6),
        story("u1", "urgent", "Urgent", score=5),
    ]))
    live(page)
    expect(page.locator("#t .msg")).to_be_hidden()
    assert [item["id"] for item in shown(page)] == ["f", "b", "u2", "u1", "n"]
    assert page.evaluate('document.getElementById("t").stories.map((s) => s.story_id)') == ["f", "b", "u2", "u1", "n"]
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "f")


def test_pinned_stories_come_first_latest_pin_first_and_a_new_pin_takes_the_bar(page: Page) -> None:
    order = 'document.getElementById("t").stories.map((s) => s.story_id)'
    gateway = ScriptedGateway(page)
    gateway.open_widget('interval="60"')
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([
        story("f", "flash", "Flash", score=9),
        story("p1", "normal", "Pinned first", pinned_at="2026-11-26T11:00:00Z"),
        story("b", "breaking", "Breaking"),
        story("p2", "urgent", "Pinned since", pinned_at="2026-11-26T11:30:00+00:00"),
    ]))
    live(page)
    assert [item["id"] for item in shown(page)] == ["p2", "p1", "f", "b"]
    assert page.evaluate(order) == ["p2", "p1", "f", "b"]
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "p2")

    pin = story("b", "breaking", "Breaking", revision=2, pinned_at="2026-11-26T11:45:00Z")
    gateway.send(socket, event("story.update", pin, "1-1-00000001"))
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "b")
    assert [item["id"] for item in shown(page)] == ["b", "p2", "p1", "f"]

    gateway.send(socket, event("story.update", story("p2", "urgent", "Pinned since", revision=2), "1-2-00000002"))
    expect(page.locator("#t li").last).to_have_attribute("data-story-id", "p2")
    assert [item["id"] for item in shown(page)] == ["b", "p1", "f", "p2"], "unpinned, it ranks by level again"
    gateway.send(socket, event("story.update", story("b", "breaking", "Breaking", revision=3), "1-3-00000003"))
    expect(page.locator("#t li").first).to_have_attribute("data-story-id", "p1")
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "b")  # an unpin does not move the bar


def test_updates_in_place_removes_and_ignores_duplicates(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([story("a", "breaking", "First wording", revision=2),
                                              story("b", "urgent", "Other story")]))
    live(page)
    page.evaluate(RECORD_EVENTS)
    page.evaluate('document.getElementById("t").shadowRoot.querySelector("[data-story-id=a]").marker = 1')

    update = event("story.update", story("a", "breaking", "Second wording", revision=3), "1-3-00000003")
    gateway.send(socket, update, update)
    gateway.send(socket, event("story.update", story("a", "breaking", "Stale wording", revision=1), "1-4-00000004"))
    expect(page.locator("#t [data-story-id=a] .hl")).to_have_text("Second wording")
    assert page.evaluate('document.getElementById("t").shadowRoot.querySelector("[data-story-id=a]").marker') == 1

    gateway.send(socket, event("story.retract", story("a", "breaking", "Second wording", revision=4), "1-5-00000005"))
    gateway.send(socket, event("story.update", story("b", "urgent", "Other story, moved", revision=2), "1-6-00000006",
                               matches=False))
    gateway.send(socket, event("story.new", story("c", "normal", "Third story"), "1-7-00000007"))
    expect(page.locator("#t [data-story-id=c]")).to_have_count(1)
    assert [item["id"] for item in shown(page)] == ["c"]
    assert page.evaluate("window.applied") == ["a@3", "a@4", "b@2", "c@1"]
    assert page.evaluate('document.getElementById("t").cursor') == "1-7-00000007"


def test_hostile_text_and_links_stay_inert(page: Page) -> None:
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>Fire <b>drill</b>'
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([
        story("evil", "flash", hostile, url="javascript:window.pwned=3", score=9),
        story("data", "breaking", "Data link", url="data:text/html,<script>window.pwned=4</script>"),
        story("rel", "urgent", "Relative link", url="/elsewhere"),
        story("ok", "normal", "Fine link", url="https://news.example/story?id=1"),
    ]))
    live(page)
    items = {item["id"]: item for item in shown(page)}
    assert items["evil"]["text"] == hostile
    assert [items[key]["href"] for key in ("evil", "data", "rel", "ok")] == [
        None, None, None, "https://news.example/story?id=1"]
    assert page.evaluate('document.getElementById("t").shadowRoot.querySelectorAll("img, script, b").length') == 0
    page.locator("#t [data-story-id=evil] .hl").click()
    page.wait_for_timeout(100)
    assert page.evaluate("window.pwned") is None
    assert page.url == f"{ORIGIN}/host"


def test_restart_close_resumes_with_cursor_without_duplicates(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget('levels="flash,breaking"')
    first = gateway.wait_for_socket(1)
    assert "levels=flash%2Cbreaking" in first.url and "cursor" not in first.url
    gateway.send(first, welcome(), snapshot([story("a", "breaking", "A")], cursor="1-4-0000000a"))
    live(page)
    page.evaluate(RECORD_EVENTS)
    before = event("story.new", story("b", "breaking", "B"), "1-5-0000000b")
    gateway.send(first, before)
    expect(page.locator("#t [data-story-id=b]")).to_have_count(1)
    first.close(code=1012, reason="gateway restarting")
    expect(page.locator("#t")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#t .status")).to_have_text("Reconnecting…")

    second = gateway.wait_for_socket(2)
    assert "cursor=1-5-0000000b" in second.url
    missed = event("story.new", story("c", "flash", "C"), "1-6-0000000c")
    gateway.send(second, welcome(), before, missed, {"type": "recovered", "cursor": "1-6-0000000c", "count": 2})
    live(page)
    expect(page.locator("#t .status")).to_have_text("")
    assert page.evaluate("window.applied") == ["b@1", "c@1"]
    assert [item["id"] for item in shown(page)] == ["c", "a", "b"]


def test_refusals_stop_or_slow_the_retries(page: Page) -> None:
    page.clock.install()
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([]))
    live(page)
    socket.close(code=4029, reason="too many connections from your address")
    expect(page.locator("#t")).to_have_attribute("data-state", "reconnecting")
    page.clock.run_for(4_900)
    assert len(gateway.sockets) == 1, "after 4029 the widget waits at least 5 s"
    page.clock.run_for(5_200)
    again = gateway.wait_for_socket(2)
    again.close(code=4001, reason="this channel needs a token")
    expect(page.locator("#t")).to_have_attribute("data-state", "offline")
    expect(page.locator("#t .status")).to_have_text("this channel needs a token")
    page.clock.run_for(120_000)
    assert len(gateway.sockets) == 2, "4001 is final: no retry"


def test_once_websocket_worked_a_connection_failing_before_it_opens_is_retried_slowly(page: Page) -> None:
    page.add_init_script("Math.random = () => 0.5;")  # jitter in the middle: retries at 0.25 s, 10.25 s, 25.25 s
    page.clock.install()
    gateway = ScriptedGateway(page, refuse_after=1)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([]))
    live(page)
    socket.close(code=1012, reason="gateway restarting")
    expect(page.locator("#t")).to_have_attribute("data-state", "reconnecting")
    gateway.wait_for_failures(1)
    page.clock.run_for(600)  # after 1012: the normal backoff, at most 0.5 s for the first retry
    gateway.wait_for_failures(2)
    assert gateway.refused == 1
    page.clock.run_for(4_900)
    assert gateway.refused == 1, "a refused upgrade (the page sees 1006 before open) waits at least 5 s"
    page.clock.run_for(10_200)
    gateway.wait_for_failures(3)
    assert gateway.refused == 2


def test_silent_link_is_dropped_after_missed_heartbeats(page: Page) -> None:
    page.clock.install()
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(heartbeat_s=1), snapshot([story("a", "normal", "A")], cursor="1-0-0000000a"))
    live(page)
    page.clock.run_for(2_000)
    assert len(gateway.sockets) == 1
    page.clock.run_for(600 + 500)
    assert "cursor=1-0-0000000a" in gateway.wait_for_socket(2).url


def test_falls_back_to_sse_when_websocket_is_blocked(page: Page) -> None:
    stream = "".join(
        f"event: {message['type']}\ndata: {json.dumps(message)}\n\n"
        for message in (welcome(), snapshot([story("s", "breaking", "Over SSE")], cursor="1-9-00000009"))
    )
    sse_urls: list[str] = []

    def serve_sse(route: Any) -> None:
        sse_urls.append(route.request.url)
        route.fulfill(status=200, body=stream, headers={"content-type": "text/event-stream"})

    gateway = ScriptedGateway(page, block_websocket=True)
    page.route(f"{ORIGIN}/v1/sse**", serve_sse)
    gateway.open_widget('regions="uk"')
    expect(page.locator("#t")).to_have_attribute("data-transport", "sse")
    expect(page.locator("#t [data-story-id=s] .hl")).to_have_text("Over SSE")
    assert sse_urls[0] == f"{ORIGIN}/v1/sse?regions=uk"


def test_announces_flash_assertively_and_breaking_sparingly(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    socket = gateway.wait_for_socket(1)
    gateway.send(socket, welcome(), snapshot([story("old", "breaking", "Already known")]))
    live(page)
    polite = page.locator("#t [aria-live=polite]")
    assertive = page.locator("#t [aria-live=assertive]")
    expect(polite).to_have_text("")
    gateway.send(socket, event("story.new", story("n", "normal", "Quiet story"), "1-1-00000001"))
    gateway.send(socket, event("story.new", story("b1", "breaking", "First breaking"), "1-2-00000002"))
    expect(polite).to_have_text("Breaking: First breaking")
    gateway.send(socket, event("story.new", story("b2", "breaking", "Second breaking"), "1-3-00000003"))
    gateway.send(socket, event("story.new", story("f", "flash", "A flash"), "1-4-00000004"))
    expect(assertive).to_have_text("Flash: A flash")
    expect(polite).to_have_text("Breaking: First breaking")
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "f")


def test_reduced_motion_never_animates(page: Page) -> None:
    running = 'document.getElementById("t").shadowRoot.querySelector("ul").getAnimations().length'
    gateway = ScriptedGateway(page)
    gateway.open_widget('mode="scroll"')
    gateway.send(gateway.wait_for_socket(1), welcome(), snapshot([story("a", "breaking", "A"),
                                                                  story("b", "normal", "B")]))
    live(page)
    assert page.evaluate(running) == 1
    page.emulate_media(reduced_motion="reduce")
    expect(page.locator("#t .view")).to_have_class("view static")
    assert page.evaluate(running) == 0
    expect(page.locator("#t [data-story-id=b]")).to_be_visible()


def test_ops_arithmetic_matches_prometheus(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget()
    result = page.evaluate("""async () => {
      const ops = await import("/static/opsmath.js");
      const buckets = [{le: 0.01, count: 50}, {le: 0.1, count: 90}, {le: 1, count: 100}, {le: Infinity, count: 100}];
      const window_ = new ops.MetricsWindow(60000, 15000);
      const snap = (at, accepted, ws) => ({service: "ingest", instance: "i1", at,
        samples: {'stoppress_ingest_accepted_total{channel="http"}': accepted, 'c{transport="ws"}': ws}});
      window_.add(snap("2026-11-26T12:00:00Z", 10, 3), 1000);
      window_.add(snap("2026-11-26T12:00:10Z", 30, 5), 2000);
      return {
        p50: ops.quantile(0.5, buckets), p95: ops.quantile(0.95, buckets), none: ops.quantile(0.5, []),
        parsed: ops.parseSample('m{a="x\\\\"y",le="+Inf"}'),
        rate: window_.rate("ingest", "stoppress_ingest_accepted_total", null, 2000),
        gauge: window_.gaugeBy("ingest", "c", "transport", 2000),
        stale: window_.gauge("ingest", "c", null, 2000 + 16000),
      };
    }""")
    assert result["p50"] == pytest.approx(0.01)
    assert result["p95"] == pytest.approx(0.55)
    assert result["none"] is None
    assert result["parsed"] == {"name": "m", "labels": {"a": 'x"y', "le": "+Inf"}}
    assert result["rate"] == pytest.approx(2.0)
    assert result["gauge"] == {"ws": 5}
    assert result["stale"] is None


def test_moving_the_element_closes_and_resumes_its_subscription(page: Page) -> None:
    gateway = ScriptedGateway(page)
    gateway.open_widget('interval="2"')
    first = gateway.wait_for_socket(1)
    stories = [story("a", "urgent", "A"), story("b", "normal", "B")]
    gateway.send(first, welcome(), snapshot(stories, cursor="1-2-0000000b"))
    live(page)
    page.evaluate('() => { const t = document.getElementById("t"); t.remove(); window.parked = t; }')
    page.wait_for_timeout(100)
    assert len(gateway.sockets) == 1
    page.evaluate("document.body.prepend(window.parked)")
    second = gateway.wait_for_socket(2)
    assert "cursor=1-2-0000000b" in second.url
    gateway.send(second, welcome(), {"type": "recovered", "cursor": "1-2-0000000b", "count": 0})
    live(page)
    expect(page.locator("#t li.on")).to_have_attribute("data-story-id", "b", timeout=3_000)  # rotation runs again

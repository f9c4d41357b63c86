"""A scripted stand-in for the push gateway, for the widget's own unit tests in the browser.

It serves the real static files (``/``, ``/widget/ticker.js``, ``/static/*``) at
``http://gateway.test`` through Playwright's request routing, and hands every
WebSocket the widget opens to the test, which plays the server side of protocol
v1 message by message. Close codes, duplicates, stale revisions and hostile
stories are hard or impossible to provoke on the real stack (the pipeline
refuses them), so the widget's defences are proven here; the real-stack tests
in this folder prove the whole path.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, WebSocketRoute

STATIC = Path(__file__).resolve().parents[2] / "services" / "push" / "stoppress" / "push" / "static"
ORIGIN = "http://gateway.test"
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
PAGES = {"/": "index.html", "/dashboard": "dashboard.html", "/widget/ticker.js": "ticker.js"}
NOW = "2026-11-26T12:00:00Z"


def story(story_id: str, level: str, headline: str, *, score: float = 1.0, revision: int = 1,
          url: str | None = None, sources: int = 1, pinned_at: str | None = None) -> dict[str, Any]:
    """A StoryView as the gateway sends it (``pinned_at``: when an editor pinned it)."""
    return {
        "schema_version": "1.1", "story_id": story_id, "headline": headline, "url": url, "level": level,
        "score": score, "sources": sources, "source_names": [], "category": None, "region": None,
        "language": "en", "first_seen": NOW, "updated_at": NOW, "revision": revision, "pinned_at": pinned_at,
    }


def welcome(heartbeat_s: float = 15.0) -> dict[str, Any]:
    return {"type": "welcome", "protocol": 1, "instance": "scripted", "heartbeat_s": heartbeat_s, "limits": {}}


def snapshot(stories: list[dict[str, Any]], cursor: str = "1-0-00000000") -> dict[str, Any]:
    return {"type": "snapshot", "cursor": cursor, "recovered": False, "filter": {}, "stories": stories}


def event(kind: str, view: dict[str, Any], cursor: str, *, matches: bool = True) -> dict[str, Any]:
    """A protocol ``event`` message carrying a TickerEvent of type ``kind`` (``story.new`` …)."""
    ticker_event = {
        "schema_version": "1.0", "event_id": f"{view['story_id']}@{view['revision']}", "type": kind,
        "story": view, "ingested_at": NOW, "processed_at": NOW,
    }
    return {"type": "event", "cursor": cursor, "matches": matches, "event": ticker_event}


class ScriptedGateway:
    """Routes one page's requests to the static files and its sockets to the test."""

    def __init__(self, page: Page, *, block_websocket: bool = False, refuse_after: int | None = None) -> None:
        """``block_websocket``: close every socket at once, before any message, like a proxy that forbids them;
        ``refuse_after``: the same for every socket after the first ``refuse_after`` ones (a socket closed
        before it opens is also what a page sees of a refused upgrade: HTTP 429, 503 or 403)."""
        self.page = page
        self.sockets: list[WebSocketRoute] = []
        self.refused = 0
        self.refuse_after = 0 if block_websocket else refuse_after
        self.extra_pages: dict[str, str] = {}
        page.route(f"{ORIGIN}/**", self._serve)
        page.route_web_socket(f"ws://{ORIGIN.removeprefix('http://')}/**", self._open)

    def _open(self, socket: WebSocketRoute) -> None:
        if self.refuse_after is not None and len(self.sockets) >= self.refuse_after:
            self.refused += 1
            socket.close()
        else:
            self.sockets.append(socket)

    def _serve(self, route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?", 1)[0]
        if path in self.extra_pages:
            route.fulfill(status=200, body=self.extra_pages[path], content_type="text/html")
            return
        name = PAGES.get(path) or path.removeprefix("/static/")
        file = STATIC / name
        if "/" in name or not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(status=200, body=file.read_bytes(), content_type=CONTENT_TYPES[file.suffix])

    def open_widget(self, attributes: str = "") -> None:
        """Load a bare host page with one ``<stop-press-ticker {attributes}>`` (id ``t``)."""
        self.extra_pages["/host"] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
            f'<stop-press-ticker id="t" {attributes}></stop-press-ticker>'
            '<script src="/widget/ticker.js"></script></body></html>'
        )
        self.page.goto(f"{ORIGIN}/host")

    def wait_for_socket(self, count: int, timeout_s: float = 5.0) -> WebSocketRoute:
        """The ``count``-th socket the widget opened (1-based), waiting for it to be opened."""
        deadline = time.monotonic() + timeout_s
        while len(self.sockets) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the widget opened {len(self.sockets)} sockets, expected {count}")
            self.page.wait_for_timeout(20)
        return self.sockets[count - 1]

    def wait_for_failures(self, count: int, timeout_s: float = 5.0) -> None:
        """Wait until the widget has counted ``count`` consecutive failed attempts (its backoff is then set)."""
        deadline = time.monotonic() + timeout_s
        while self.page.evaluate('document.getElementById("t")._attempt || 0') < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the widget did not fail {count} times in a row")
            self.page.wait_for_timeout(20)

    @staticmethod
    def send(socket: WebSocketRoute, *messages: dict[str, Any]) -> None:
        for message in messages:
            socket.send(json.dumps(message))

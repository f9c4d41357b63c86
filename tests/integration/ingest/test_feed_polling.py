"""Feed polling against a real HTTP feed server and the real broker.

The poller is driven one poll at a time (``poll_once``), so the tests need
no waiting for intervals: conditional GETs, versions on update, memory
across a restart, backoff on errors, and re-polling while the broker is down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from stoppress.cli.localkafka import LocalKafka
from stoppress.ingest.feeds.mapping import DERIVED_GUID_PREFIX
from stoppress.ingest.feeds.poller import BROKER_RETRY_S, FeedPoller
from stoppress.ingest.feeds.state_store import FeedStateStore, feed_state_key
from stoppress.ingest.metrics import IngestMetrics
from stoppress.ingest.publisher import HeadlinePublisher
from stoppress.ingest.sources import FeedConfig, Source
from tests.integration.ingest.conftest import end_offsets, records_since, start_ingest

INTERVAL_S = 60.0
GUID_BASE = "tag:feed.example,2026:"
SOURCE = Source(slug="feedtest", name="Feed Test", authority=0.7)


@dataclass
class FeedServer:
    """A feed document served with an ETag; tests change what it answers."""

    items: list[tuple[str, str, str]] = field(default_factory=list)
    """(guid, title, date) per entry; an empty guid leaves out guid and link, an empty date the pubDate."""
    honour_etag: bool = True
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    padding: int = 0
    conditional_requests: int = 0
    requests: int = 0

    def document(self) -> bytes:
        entries = "".join(
            f"<item><title>{title}</title>"
            + (f"<link>https://feed.example/{guid}</link><guid>{GUID_BASE}{guid}</guid>" if guid else "")
            + (f"<pubDate>{date}</pubDate>" if date else "<description>Undated notice</description>")
            + "</item>"
            for guid, title, date in self.items
        )
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://feed.example/</link>'
                f"{entries}<!-- {'x' * self.padding} --></channel></rss>").encode()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        await asyncio.sleep(self.delay_s)
        if self.status != 200:
            return web.Response(status=self.status, headers=self.headers)
        body = self.document()
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match"):
            self.conditional_requests += 1
            if self.honour_etag and request.headers["If-None-Match"] == etag:
                return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})


@pytest.fixture
async def feed_server() -> AsyncIterator[tuple[FeedServer, str]]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/feed.xml", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield server, f"http://127.0.0.1:{port}/feed.xml"
    await runner.cleanup()


@pytest.fixture
async def publisher(kafka: LocalKafka) -> AsyncIterator[HeadlinePublisher]:
    running = HeadlinePublisher(kafka.bootstrap, "feed-test", ack_timeout_s=3.0)
    running.start()
    await asyncio.wait_for(running.wait_connected(), 30)
    yield running
    await running.stop()


@dataclass
class Polling:
    """Makes pollers that share one state file, as one ingest replica across restarts would."""

    url: str
    state_path: Path
    publisher: HeadlinePublisher
    session: aiohttp.ClientSession
    config: dict[str, object] = field(default_factory=dict)

    def poller(self, jitter: float = 0.5) -> FeedPoller:
        return FeedPoller(
            SOURCE, FeedConfig.model_validate({"url": self.url, "interval_s": INTERVAL_S, **self.config}),
            session=self.session, publisher=self.publisher, store=FeedStateStore(self.state_path),
            metrics=IngestMetrics(), future_tolerance=timedelta(minutes=5), backoff_cap_s=3600.0,
            remembered_items=100, jitter=lambda: jitter,
        )


@pytest.fixture
async def polling(
    feed_server: tuple[FeedServer, str], publisher: HeadlinePublisher, tmp_path: Path
) -> AsyncIterator[Polling]:
    async with aiohttp.ClientSession() as session:
        yield Polling(feed_server[1], tmp_path / "feeds.json", publisher, session)


async def published(bootstrap: str, start: dict[int, int], prefix: str) -> list[str]:
    """``guid@version`` of what the feed published since ``start`` (guids without their tag base)."""
    records = await records_since(bootstrap, start, GUID_BASE + prefix)
    return sorted(f"{h.guid.removeprefix(GUID_BASE)}@{h.version}" for _, h in records)


async def test_new_then_unchanged_then_updated_entries(
    kafka: LocalKafka, feed_server: tuple[FeedServer, str], polling: Polling, guid_prefix: str
) -> None:
    server, _ = feed_server
    g = guid_prefix
    server.items = [(f"{g}a", "Alpha &amp; <b>co</b>", "Thu, 26 Nov 2026 09:00:00 GMT"),
                    (f"{g}b", "Bravo", "Thu, 26 Nov 2026 09:05:00 GMT")]
    start = await end_offsets(kafka.bootstrap)
    poller = polling.poller()
    assert await poller.poll_once() == INTERVAL_S
    assert await published(kafka.bootstrap, start, g) == [f"{g}a@1", f"{g}b@1"]

    assert await poller.poll_once() == INTERVAL_S
    assert server.conditional_requests == 1
    assert await published(kafka.bootstrap, start, g) == [f"{g}a@1", f"{g}b@1"]

    server.items = [(f"{g}a", "Alpha updated", "Thu, 26 Nov 2026 10:00:00 GMT"),
                    (f"{g}b", "Bravo", "Thu, 26 Nov 2026 09:05:00 GMT"),
                    (f"{g}c", "Charlie", "Thu, 26 Nov 2026 10:01:00 GMT")]
    await poller.poll_once()
    assert await published(kafka.bootstrap, start, g) == [f"{g}a@1", f"{g}a@2", f"{g}b@1", f"{g}c@1"]
    records = await records_since(kafka.bootstrap, start, GUID_BASE + g)
    titles = {h.guid.removeprefix(GUID_BASE): h.headline for _, h in records if h.version == 1}
    assert titles[f"{g}a"] == "Alpha & co"


async def test_a_restart_does_not_republish(
    kafka: LocalKafka, feed_server: tuple[FeedServer, str], polling: Polling, guid_prefix: str
) -> None:
    server, url = feed_server
    server.items = [(f"{guid_prefix}a", "Alpha", "Thu, 26 Nov 2026 09:00:00 GMT")]
    start = await end_offsets(kafka.bootstrap)
    await polling.poller().poll_once()
    server.honour_etag = False
    await polling.poller().poll_once()
    assert server.conditional_requests == 1
    assert await published(kafka.bootstrap, start, guid_prefix) == [f"{guid_prefix}a@1"]
    state = FeedStateStore(polling.state_path).get(feed_state_key(SOURCE.slug, url))
    assert state.etag is not None
    assert f"{GUID_BASE}{guid_prefix}a" in state.items


async def test_entries_without_guid_or_link_are_published_once_across_re_polls_and_restarts(
    kafka: LocalKafka, feed_server: tuple[FeedServer, str], polling: Polling, guid_prefix: str
) -> None:
    server, _ = feed_server
    g = guid_prefix
    server.honour_etag = False
    server.items = [("", f"Road closed {g}", "Thu, 26 Nov 2026 09:00:00 GMT"),
                    ("", f"Flood warning {g}", "Thu, 26 Nov 2026 09:05:00 GMT"),
                    ("", f"Office notice {g}", "")]
    start = await end_offsets(kafka.bootstrap)
    poller = polling.poller()
    await poller.poll_once()
    await poller.poll_once()
    await polling.poller().poll_once()
    server.items.insert(0, ("", f"Bridge reopened {g}", "Thu, 26 Nov 2026 10:00:00 GMT"))
    restarted = polling.poller()
    await restarted.poll_once()
    await restarted.poll_once()
    records = await records_since(kafka.bootstrap, start, DERIVED_GUID_PREFIX)
    mine = sorted((h.headline, h.version) for _, h in records if h.headline.endswith(g))
    assert mine == [(f"Bridge reopened {g}", 1), (f"Flood warning {g}", 1), (f"Office notice {g}", 1),
                    (f"Road closed {g}", 1)]
    assert len({h.id for _, h in records if h.headline.endswith(g)}) == 4


async def test_errors_back_off_with_jitter_and_honour_retry_after(
    feed_server: tuple[FeedServer, str], polling: Polling
) -> None:
    server, url = feed_server
    server.status = 500
    poller = polling.poller(jitter=0.0)
    delays = [await poller.poll_once() for _ in range(3)]
    assert delays == [INTERVAL_S, 2 * INTERVAL_S, 4 * INTERVAL_S]
    assert FeedStateStore(polling.state_path).get(feed_state_key(SOURCE.slug, url)).failures == 3
    server.status, server.headers = 429, {"Retry-After": "7200"}
    assert await poller.poll_once() == 7200.0
    server.status, server.headers = 200, {}
    assert await poller.poll_once() == INTERVAL_S
    assert FeedStateStore(polling.state_path).get(feed_state_key(SOURCE.slug, url)).failures == 0


async def test_slow_and_oversized_documents_count_as_failures(
    feed_server: tuple[FeedServer, str], polling: Polling
) -> None:
    server, _ = feed_server
    polling.config = {"timeout_s": 0.5, "max_bytes": 4096}
    poller = polling.poller(jitter=0.0)
    server.delay_s = 2.0
    assert await poller.poll_once() == INTERVAL_S
    server.delay_s, server.padding = 0.0, 10_000
    assert await poller.poll_once() == 2 * INTERVAL_S


async def test_entries_are_polled_again_not_dropped_while_the_broker_is_down(
    broker: LocalKafka, feed_server: tuple[FeedServer, str], polling: Polling, publisher: HeadlinePublisher,
    guid_prefix: str,
) -> None:
    server, url = feed_server
    g = guid_prefix
    server.items = [(f"{g}a", "Alpha", "Thu, 26 Nov 2026 09:00:00 GMT")]
    start = await end_offsets(broker.bootstrap)
    poller = polling.poller()
    await poller.poll_once()
    etag_before = FeedStateStore(polling.state_path).get(feed_state_key(SOURCE.slug, url)).etag

    await asyncio.to_thread(broker.stop)
    server.items.append((f"{g}b", "Bravo during the outage", "Thu, 26 Nov 2026 09:30:00 GMT"))
    assert await poller.poll_once() == BROKER_RETRY_S
    state = FeedStateStore(polling.state_path).get(feed_state_key(SOURCE.slug, url))
    assert state.etag == etag_before
    assert f"{GUID_BASE}{g}b" not in state.items

    await asyncio.to_thread(broker.start)
    await asyncio.to_thread(broker.wait_ready)
    await asyncio.wait_for(publisher.wait_connected(), 60)
    for _ in range(20):
        if await poller.poll_once() == INTERVAL_S:
            break
        await asyncio.sleep(1)
    assert await published(broker.bootstrap, start, g) == [f"{g}a@1", f"{g}b@1"]


async def test_the_service_polls_the_feeds_of_its_sources_file(
    kafka: LocalKafka, feed_server: tuple[FeedServer, str], tmp_path: Path, guid_prefix: str
) -> None:
    server, url = feed_server
    server.items = [(f"{guid_prefix}a", "Polled by the service", "Thu, 26 Nov 2026 09:00:00 GMT")]
    sources = {"sources": [{"slug": "feeder", "name": "Feeder", "authority": 0.3,
                            "feeds": [{"url": url, "interval_s": 10, "urgency": 3}]}]}
    start = await end_offsets(kafka.bootstrap)
    running = await asyncio.to_thread(start_ingest, kafka.bootstrap, tmp_path,
                                      STOPPRESS_INGEST_SOURCES_JSON=json.dumps(sources))
    try:
        for _ in range(40):
            if await published(kafka.bootstrap, start, guid_prefix):
                break
            await asyncio.sleep(0.5)
    finally:
        await asyncio.to_thread(running.process.stop)
    [(_, headline)] = await records_since(kafka.bootstrap, start, GUID_BASE + guid_prefix)
    assert (headline.source, headline.urgency, headline.source_authority) == ("feeder", 3, 0.3)
    assert (tmp_path / "state" / "feeds.json").exists()

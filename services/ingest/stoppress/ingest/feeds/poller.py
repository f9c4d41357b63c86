"""Polling the configured feeds: fetch, parse, publish, remember (the I/O around the pure parts).

One task per feed. Each poll is a conditional GET (``If-None-Match`` /
``If-Modified-Since``) bounded by the feed's timeout and size cap; entries
that are new, or newer than last time, are published one by one, each
remembered only once the broker acknowledged it. While the broker is away
the poller keeps the old validators and comes back soon, so the same
entries are fetched again and nothing is dropped. Fetch and parse failures
back off exponentially with jitter; a server's ``Retry-After`` is honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import aiohttp

from stoppress.ingest.feeds.mapping import EntryRefusedError, entry_guid, entry_to_headline
from stoppress.ingest.feeds.parsing import FeedError, ParsedFeed, parse_feed
from stoppress.ingest.feeds.schedule import (
    FeedState,
    after_document,
    after_failure,
    after_not_modified,
    next_delay_s,
    remember,
    version_to_publish,
)
from stoppress.ingest.feeds.state_store import FeedStateStore, feed_state_key
from stoppress.ingest.metrics import IngestMetrics
from stoppress.ingest.problems import BrokerUnavailableError
from stoppress.ingest.publisher import HeadlinePublisher
from stoppress.ingest.sources import FeedConfig, Source

log = logging.getLogger(__name__)

USER_AGENT = "StopPress-ingest/0.1 (feed poller)"
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
BROKER_RETRY_S = 15.0
"""How soon a feed is polled again when its entries could not be published (broker away) (s)."""
FIRST_POLL_SPREAD_S = 5.0


class FetchError(Exception):
    """A fetch that produced no document; ``retry_after_s`` if the server asked for a pause."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Fetched:
    """A 200 (``body`` set) or a 304 (``body`` ``None``), with the validators for next time."""

    body: bytes | None
    content_type: str | None
    etag: str | None
    last_modified: str | None


async def fetch(session: aiohttp.ClientSession, feed: FeedConfig, state: FeedState) -> Fetched:
    """One conditional GET of ``feed``, at most ``feed.timeout_s`` seconds and ``feed.max_bytes`` bytes."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        async with session.get(feed.url, headers=headers, timeout=aiohttp.ClientTimeout(total=feed.timeout_s)) as r:
            if r.status == 304:
                return Fetched(None, None, state.etag, state.last_modified)
            if r.status != 200:
                raise FetchError(f"HTTP {r.status}", _retry_after_s(r.headers.get("Retry-After")))
            if r.content_length is not None and r.content_length > feed.max_bytes:
                raise FetchError(f"document of {r.content_length} bytes is over the cap of {feed.max_bytes}")
            body = bytearray()
            async for chunk in r.content.iter_chunked(64 * 1024):
                body.extend(chunk)
                if len(body) > feed.max_bytes:
                    raise FetchError(f"document is over the cap of {feed.max_bytes} bytes")
            return Fetched(bytes(body), r.headers.get("Content-Type"), r.headers.get("ETag"),
                           r.headers.get("Last-Modified"))
    except TimeoutError:
        raise FetchError(f"no complete answer within {feed.timeout_s:g} s") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` in seconds, from either of its forms (seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class FeedPoller:
    """Polls one feed of one source until cancelled."""

    def __init__(
        self,
        source: Source,
        feed: FeedConfig,
        *,
        session: aiohttp.ClientSession,
        publisher: HeadlinePublisher,
        store: FeedStateStore,
        metrics: IngestMetrics,
        future_tolerance: timedelta,
        backoff_cap_s: float,
        remembered_items: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.source = source
        self.feed = feed
        self._session = session
        self._publisher = publisher
        self._store = store
        self._metrics = metrics
        self._tolerance = future_tolerance
        self._backoff_cap_s = backoff_cap_s
        self._remembered = remembered_items
        self._clock = clock
        self._jitter = jitter
        self._key = feed_state_key(source.slug, feed.url)
        self._log_extra = {"source": source.slug, "feed": feed.url}

    async def run_forever(self) -> None:
        """Poll, sleep as told, repeat; the first poll is spread over a few seconds."""
        await asyncio.sleep(self._jitter() * min(FIRST_POLL_SPREAD_S, self.feed.interval_s))
        while True:
            try:
                delay_s = await self.poll_once()
            except Exception:  # a bug must not end the feed's polling for good
                log.exception("feed poll crashed; polling again in %.0f s", self.feed.interval_s,
                              extra=self._log_extra)
                delay_s = self.feed.interval_s
            await asyncio.sleep(delay_s)

    async def poll_once(self) -> float:
        """One poll; returns the seconds to wait before the next."""
        state = self._store.get(self._key)
        try:
            fetched = await fetch(self._session, self.feed, state)
            if fetched.body is None:
                self._store.put(self._key, after_not_modified(state))
                self._metrics.count_poll("not_modified")
                return self.feed.interval_s
            loop = asyncio.get_running_loop()
            parsed = await loop.run_in_executor(None, parse_feed, fetched.body, fetched.content_type, self.feed.url)
        except FetchError as exc:
            return self._failed(state, str(exc), exc.retry_after_s)
        except FeedError as exc:
            return self._failed(state, str(exc), None)
        return await self._publish_document(state, parsed, fetched)

    def _failed(self, state: FeedState, reason: str, retry_after_s: float | None) -> float:
        state = after_failure(state)
        self._store.put(self._key, state)
        self._metrics.count_poll("failed")
        delay = next_delay_s(state.failures, self.feed.interval_s, self._backoff_cap_s, self._jitter())
        delay = max(delay, retry_after_s or 0.0)
        log.warning("feed poll failed (%s, failure %d); next poll in %.0f s", reason, state.failures, delay,
                    extra=self._log_extra)
        return delay

    async def _publish_document(self, state: FeedState, parsed: ParsedFeed, fetched: Fetched) -> float:
        now = self._clock()
        guids = []
        for entry in parsed.entries:
            guid = entry_guid(entry, self.feed.url)
            if guid is None:
                self._refused("entry has no id, guid, link or title")
                continue
            guids.append(guid)
            version = version_to_publish(state.items.get(guid), entry.changed_at)
            if version is None:
                continue
            try:
                headline = entry_to_headline(
                    entry, guid=guid, version=version, attribution=self.source.own_attribution, feed=self.feed,
                    feed_language=parsed.language, now=now, tolerance=self._tolerance,
                )
            except EntryRefusedError as refused:
                self._refused(f"entry {guid!r:.80} refused: {refused}")
                state = remember(state, guid, version, entry.changed_at)
                continue
            try:
                await self._publisher.publish(headline)
            except BrokerUnavailableError as exc:
                self._store.put(self._key, state)
                self._metrics.count_poll("broker_unavailable")
                log.warning("broker unavailable (%s); feed will be polled again in %.0f s", exc, BROKER_RETRY_S,
                            extra=self._log_extra)
                return min(self.feed.interval_s, BROKER_RETRY_S)
            self._metrics.count_accepted("feed")
            state = remember(state, guid, version, entry.changed_at)
        self._store.put(self._key, after_document(state, fetched.etag, fetched.last_modified, guids,
                                                  self._remembered))
        self._metrics.count_poll("fetched")
        return self.feed.interval_s

    def _refused(self, reason: str) -> None:
        self._metrics.count_refused("feed_item_invalid")
        log.info("%s", reason, extra=self._log_extra)


class FeedPolling:
    """Every enabled source's feeds, each polled by its own task, sharing one HTTP session."""

    def __init__(self, pollers_for: Callable[[aiohttp.ClientSession], list[FeedPoller]]) -> None:
        self._pollers_for = pollers_for
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> int:
        """Start polling; returns the number of feeds."""
        self._session = aiohttp.ClientSession()
        for poller in self._pollers_for(self._session):
            name = f"feed {poller.source.slug} {poller.feed.url}"
            self._tasks.append(asyncio.create_task(poller.run_forever(), name=name))
        return len(self._tasks)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()

"""The ingest service assembled: sources, producer, HTTP API, feed polling and metrics publishing.

:class:`IngestService` starts the pieces in dependency order and stops them
in reverse: the HTTP listener closes first (no new promises), then feed
polling, then the producer flushes what is in flight. It starts without a
broker (answering 503 until one is reachable), so a broker that comes up
later, or comes back, needs no restart of ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import aiohttp
from aiohttp import web

from stoppress.ingest.api import ApiContext, build_app
from stoppress.ingest.feeds.poller import FeedPoller, FeedPolling
from stoppress.ingest.feeds.state_store import FeedStateStore
from stoppress.ingest.metrics import IngestMetrics
from stoppress.ingest.publisher import HeadlinePublisher
from stoppress.ingest.settings import IngestSettings
from stoppress.ingest.sources import SourceRegistry, build_registry
from stoppress.shared.metrics import publish_forever
from stoppress.shared.serving import serve_until_signalled

log = logging.getLogger(__name__)

FEED_STATE_FILE = "feeds.json"


class IngestService:
    """One ingest replica; ``start`` returns once it listens, ``stop`` shuts it down cleanly."""

    def __init__(self, settings: IngestSettings, sources: SourceRegistry | None = None) -> None:
        self.settings = settings
        self.sources = sources or build_registry(settings.sources_file, settings.sources_json, settings.demo_key)
        self.metrics = IngestMetrics()
        self.publisher = HeadlinePublisher(settings.kafka_bootstrap, settings.instance, settings.ack_timeout_s)
        self._runner: web.AppRunner | None = None
        self._polling: FeedPolling | None = None
        self._metrics_task: asyncio.Task[None] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        self.publisher.start()
        self._metrics_task = asyncio.create_task(self._publish_metrics(), name="metrics")
        context = ApiContext(self.settings, self.sources, self.publisher, self.metrics)
        self._runner = web.AppRunner(build_app(context), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        feeds = 0
        if self.settings.feeds_enabled:
            self._polling = FeedPolling(self._pollers)
            feeds = self._polling.start()
        log.info("ingest listening on %s (%d sources, %d feeds)", self.url, len(self.sources.sources), feeds)

    def _pollers(self, session: aiohttp.ClientSession) -> list[FeedPoller]:
        store = FeedStateStore(self.settings.state_dir / FEED_STATE_FILE)
        return [
            FeedPoller(
                source,
                feed,
                session=session,
                publisher=self.publisher,
                store=store,
                metrics=self.metrics,
                future_tolerance=timedelta(seconds=self.settings.future_tolerance_s),
                backoff_cap_s=self.settings.feed_backoff_cap_s,
                remembered_items=self.settings.feed_remembered_items,
            )
            for source in self.sources.sources
            if source.enabled
            for feed in source.feeds
        ]

    async def _publish_metrics(self) -> None:
        """Snapshots to ``ops.metrics`` through whichever producer is current (it is replaced after outages)."""
        while True:
            producer = await self.publisher.wait_connected()
            self.metrics.broker_connected.set(1)
            publishing = asyncio.create_task(publish_forever(
                producer, self.metrics.registry, "ingest", self.settings.instance, self.settings.metrics_interval_s
            ))
            try:
                await self.publisher.wait_given_up()
            finally:
                self.metrics.broker_connected.set(0)
                publishing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await publishing

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._polling is not None:
            await self._polling.stop()
        if self._metrics_task is not None:
            self._metrics_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._metrics_task
        await self.publisher.stop()
        log.info("ingest stopped")


async def run_until_signalled(settings: IngestSettings) -> None:
    """Run one replica until SIGTERM or SIGINT."""
    await serve_until_signalled(IngestService(settings))

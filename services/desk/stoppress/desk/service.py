"""The desk service assembled: editors, the Kafka feed, the HTTP API and console, and metrics publishing.

:class:`DeskService` listens at once (``/healthz`` answers, ``/readyz`` says
503 until the desk topics are read) and connects to Kafka in the background,
retrying while the broker is away, so it needs no restart when the broker
comes up later. Stopping ends the consoles' streams, closes the listener,
then the Kafka clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web
from aiokafka.errors import KafkaError

from stoppress.desk.answers import Answers
from stoppress.desk.api import DeskContext, build_app
from stoppress.desk.board import Board
from stoppress.desk.editors import EditorRegistry, build_editors
from stoppress.desk.feed import DeskFeed
from stoppress.desk.live import Watchers
from stoppress.desk.metrics import DeskMetrics
from stoppress.desk.settings import DeskSettings
from stoppress.shared.kafka import durable_producer, stop_producer_within
from stoppress.shared.metrics import publish_forever
from stoppress.shared.serving import serve_until_signalled

log = logging.getLogger(__name__)

CONNECT_RETRY_S = 1.0
"""Wait between attempts to reach the broker at start (s)."""


class DeskService:
    """One desk replica; ``start`` returns once it listens, ``stop`` shuts it down cleanly."""

    def __init__(self, settings: DeskSettings, editors: EditorRegistry | None = None) -> None:
        self.settings = settings
        self.editors = editors or build_editors(settings.editors_file, settings.editors_json, settings.demo_editor_key)
        self.metrics = DeskMetrics()
        self.board = Board(settings.log_entries)
        self.answers = Answers()
        self.watchers = Watchers()
        self.feed = DeskFeed(settings, self.board, self.answers, self.watchers, self.metrics)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        """Listen, then connect to Kafka in the background."""
        context = DeskContext(self.settings, self.editors, self.board, self.answers, self.watchers, self.feed,
                              self.metrics)  # fmt: skip
        self._runner = web.AppRunner(build_app(context), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._tasks = [
            asyncio.create_task(self._follow(), name="desk-feed"),
            asyncio.create_task(self._publish_metrics(), name="metrics"),
        ]
        log.info("desk listening on %s (%d editors)", self.url, len(self.editors.editors))

    async def _follow(self) -> None:
        while True:
            try:
                await self.feed.start()
                break
            except (KafkaError, OSError) as exc:
                log.warning("broker not reachable at %s (%s); retrying", self.settings.kafka_bootstrap, exc)
                await asyncio.sleep(CONNECT_RETRY_S)
        await self.feed.run()

    async def _publish_metrics(self) -> None:
        settings = self.settings
        while True:
            producer = durable_producer(settings.kafka_bootstrap, f"{settings.instance}-metrics")
            try:
                await producer.start()
            except (KafkaError, OSError):
                await stop_producer_within(producer, 1.0)
                await asyncio.sleep(CONNECT_RETRY_S)
                continue
            try:
                await publish_forever(producer, self.metrics.registry, "desk", settings.instance,
                                      settings.metrics_interval_s)  # fmt: skip
            finally:
                await stop_producer_within(producer, 1.0)

    async def stop(self) -> None:
        """End the consoles' streams, stop listening, disconnect."""
        self.watchers.end_all()
        if self._runner is not None:
            await self._runner.cleanup()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.feed.stop()
        log.info("desk stopped")


async def run_until_signalled(settings: DeskSettings) -> None:
    """Run one replica until SIGTERM or SIGINT."""
    await serve_until_signalled(DeskService(settings))

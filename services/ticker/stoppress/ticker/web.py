"""Where the worker's metrics go out: ``/metrics``, ``/healthz`` and ``/readyz`` on the web port, and
periodic snapshots on ``ops.metrics`` for the live dashboard.

faust starts this service after its tables have recovered, in place of its
own web stack (the ticker needs none of faust's pages).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import faust
from aiohttp import web
from mode import Service

from stoppress.shared.kafka import durable_producer
from stoppress.shared.metrics import publish_forever, render
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.telemetry import TickerMetrics


class TickerWeb(Service):
    """The worker's HTTP endpoints and its ``ops.metrics`` publisher."""

    def __init__(self, app: faust.App, settings: TickerSettings, metrics: TickerMetrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._app = app
        self._settings = settings
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self._publisher: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        """Listen on ``web_host:web_port`` and start publishing snapshots."""
        routes = web.Application()
        routes.router.add_get("/metrics", self._serve_metrics)
        routes.router.add_get("/healthz", self._serve_health)
        routes.router.add_get("/readyz", self._serve_ready)
        self._runner = web.AppRunner(routes, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._settings.web_host, self._settings.web_port).start()
        producer = durable_producer(self._settings.kafka_bootstrap, f"{self._settings.instance}-metrics")
        await producer.start()
        self._publisher = asyncio.create_task(self._publish(producer))

    async def on_stop(self) -> None:
        """Stop publishing and close the listener."""
        if self._publisher is not None:
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
        if self._runner is not None:
            await self._runner.cleanup()

    async def _publish(self, producer: Any) -> None:
        try:
            await publish_forever(
                producer, self._metrics.registry, "ticker", self._settings.instance, self._settings.metrics_interval_s
            )
        finally:
            await producer.stop()

    async def _serve_metrics(self, request: web.Request) -> web.Response:
        body, content_type = render(self._metrics.registry)
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def _serve_health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _serve_ready(self, request: web.Request) -> web.Response:
        if self._app.rebalancing:
            return web.json_response({"status": "rebalancing"}, status=503)
        return web.json_response({"status": "ready"})

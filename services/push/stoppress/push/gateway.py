"""The gateway: builds every part from :class:`PushSettings`, serves, and shuts down gracefully.

One ``websockets`` server on one port carries everything: ``/v1/ws`` is a
WebSocket; every other path is answered in the ``process_request`` hook
(:mod:`stoppress.push.routes`), including SSE streams, which live inside that
hook for as long as the client listens. Graceful shutdown closes every
WebSocket with 1012 ("service restart": reconnect with jittered backoff) and
ends every SSE stream, then stops the Kafka clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

from aiokafka import AIOKafkaProducer
from websockets.asyncio.server import Server, serve
from websockets.datastructures import Headers

from stoppress.push import messages
from stoppress.push.feeds import Feeds
from stoppress.push.filters import Filter, filter_from_query
from stoppress.push.frames import text_frame
from stoppress.push.history import History
from stoppress.push.hub import Hub
from stoppress.push.instruments import Instruments
from stoppress.push.limits import Admission, AdmissionLimits
from stoppress.push.opsboard import OpsBoard
from stoppress.push.outlet import GatewayConnection, Outlet, close_websocket
from stoppress.push.refusals import CLOSE_RESTART, Forbidden, Refusal
from stoppress.push.ring import EventRing
from stoppress.push.routes import process_request
from stoppress.push.settings import PushSettings
from stoppress.push.sse import sse_event
from stoppress.push.static_files import StaticFiles
from stoppress.push.stories import StoryState
from stoppress.push.streaming import Streamer, StreamLimits
from stoppress.push.tokens import authorise, token_from
from stoppress.push.wsession import handle_websocket
from stoppress.shared.kafka import durable_producer
from stoppress.shared.metrics import publish_forever

log = logging.getLogger(__name__)


class Restarting(Refusal):
    """The gateway is shutting down; clients reconnect (with jittered backoff) elsewhere or later."""

    close_code = CLOSE_RESTART
    http_status = 503
    error_code = "restarting"


class Gateway:
    """Every part of one gateway process, wired together."""

    def __init__(self, settings: PushSettings) -> None:
        self.settings = settings
        self.instruments = Instruments()
        self.restricted = settings.restricted
        self.ring = EventRing(settings.ring_size)
        self.state = StoryState()
        self.hub = Hub(self.restricted, self.instruments, settings.close_timeout_s)
        self.ops = OpsBoard()
        self.feeds = Feeds(
            settings=settings, ring=self.ring, state=self.state, hub=self.hub, ops=self.ops,
            instruments=self.instruments,
        )
        self.history = History(settings.kafka_bootstrap, settings.events_topic, f"{settings.instance}-history")
        self.streamer = Streamer(
            ring=self.ring, state=self.state, feeds=self.feeds, history=self.history, hub=self.hub,
            instruments=self.instruments,
            limits=StreamLimits(self.restricted, settings.snapshot_limit, settings.resume_wait_s),
        )
        self.admission = Admission(
            AdmissionLimits(
                settings.max_connections,
                settings.max_connections_per_address,
                settings.connect_rate_per_address,
                settings.connect_burst_per_address,
            )
        )
        self.static = StaticFiles(settings.static_dir)
        self.started_at = datetime.now(UTC)
        self.shutting_down = False
        self.port = settings.port
        self.allowed_origins: frozenset[str] = frozenset()
        self._server: Server | None = None
        self._producer: AIOKafkaProducer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.failed = asyncio.Event()
        """Set when a background task (reading Kafka, heartbeats) died: the process should exit non-zero."""

    async def start(self) -> None:
        """Connect to Kafka, load the snapshot state, then listen; return once listening and ready.

        Listening only after loading means a replica never answers before it
        can serve, and a reconnect storm against a starting replica costs it
        nothing (the kernel refuses the connections) while it reads Kafka.
        Nothing is awaited after listening starts, so what the caller does next
        (``python -m stoppress.push`` freezes start-up objects out of the garbage
        collector's way) happens before the first client is served.
        """
        settings = self.settings
        await self.feeds.start()
        await self.history.start()
        feeding = asyncio.create_task(self.feeds.run(), name="feeds")
        feeding.add_done_callback(self._on_task_done)
        writing = asyncio.create_task(self.hub.run(), name="fan-out")
        writing.add_done_callback(self._on_task_done)
        self._tasks = [feeding, writing]
        loaded = asyncio.create_task(self.feeds.ready.wait())
        await asyncio.wait([loaded, feeding], return_when=asyncio.FIRST_COMPLETED)
        if not loaded.done():
            loaded.cancel()
            raise RuntimeError(f"reading Kafka failed before the snapshot state was loaded: {feeding.exception()!r}")
        self._producer = durable_producer(settings.kafka_bootstrap, f"{settings.instance}-metrics")
        await self._producer.start()  # before listening: a reconnect storm would hold this up for seconds
        connection_class = type(
            "Connection",
            (GatewayConnection,),
            {"handshake_timeout_s": settings.handshake_timeout_s,
             "send_buffer_bytes": settings.socket_send_buffer_bytes,
             "release": self.release},
        )
        self._server = await serve(
            lambda connection: handle_websocket(self, connection),  # type: ignore[arg-type]
            settings.host,
            settings.port,
            process_request=lambda connection, request: process_request(self, connection, request),  # type: ignore[arg-type]
            create_connection=connection_class,
            compression=None,
            open_timeout=None,
            ping_interval=None,
            close_timeout=settings.close_timeout_s,
            max_size=settings.max_message_bytes,
            max_queue=4,
            write_limit=settings.write_buffer_bytes,
            server_header="stoppress-push",
            backlog=settings.listen_backlog,
            reuse_port=settings.reuse_port,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.allowed_origins = settings.origins(self.port)
        more = [
            asyncio.create_task(self._heartbeats(), name="heartbeats"),
            asyncio.create_task(
                publish_forever(self._producer, self.instruments.registry, "push", settings.instance,
                                settings.metrics_interval_s),
                name="metrics",
            ),
        ]
        for task in more:
            task.add_done_callback(self._on_task_done)
        self._tasks += more
        log.info("push gateway listening", extra={"port": self.port, "instance": settings.instance})

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.shutting_down:
            return
        log.error("background task %s stopped: %r; the gateway must restart", task.get_name(), task.exception())
        self.failed.set()

    async def stop(self) -> None:
        """Close every client (WebSocket 1012, SSE ended), stop listening, disconnect from Kafka.

        Close frames go out to everyone at once; clients get ``close_timeout_s``
        to answer, then whatever is left is aborted in one sweep.
        """
        self.shutting_down = True
        restart = Restarting("gateway restarting: reconnect with jittered backoff and your last cursor")
        if self._server is not None:
            self._server.close(close_connections=False)
            error_frame = text_frame(messages.error(restart))
            for connection in list(self._server.connections):
                outlet = getattr(connection, "outlet", None)
                if outlet is not None:
                    self.hub.close_outlet(outlet, restart, abort_later=False)
                else:
                    close_websocket(connection, restart.close_code, restart.reason, error_frame, None)
            for outlet in list(self.hub.outlets()) + list(self.ops.watchers()):
                if outlet.transport_kind == "sse":
                    self.hub.close_outlet(outlet, restart)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.close_timeout_s):
                    await self._server.wait_closed()
            for connection in list(self._server.connections):
                connection.transport.abort()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._producer is not None:
            await self._producer.stop()
        await self.history.stop()
        await self.feeds.stop()

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            ping = messages.ping(datetime.now(UTC))
            self.hub.heartbeat(text_frame(ping), sse_event("ping", ping))

    def welcome(self) -> bytes:
        """The ``welcome`` message of this gateway."""
        s = self.settings
        return messages.welcome(
            s.instance,
            s.heartbeat_s,
            {"max_message_bytes": s.max_message_bytes, "messages_per_s": s.messages_per_s,
             "subscribe_timeout_s": s.subscribe_timeout_s},
        )

    def client_address(self, remote: object, headers: Headers) -> str:
        """The client's IP address (the leftmost X-Forwarded-For entry if that header is trusted)."""
        if self.settings.trust_forwarded_for and (forwarded := headers.get("X-Forwarded-For")):
            return forwarded.split(",")[0].strip()
        if isinstance(remote, tuple) and remote:
            return str(remote[0])
        return "unknown"

    def admit(self, headers: Headers, address: str, transport: Literal["ws", "sse"]) -> None:
        """Shutdown, Origin and connection limits for one new stream; raises a :class:`Refusal`."""
        if self.shutting_down:
            raise Restarting("gateway is shutting down; reconnect shortly")
        self.check_origin(headers)
        self.admission.open(address, time.monotonic())
        self.instruments.connections_opened.labels(transport).inc()
        self.instruments.connections.labels(transport).inc()

    def outlet(self, connection: GatewayConnection, transport: Literal["ws", "sse"], address: str) -> Outlet:
        """A new outlet for ``connection`` with this gateway's queue bound and slow-consumer handling."""
        return Outlet(
            connection,
            transport_kind=transport,
            queue_max_bytes=self.settings.queue_max_bytes,
            address=address,
            on_overflow=self.hub.slow_consumer,
            tally=self.instruments.sent[transport],
        )

    def release(self, address: str, transport: Literal["ws", "sse"]) -> None:
        """Undo :meth:`admit` when the stream ends."""
        self.admission.close(address)
        self.instruments.connections.labels(transport).dec()

    def check_origin(self, headers: Headers) -> None:
        """Browsers must come from an allowed origin; no Origin header means a non-browser client."""
        origin = headers.get("Origin")
        if origin is not None and origin.rstrip("/") not in self.allowed_origins:
            raise Forbidden(f"origin {origin[:100]!r} is not allowed to connect")

    def subscription(self, fields: Filter, token: str | None) -> Filter:
        """Check that ``token`` allows ``fields``' restricted categories; return the filter."""
        secret = self.settings.token_secret.get_secret_value() if self.settings.token_secret else None
        authorise(fields.restricted_categories(self.restricted), token, secret)
        return fields

    def query_subscription(self, params: Mapping[str, Sequence[str]], headers: Headers) -> Filter:
        """The filter and token of a query string (token also as ``Authorization: Bearer``)."""
        return self.subscription(filter_from_query(params), token_from(params, headers.get("Authorization")))

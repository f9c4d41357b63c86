"""Test harness for the push gateway: private topics, a ticker stand-in, gateways in-process or as processes.

Tests write ``TickerEvent``/``StoryView`` records straight into their own
``ticker.events``/``ticker.stories`` topics with aiokafka, so they depend on
neither the ticker nor on what other tests wrote to the shared topics.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from websockets.asyncio.client import ClientConnection, connect

from stoppress.push.gateway import Gateway
from stoppress.push.settings import PushSettings
from stoppress.shared.codec import encode
from stoppress.shared.models import Level, RetractReason, StoryView, TickerEvent, event_id_for

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable



@dataclass(frozen=True)
class Topics:
    """One test's private ticker topics."""

    events: str
    stories: str
    ops: str

    def env(self) -> dict[str, str]:
        """The gateway settings naming these topics, as environment variables."""
        return {
            "STOPPRESS_PUSH_EVENTS_TOPIC": self.events,
            "STOPPRESS_PUSH_STORIES_TOPIC": self.stories,
            "STOPPRESS_PUSH_OPS_TOPIC": self.ops,
        }


async def create_topics(bootstrap: str, prefix: str = "t") -> Topics:
    """Create a fresh set of ticker topics (events: 1 partition; stories: compacted)."""
    tag = f"{prefix}{uuid.uuid4().hex[:10]}"
    topics = Topics(f"{tag}.ticker.events", f"{tag}.ticker.stories", f"{tag}.ops.metrics")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(topics.events, 1, 1),
                NewTopic(topics.stories, 1, 1, topic_configs={"cleanup.policy": "compact"}),
                NewTopic(topics.ops, 1, 1),
            ]
        )
    finally:
        await admin.close()
    await asyncio.sleep(0.3)
    return topics


def story(
    story_id: str,
    revision: int = 1,
    *,
    level: Level = "breaking",
    category: str | None = None,
    region: str | None = None,
    language: str = "en",
    headline: str | None = None,
) -> StoryView:
    """A StoryView as the ticker would write it."""
    now = datetime.now(UTC)
    return StoryView(
        story_id=story_id,
        headline=headline or f"Headline of {story_id} r{revision}",
        url=f"https://news.example/{story_id}",
        level=level,
        score=10.0 - len(story_id) % 5,
        sources=1,
        source_names=["wire"],
        category=category,
        region=region,
        language=language,
        first_seen=now,
        updated_at=now,
        revision=revision,
    )


def event_for(
    view: StoryView, kind: str | None = None, *, reason: RetractReason | None = None, merged_into: str | None = None
) -> TickerEvent:
    """The TickerEvent that brought ``view`` to its revision (``reason``, ``merged_into``: an editor's retract)."""
    now = datetime.now(UTC)
    return TickerEvent(
        event_id=event_id_for(view.story_id, view.revision),
        type=kind or ("story.new" if view.revision == 1 else "story.update"),
        story=view,
        ingested_at=now,
        processed_at=now,
        reason=reason,
        merged_into=merged_into,
    )


class TickerStandIn:
    """Writes events and story views like the ticker does (events and the compacted view)."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.topics = topics
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)

    async def __aenter__(self) -> TickerStandIn:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def publish(
        self,
        view: StoryView,
        kind: str | None = None,
        *,
        reason: RetractReason | None = None,
        merged_into: str | None = None,
    ) -> int:
        """Write the view and its event; return the event's offset."""
        key = view.story_id.encode()
        event = event_for(view, kind, reason=reason, merged_into=merged_into)
        await self._producer.send_and_wait(self.topics.stories, encode(view), key=key)
        metadata = await self._producer.send_and_wait(self.topics.events, encode(event), key=key)
        offset: int = metadata.offset
        return offset

    async def publish_many(self, views: Iterable[StoryView]) -> list[int]:
        """Write several; return their event offsets."""
        return [await self.publish(view) for view in views]


def settings_for(bootstrap: str, topics: Topics, **overrides: Any) -> PushSettings:
    """Gateway settings on a free port, reading ``topics``."""
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "host": "127.0.0.1",
        "port": 0,
        "events_topic": topics.events,
        "stories_topic": topics.stories,
        "ops_topic": topics.ops,
        "instance": f"test-{uuid.uuid4().hex[:6]}",
        "heartbeat_s": 30.0,
        "metrics_interval_s": 1.0,
        **overrides,
    }
    return PushSettings(**values)


@asynccontextmanager
async def running_gateway(settings: PushSettings) -> AsyncIterator[Gateway]:
    """A gateway in this process, ready; stopped (1012 to clients) on exit."""
    gateway = Gateway(settings)
    async with asyncio.timeout(30):
        await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


class GatewayProcess:
    """``python -m stoppress.push`` as a separate process on a fixed free port."""

    def __init__(self, bootstrap: str, topics: Topics, port: int, log_path: Path, **env: str) -> None:
        self.port = port
        self.log_path = log_path
        self.env = {
            **os.environ,
            "STOPPRESS_KAFKA_BOOTSTRAP": bootstrap,
            "STOPPRESS_PUSH_HOST": "127.0.0.1",
            "STOPPRESS_PUSH_PORT": str(port),
            **topics.env(),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base HTTP URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket URL."""
        return f"ws://127.0.0.1:{self.port}/v1/ws"

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the process (logging to ``log_path``) without waiting."""
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [PYTHON, "-m", "stoppress.push"], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
            )

    async def start(self, timeout_s: float = 40.0) -> None:
        """Start and wait until ``/readyz`` says ready."""
        self.process = self.spawn()
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gateway exited early:\n{self.log_path.read_text()[-3000:]}")
                try:
                    async with client.get(f"{self.url}/readyz", timeout=aiohttp.ClientTimeout(total=1)) as answer:
                        if answer.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"gateway not ready in {timeout_s} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM and wait; return the exit code (SIGKILL if it does not stop in time)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


async def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> None:
    """Poll ``condition`` until true; fail after ``timeout_s``. For state that has no event to await."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 -- the conditions are other objects' counters, not events
            await asyncio.sleep(poll_s)


async def receive(ws: ClientConnection, timeout_s: float = 5.0) -> dict[str, Any]:
    """The next message as a dict."""
    async with asyncio.timeout(timeout_s):
        data = await ws.recv()
    message: dict[str, Any] = orjson.loads(data)
    return message


async def receive_until(ws: ClientConnection, kind: str, timeout_s: float = 5.0) -> list[dict[str, Any]]:
    """Every message up to and including the first of type ``kind`` (pings skipped)."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout_s):
        while True:
            message = orjson.loads(await ws.recv())
            if message["type"] == "ping":
                continue
            seen.append(message)
            if message["type"] == kind:
                return seen


@asynccontextmanager
async def ws_client(url: str, **kwargs: Any) -> AsyncIterator[ClientConnection]:
    """A websockets client connection (no compression, like a browser that does not care)."""
    async with connect(url, compression=None, open_timeout=10, **kwargs) as ws:
        yield ws


class RawWsClient(asyncio.Protocol):
    """A minimal WebSocket client that only counts server frames: cheap enough for a thousand per test.

    It never sends after the handshake; ``stall()`` stops reading from the
    socket, which is what a frozen browser tab does to the server.
    """

    def __init__(self, path: str, port: int) -> None:
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._buffer = b""
        self._upgraded = False
        self.transport: asyncio.Transport | None = None
        self.texts: list[tuple[float, bytes]] = []
        self.close_code: int | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._upgraded:
            head, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if b" 101 " not in head.split(b"\r\n")[0]:
                raise RuntimeError(f"handshake refused: {head[:100]!r}")
            self._upgraded, self._buffer = True, rest
        while len(self._buffer) >= 2:
            opcode, length, start = self._buffer[0] & 0x0F, self._buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(self._buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(self._buffer[2:10], "big"), 10
            if len(self._buffer) < start + length:
                return
            payload, self._buffer = self._buffer[start : start + length], self._buffer[start + length :]
            if opcode == 0x1:
                self.texts.append((time.monotonic(), payload))
            elif opcode == 0x8 and self.close_code is None:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                assert self.transport is not None
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def stall(self) -> None:
        """Stop reading: the server's writes pile up in the kernel, then in its queue."""
        assert self.transport is not None
        self.transport.pause_reading()

    def messages(self) -> list[dict[str, Any]]:
        """Every text frame received, parsed."""
        return [orjson.loads(payload) for _, payload in self.texts]


async def raw_client(port: int, path: str = "/v1/ws", receive_buffer: int | None = None) -> RawWsClient:
    """Connect one :class:`RawWsClient` (optionally with a small kernel receive buffer, bytes)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, protocol = await loop.create_connection(lambda: RawWsClient(path, port), sock=sock)
    return protocol


async def connect_ws(url: str) -> ClientConnection:
    """Open a websockets client connection that the caller closes."""
    return await connect(url, compression=None, open_timeout=10)

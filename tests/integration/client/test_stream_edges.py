"""The SDK's reactions to what the real gateway rarely does on cue, played by a scripted WebSocket server.

The server is a real ``websockets`` server on a real socket; each test scripts
what it does per connection (send frames, go silent, close with a code,
refuse the handshake), and records the query string of every connection so
the tests can see what the client resumed from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from stoppress.cli.processes import free_port
from stoppress.shared.client import ServerMisbehaved, Stream, StreamRefused, StreamUnavailable
from stoppress.shared.protocol import Event, Recovered, Snapshot
from stoppress.shared.reconnect import Backoff
from tests.unit.client.samples import frame, story, ticker_event

Script = Callable[[ServerConnection], Awaitable[None]]
FAST = Backoff(base=0.05, cap=0.1, slow_floor=0.6, slow_cap=0.7)


class ScriptedGateway:
    """Plays ``scripts[n]`` on the n-th connection (the last one again after that)."""

    def __init__(self, *scripts: Script, refuse_with: int | None = None, busy: list[Response] | None = None) -> None:
        """``refuse_with``: refuse every handshake with that status; ``busy``: answer the first handshakes with
        these responses, one each, then accept."""
        self.scripts = scripts
        self.refuse_with = refuse_with
        self.busy = list(busy or [])
        self.refused_at: list[float] = []
        self.queries: list[dict[str, list[str]]] = []
        self.connected_at: list[float] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1/ws"

    async def __aenter__(self) -> ScriptedGateway:
        self._server = await serve(self._play, "127.0.0.1", 0, process_request=self._refuse)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _refuse(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.busy:
            self.refused_at.append(time.monotonic())
            return self.busy.pop(0)
        if self.refuse_with is None:
            return None
        return connection.respond(self.refuse_with, "origin 'https://evil.example' is not allowed\n")

    async def _play(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        self.queries.append(parse_qs(urlsplit(connection.request.path).query))
        self.connected_at.append(time.monotonic())
        await self.scripts[min(len(self.queries), len(self.scripts)) - 1](connection)


def welcome(heartbeat_s: float = 15.0) -> str:
    return frame({"type": "welcome", "protocol": 1, "instance": "scripted", "heartbeat_s": heartbeat_s})


def snapshot(cursor: str) -> str:
    return frame({"type": "snapshot", "cursor": cursor, "recovered": False, "filter": {}, "stories": [story()]})


def event(cursor: str, revision: int) -> str:
    return frame({"type": "event", "cursor": cursor, "matches": True, "event": ticker_event(story(revision=revision))})


async def first(stream: Stream, count: int, timeout_s: float = 10.0) -> list[object]:
    got: list[object] = []
    async with asyncio.timeout(timeout_s):
        async for message in stream:
            got.append(message)
            if len(got) == count:
                break
    await stream.close()
    return got


async def test_a_silent_link_is_dropped_after_three_missed_heartbeats_and_resumed_from_the_cursor() -> None:
    async def goes_silent(ws: ServerConnection) -> None:
        await ws.send(welcome(heartbeat_s=0.1))
        await ws.send(snapshot("1-4-aaaaaaaa"))
        await ws.send(event("1-5-bbbbbbbb", 2))
        await ws.wait_closed()

    async def resumes(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send(event("1-6-cccccccc", 3))
        await ws.send(frame({"type": "recovered", "cursor": "1-6-cccccccc", "count": 1}))
        await ws.wait_closed()

    async with ScriptedGateway(goes_silent, resumes) as gateway:
        messages = await first(Stream(gateway.url, backoff=FAST), 4)
    assert [type(m) for m in messages] == [Snapshot, Event, Event, Recovered]
    assert "cursor" not in gateway.queries[0]
    assert gateway.queries[1]["cursor"] == ["1-5-bbbbbbbb"]


async def test_too_many_4029_waits_longer_before_reconnecting() -> None:
    async def too_many(ws: ServerConnection) -> None:
        await ws.send(frame({"type": "error", "code": "too_many", "close_code": 4029, "message": "slow down"}))
        await ws.close(4029, "slow down")

    async def fine(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send(snapshot("1-1-aaaaaaaa"))
        await ws.wait_closed()

    async with ScriptedGateway(too_many, fine) as gateway:
        await first(Stream(gateway.url, backoff=FAST), 1)
    assert gateway.connected_at[1] - gateway.connected_at[0] >= FAST.slow_floor


@pytest.mark.parametrize("status", [429, 503])
async def test_a_busy_gateway_refusing_the_upgrade_is_retried_after_its_retry_after(status: int) -> None:
    async def fine(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send(snapshot("1-1-aaaaaaaa"))
        await ws.wait_closed()

    problem = b'{"type":"about:blank","status":%d,"code":"too_many","detail":"slow down"}' % status
    headers = Headers([("Content-Type", "application/problem+json"), ("Retry-After", "1")])
    busy = [Response(status, "Busy", headers, problem), Response(status, "Busy", Headers(), b"busy\n")]
    backoff = Backoff(base=0.05, cap=0.1, slow_floor=0.1, slow_cap=5.0)
    async with ScriptedGateway(fine, busy=busy) as gateway:
        await first(Stream(gateway.url, backoff=backoff), 1)
    assert gateway.refused_at[1] - gateway.refused_at[0] >= 1.0, "Retry-After: 1 is honoured"
    assert gateway.connected_at[0] - gateway.refused_at[1] < 1.0, "without Retry-After: the usual slow backoff"


async def test_a_going_away_1001_reconnects_promptly() -> None:
    async def going_away(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send(snapshot("1-1-aaaaaaaa"))
        await ws.close(1001, "going away")

    async def fine(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send(frame({"type": "recovered", "cursor": "1-1-aaaaaaaa", "count": 0}))
        await ws.wait_closed()

    async with ScriptedGateway(going_away, fine) as gateway:
        messages = await first(Stream(gateway.url, backoff=FAST), 2)
    assert [type(m) for m in messages] == [Snapshot, Recovered]
    assert gateway.connected_at[1] - gateway.connected_at[0] < 1.0


async def test_a_frame_that_is_not_protocol_v1_ends_the_stream_with_server_misbehaved() -> None:
    async def garbage(ws: ServerConnection) -> None:
        await ws.send(welcome())
        await ws.send('{"type": "snapshot", "stories": "many"}')
        await ws.wait_closed()

    async with ScriptedGateway(garbage) as gateway:
        with pytest.raises(ServerMisbehaved, match="invalid 'snapshot' message"):
            await first(Stream(gateway.url, backoff=FAST), 1)


async def test_a_refused_handshake_is_final_and_carries_the_servers_reason() -> None:
    async def unused(ws: ServerConnection) -> None:
        raise AssertionError("the handshake was refused")

    async with ScriptedGateway(unused, refuse_with=403) as gateway:
        with pytest.raises(StreamRefused, match="not allowed") as refused:
            await first(Stream(gateway.url, backoff=FAST), 1)
    assert refused.value.code == 403


async def test_with_max_attempts_an_unreachable_gateway_ends_in_stream_unavailable() -> None:
    stream = Stream(f"ws://127.0.0.1:{free_port()}/v1/ws", backoff=FAST, max_attempts=3)
    with pytest.raises(StreamUnavailable, match="after 3 attempts") as unavailable:
        await first(stream, 1)
    assert "ConnectionRefusedError" in unavailable.value.last_error


async def test_close_ends_iteration_even_while_waiting_to_reconnect() -> None:
    stream = Stream(f"ws://127.0.0.1:{free_port()}/v1/ws", backoff=Backoff(base=60, cap=60))
    consumer = asyncio.create_task(first(stream, 1))
    await asyncio.sleep(0.3)
    await stream.close()
    async with asyncio.timeout(2):
        assert await consumer == []

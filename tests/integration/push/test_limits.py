"""Every limit and every refusal, on real sockets: Origin, caps, rates, frame size, malformed frames, tokens.

Admission (shutdown, Origin, connection caps and rate) is decided before the
WebSocket upgrade: those refusals are HTTP problem+json answers, and the
admission counters stay exact however a handshake ends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from stoppress.push.gateway import Gateway
from stoppress.push.tokens import issue_token
from tests.integration.push.harness import (
    TickerStandIn,
    Topics,
    connect_ws,
    receive,
    receive_until,
    running_gateway,
    settings_for,
    story,
    wait_until,
    ws_client,
)

SECRET = "test-secret-" + "x" * 32
UPGRADE = (
    "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Version: 13\r\n{headers}\r\n"
)
KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
HELD = 30


async def refused(url: str, **kwargs: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Open a WebSocket that the gateway must refuse before the upgrade; its status, headers and problem body."""
    with pytest.raises(InvalidStatus) as caught:
        async with ws_client(url, **kwargs):
            pass
    answer = caught.value.response
    assert answer.headers["Content-Type"] == "application/problem+json"
    return answer.status_code, dict(answer.headers.raw_items()), orjson.loads(answer.body)


async def raw_upgrade(port: int, source: str, headers: str, *, abort_after_head: bool = False) -> bytes:
    """Send an upgrade request by hand from ``source``; the status line of the answer.

    ``abort_after_head``: reset the connection as soon as the answer's head is in (no closing handshake).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(UPGRADE.format(headers=headers).encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if abort_after_head:
            writer.transport.abort()
        return head.split(b"\r\n", 1)[0]
    finally:
        writer.close()


async def closed_with(ws: Any, timeout_s: float = 5.0) -> tuple[int, list[dict[str, Any]]]:
    """Read until the server closes; return the close code and the messages seen."""
    seen: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            seen.append(await receive(ws, timeout_s))
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, seen


async def test_origin_allowlist(bootstrap: str, topics: Topics) -> None:
    async with running_gateway(settings_for(bootstrap, topics)) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        status, headers, problem = await refused(url, origin="https://evil.example")
        assert status == 403 and problem["code"] == "forbidden" and "origin" in problem["detail"]
        assert "Retry-After" not in headers
        for origin in ("http://localhost:8080", f"http://127.0.0.1:{gateway.port}", None):
            async with ws_client(url, origin=origin) as ws:
                assert (await receive(ws))["type"] == "welcome"
        assert gateway.instruments.connections_opened.labels("ws")._value.get() == 3


async def test_connection_caps_and_rate(bootstrap: str, topics: Topics) -> None:
    settings = settings_for(bootstrap, topics, max_connections_per_address=2, connect_burst_per_address=100)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as one, ws_client(url) as two:
            await receive(one)
            await receive(two)
            status, headers, problem = await refused(url)
            assert (status, problem["status"], problem["code"]) == (429, 429, "too_many")
            assert "per client address" in problem["detail"] and headers["Retry-After"] == "5"
    settings = settings_for(bootstrap, topics, max_connections=1)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as one:
            await receive(one)
            status, headers, problem = await refused(url)
            assert status == 429 and "limit of 1 connections" in problem["detail"] and headers["Retry-After"] == "5"
    settings = settings_for(bootstrap, topics, connect_rate_per_address=0.01, connect_burst_per_address=2)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        for _ in range(2):
            async with ws_client(url) as ws:
                await receive(ws)
        status, headers, problem = await refused(url)
        assert status == 429 and "too many new connections" in problem["detail"]
        assert 90 <= int(headers["Retry-After"]) <= 100, "the time until the bucket has a token again (1/0.01 s)"


async def test_a_gateway_shutting_down_answers_upgrades_with_503(bootstrap: str, topics: Topics) -> None:
    gateway = Gateway(settings_for(bootstrap, topics, close_timeout_s=1.0))
    await gateway.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)  # connected before the shutdown
    stopping = asyncio.create_task(gateway.stop())
    await wait_until(lambda: gateway.shutting_down, 2)
    writer.write(UPGRADE.format(headers=KEY).encode())
    head, _, body = (await reader.read()).partition(b"\r\n\r\n")
    writer.close()
    await stopping
    assert head.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: 2\r\n" in head
    assert orjson.loads(body)["code"] == "restarting"
    assert gateway.admission.total == 0


async def test_a_thousand_refused_or_aborted_handshakes_leave_no_admission_behind(
    bootstrap: str, topics: Topics
) -> None:
    settings = settings_for(
        bootstrap, topics, max_connections_per_address=HELD, connect_rate_per_address=1000,
        connect_burst_per_address=1000,
    )  # fmt: skip
    # 10 handshakes per address in flight at a time, fewer than the cap, so only 127.0.0.12 (holding HELD) hits it
    kinds = {  # source address: (request headers, expected status, reset at once)
        "127.0.0.11": (KEY + "Origin: https://evil.example\r\n", b"403", False),  # refused before admission
        "127.0.0.12": (KEY, b"429", False),  # over the per-address cap: refused before admission
        "127.0.0.13": ("", b"400", False),  # admitted, then websockets refuses the upgrade (no key)
        "127.0.0.14": (KEY, b"101", True),  # admitted, upgraded, then the client resets the connection
    }
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        holders = [await connect(url, local_addr=("127.0.0.12", 0)) for _ in range(HELD)]
        try:
            for batch in range(0, 1000, 40):
                sources = [list(kinds)[n % 4] for n in range(batch, batch + 40)]
                answers = await asyncio.gather(
                    *(raw_upgrade(gateway.port, source, kinds[source][0], abort_after_head=kinds[source][2])
                      for source in sources)
                )  # fmt: skip
                for source, status_line in zip(sources, answers, strict=True):
                    assert status_line.split(b" ")[1] == kinds[source][1], (source, status_line)
            assert gateway.admission.connections_from("127.0.0.12") == HELD
        finally:
            for ws in holders:
                await ws.close()
        await wait_until(lambda: gateway.admission.total == 0, 5)
        assert all(gateway.admission.connections_from(source) == 0 for source in kinds)
        assert gateway.instruments.connections.labels("ws")._value.get() == 0
        assert gateway.instruments.connections_opened.labels("ws")._value.get() == HELD + 500


async def test_inbound_frame_size_rate_and_malformed_frames(bootstrap: str, topics: Topics) -> None:
    settings = settings_for(bootstrap, topics, max_message_bytes=512, messages_per_s=1, message_burst=3)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as ws:
            await receive_until(ws, "snapshot")
            await ws.send("x" * 2000)
            code, _ = await closed_with(ws)
            assert code == 1009
        async with ws_client(url) as ws:
            await receive_until(ws, "snapshot")
            for _ in range(5):
                await ws.send('{"type":"ping"}')
            code, seen = await closed_with(ws)
            assert code == 4029 and "messages per second" in seen[-1]["message"]
        frames: list[tuple[str | bytes, str]] = [
            ("{oops", "not valid JSON"), (b"\x01\x02", "binary"), ('{"type":"dance"}', "unknown")
        ]
        for frame, reason in frames:
            async with ws_client(url) as ws:
                await receive_until(ws, "snapshot")
                await ws.send(frame)
                code, seen = await closed_with(ws)
                assert code == 1008 and seen[-1]["type"] == "error" and reason in seen[-1]["message"]
        async with ws_client(f"{url}?levels=loud") as ws:
            code, seen = await closed_with(ws)
            assert code == 1008 and "unknown level" in seen[-1]["message"]
        await wait_until(lambda: gateway.admission.total == 0, 3)  # released once each close completes


async def test_clients_that_never_subscribe_are_closed(bootstrap: str, topics: Topics) -> None:
    async with running_gateway(settings_for(bootstrap, topics, subscribe_timeout_s=0.5)) as gateway:
        ws = await connect_ws(f"ws://127.0.0.1:{gateway.port}/v1/ws?subscribe=message")
        code, seen = await closed_with(ws)
        assert code == 1008 and [m["type"] for m in seen] == ["welcome", "error"]
        assert "no 'subscribe' message" in seen[-1]["message"]


async def test_restricted_channels_need_a_token(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    await ticker.publish(story("staff-only", category="internal"))
    await ticker.publish(story("public"))
    now = datetime.now(UTC)
    settings = settings_for(bootstrap, topics, token_secret=SECRET)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as ws:
            snapshot = (await receive_until(ws, "snapshot"))[-1]
            assert [s["story_id"] for s in snapshot["stories"]] == ["public"]
        async with ws_client(f"{url}?categories=internal") as ws:
            code, seen = await closed_with(ws)
            assert code == 4001 and "need a token" in seen[-1]["message"]
        expired = issue_token(SECRET, ["internal"], -120, "desk", now)
        async with ws_client(f"{url}?categories=internal&token={expired}") as ws:
            code, seen = await closed_with(ws)
            assert code == 4001 and "expired" in seen[-1]["message"]
        embargo_only = issue_token(SECRET, ["embargo"], 60, "desk", now)
        async with ws_client(f"{url}?categories=internal&token={embargo_only}") as ws:
            code, seen = await closed_with(ws)
            assert code == 4003 and "internal" in seen[-1]["message"]
        good = issue_token(SECRET, ["internal"], 60, "desk", now)
        async with ws_client(f"{url}?subscribe=message") as ws:
            await receive(ws)
            await ws.send(f'{{"type":"subscribe","categories":["internal"],"token":"{good}"}}')
            snapshot = (await receive_until(ws, "snapshot"))[-1]
            assert [s["story_id"] for s in snapshot["stories"]] == ["staff-only"]
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{gateway.port}"
            async with http.get(f"{base}/v1/stories?categories=internal") as answer:
                assert answer.status == 401
            async with http.get(
                f"{base}/v1/sse?categories=internal", headers={"Authorization": f"Bearer {embargo_only}"}
            ) as answer:
                assert answer.status == 403
            async with http.get(
                f"{base}/v1/stories?categories=internal", headers={"Authorization": f"Bearer {good}"}
            ) as answer:
                assert [s["story_id"] for s in (await answer.json())["stories"]] == ["staff-only"]

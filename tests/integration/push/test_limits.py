"""Every limit and every refusal, on real sockets: Origin, caps, rates, frame size, malformed frames, tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from websockets.exceptions import ConnectionClosed

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
        async with ws_client(url, origin="https://evil.example") as ws:
            code, seen = await closed_with(ws)
            assert code == 4003 and "origin" in seen[-1]["message"]
        for origin in ("http://localhost:8080", f"http://127.0.0.1:{gateway.port}", None):
            async with ws_client(url, origin=origin) as ws:
                assert (await receive(ws))["type"] == "welcome"


async def test_connection_caps_and_rate(bootstrap: str, topics: Topics) -> None:
    settings = settings_for(bootstrap, topics, max_connections_per_address=2, connect_burst_per_address=100)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as one, ws_client(url) as two, ws_client(url) as three:
            await receive(one)
            await receive(two)
            code, seen = await closed_with(three)
            assert code == 4029 and "per client address" in seen[-1]["message"]
    settings = settings_for(bootstrap, topics, max_connections=1)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        async with ws_client(url) as one, ws_client(url) as two:
            await receive(one)
            code, seen = await closed_with(two)
            assert code == 4029 and "limit of 1 connections" in seen[-1]["message"]
    settings = settings_for(bootstrap, topics, connect_rate_per_address=0.01, connect_burst_per_address=2)
    async with running_gateway(settings) as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/v1/ws"
        for _ in range(2):
            async with ws_client(url) as ws:
                await receive(ws)
        async with ws_client(url) as ws:
            code, seen = await closed_with(ws)
            assert code == 4029 and "too many new connections" in seen[-1]["message"]


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

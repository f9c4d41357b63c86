"""Several gateway processes on one port (SO_REUSEPORT): each a full replica, all stopped with 1012."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from stoppress.cli.processes import free_port
from tests.integration.push.harness import (
    GatewayProcess,
    TickerStandIn,
    Topics,
    connect_ws,
    receive,
    receive_until,
    story,
)

CLIENTS = 12


async def _connect_ready(url: str) -> tuple[ClientConnection, dict[str, Any]]:
    """Connect, retrying while the worker that got us is still loading (close 1013)."""
    for _ in range(50):
        try:
            ws = await connect_ws(url)
        except InvalidStatus:  # 503 from a worker still loading
            await asyncio.sleep(0.2)
            continue
        try:
            messages = await receive_until(ws, "snapshot")
            return ws, messages[0]
        except ConnectionClosed:
            continue
    raise AssertionError("no worker became ready")


async def _until_every_worker_is_ready(base: str, workers: int) -> None:
    seen: set[str] = set()
    async with asyncio.timeout(30), aiohttp.ClientSession() as http:
        while len(seen) < workers:
            async with http.get(f"{base}/readyz", headers={"Connection": "close"}) as answer:
                body = await answer.json()
                if body["ready"]:
                    seen.add(body["instance"])
            await asyncio.sleep(0.05)


async def test_workers_share_the_port_and_all_deliver(
    bootstrap: str, topics: Topics, ticker: TickerStandIn, tmp_path: Path
) -> None:
    gateway = GatewayProcess(bootstrap, topics, free_port(), tmp_path / "push.log", STOPPRESS_PUSH_WORKERS="2")
    await gateway.start()
    try:
        await _until_every_worker_is_ready(gateway.url, 2)
        connected = [await _connect_ready(gateway.ws_url) for _ in range(CLIENTS)]
        assert len({welcome["instance"] for _, welcome in connected}) == 2
        offset = await ticker.publish(story("everyone"))
        for ws, _ in connected:
            message = await receive(ws, 10)
            assert message["event"]["story"]["story_id"] == "everyone" and message["cursor"].startswith(f"1-{offset}-")
        assert gateway.stop() == 0
        for ws, _ in connected:
            with pytest.raises(ConnectionClosed) as closed:
                await receive_until(ws, "never")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    finally:
        gateway.stop()

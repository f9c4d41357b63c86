"""One headline from HTTP to a socket, through the real broker and the three real services.

The acceptance of the walking skeleton: a POSTed urgency-2 headline reaches a
WebSocket client as a ``breaking`` event within 2 s; the same id+version
again yields nothing, also after the ticker process restarted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from stoppress.cli.stack import Stack
from tests.conftest import DEMO_KEY

DELIVERY_GOAL_S = 2.0
QUIET_S = 2.0


async def post(stack: Stack, item: dict[str, Any]) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{stack.config.ingest_url}/v1/headlines", json=item, headers={"Authorization": f"Bearer {DEMO_KEY}"}
        )
        await response.read()
        return response


async def next_event_for(ws: ClientConnection, headline: str, timeout_s: float) -> dict[str, Any] | None:
    """The first ``event`` whose story shows ``headline``, or None after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = orjson.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            return None
        if message["type"] == "event" and message["event"]["story"]["headline"] == headline:
            event: dict[str, Any] = message["event"]
            return event
    return None


async def open_stream(stack: Stack) -> ClientConnection:
    ws = await connect(stack.config.ws_url)
    welcome = orjson.loads(await ws.recv())
    snapshot = orjson.loads(await ws.recv())
    assert (welcome["type"], welcome["protocol"], snapshot["type"]) == ("welcome", 1, "snapshot")
    return ws


def item(text: str, guid: str) -> dict[str, Any]:
    return {"guid": guid, "headline": text, "urgency": 2, "language": "en"}


@pytest.mark.slow
async def test_headline_reaches_a_socket_once_even_after_a_ticker_restart(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    text = f"Skeleton test: marmot colony blocks alpine quarry road {tag}"  # no other test or demo item shares a word
    ws = await open_stream(stack)
    try:
        started = time.monotonic()
        response = await post(stack, item(text, f"skeleton-{tag}"))
        assert response.status == 202
        event = await next_event_for(ws, text, DELIVERY_GOAL_S)
        assert event is not None, f"no event within {DELIVERY_GOAL_S} s"
        assert time.monotonic() - started <= DELIVERY_GOAL_S
        assert (event["type"], event["story"]["level"]) == ("story.new", "breaking")

        assert (await post(stack, item(text, f"skeleton-{tag}"))).status == 202
        assert await next_event_for(ws, text, QUIET_S) is None, "a repeat of the same id+version was shown again"
    finally:
        await ws.close()

    await asyncio.to_thread(stack.ticker.restart)

    ws = await open_stream(stack)
    try:
        assert (await post(stack, item(text, f"skeleton-{tag}"))).status == 202
        sentinel = f"Skeleton sentinel after restart: tidal barrier closes on the Thames {tag}"
        assert (await post(stack, item(sentinel, f"sentinel-{tag}"))).status == 202
        seen: list[str] = []
        deadline = time.monotonic() + 30
        while sentinel not in seen and time.monotonic() < deadline:
            message = orjson.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
            if message["type"] == "event":
                seen.append(message["event"]["story"]["headline"])
        assert sentinel in seen, "the restarted ticker processed nothing within 30 s"
        assert await next_event_for(ws, text, QUIET_S) is None
        assert text not in seen, "the restarted ticker showed a repeat again"
    finally:
        await ws.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"headline": "broken', None),
        (b'{"urgency": 2}', "headline"),
        (b'{"headline": "Too urgent", "urgency": 12}', "urgency"),
    ],
)
async def test_invalid_input_gets_422_naming_the_field(stack: Stack, body: bytes, field: str | None) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{stack.config.ingest_url}/v1/headlines",
            data=body,
            headers={"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/json"},
        )
        problem = await response.json(content_type=None)
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    if field is not None:
        assert field in orjson.dumps(problem).decode()

"""The SDK against the real gateway (``python -m stoppress.push`` as a process) and the real broker.

Each test writes its own private ``ticker.events``/``ticker.stories`` topics
(the push suite's harness), so what other tests publish cannot interfere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.structs import TopicPartition

from stoppress.push.cursor import parse_cursor
from stoppress.shared.client import ResyncRequired, Stream, StreamRefused
from stoppress.shared.protocol import Event, Filters, Recovered, Snapshot, StreamMessage
from stoppress.shared.reconnect import Backoff
from tests.integration.push.harness import GatewayProcess, TickerStandIn, Topics, story

FAST = Backoff(base=0.1, cap=0.5, slow_floor=0.2, slow_cap=1.0)
"""Reconnect quickly: the tests wait for the stream, not for production-sized backoff."""


async def next_message(messages: AsyncIterator[StreamMessage], timeout_s: float = 15.0) -> StreamMessage:
    async with asyncio.timeout(timeout_s):
        return await anext(messages)


async def gateway_read(gateway: GatewayProcess, offset: int, timeout_s: float = 10.0) -> None:
    """Wait until the gateway has read ``ticker.events`` up to ``offset`` (it reads Kafka asynchronously).

    Only then is a snapshot's cursor past that event, so the event is not delivered again after it.
    """
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout_s):
        while True:
            async with http.get(f"{gateway.url}/v1/stories") as answer:
                cursor = (await answer.json())["cursor"]
            if parse_cursor(cursor).offset >= offset:
                return
            await asyncio.sleep(0.05)


async def take_events(messages: AsyncIterator[StreamMessage], count: int) -> list[Event]:
    events: list[Event] = []
    while len(events) < count:
        message = await next_message(messages)
        assert isinstance(message, Event), f"expected an event, got {message!r}"
        events.append(message)
    return events


@pytest.fixture
def gateway_env() -> dict[str, str]:
    """A ring of three events, so a longer gap is read back from Kafka."""
    return {"STOPPRESS_PUSH_RING_SIZE": "3"}


async def test_snapshot_then_every_event_in_order(kafka: Any, topics: Topics, gateway: GatewayProcess) -> None:
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await ticker.publish(story("calm", level="normal"))
        await gateway_read(gateway, await ticker.publish(story("quake", level="flash")))
        async with Stream(gateway.ws_url, Filters(levels=("flash", "breaking")), backoff=FAST) as stream:
            messages = aiter(stream)
            snapshot = await next_message(messages)
            assert isinstance(snapshot, Snapshot)
            assert [s.story_id for s in snapshot.stories] == ["quake"]
            assert stream.cursor == snapshot.cursor
            await ticker.publish(story("fire", level="breaking"))
            await ticker.publish(story("calm", revision=2, level="normal"))
            await ticker.publish(story("quake", revision=2, level="flash"))
            events = await take_events(messages, 2)
    assert [e.event.event_id for e in events] == ["fire@1", "quake@2"]
    assert stream.cursor == events[-1].cursor


async def test_the_gateway_refuses_a_restricted_channel_without_a_token_and_the_stream_does_not_retry(
    gateway: GatewayProcess,
) -> None:
    stream = Stream(gateway.ws_url, Filters(categories=("internal",)), backoff=FAST)
    with pytest.raises(StreamRefused) as refused:
        async with asyncio.timeout(10):
            async for _ in stream:
                pass
    assert refused.value.code == 4001
    assert "token" in refused.value.reason


async def test_a_browser_origin_that_is_not_allowed_is_refused_for_good(gateway: GatewayProcess) -> None:
    stream = Stream(gateway.ws_url, origin="https://evil.example", backoff=FAST)
    with pytest.raises(StreamRefused) as refused:
        async with asyncio.timeout(10):
            async for _ in stream:
                pass
    assert refused.value.code == 403, "refused before the upgrade, with an HTTP status"
    assert "origin" in refused.value.reason


async def test_after_a_gateway_restart_the_stream_resumes_without_gap_or_duplicate(
    kafka: Any, topics: Topics, gateway: GatewayProcess
) -> None:
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await gateway_read(gateway, await ticker.publish(story("a")))
        async with Stream(gateway.ws_url, backoff=FAST) as stream:
            messages = aiter(stream)
            assert isinstance(await next_message(messages), Snapshot)
            await ticker.publish(story("b"))
            before = await take_events(messages, 1)
            await asyncio.to_thread(gateway.stop)
            for n in range(2, 7):
                await ticker.publish(story("a", revision=n))
            await gateway.start()
            replayed = await take_events(messages, 5)
            recovered = await next_message(messages)
            await ticker.publish(story("c"))
            live = await take_events(messages, 1)
    assert recovered == Recovered(count=5, cursor=replayed[-1].cursor)
    ids = [e.event.event_id for e in before + replayed + live]
    assert ids == ["b@1", "a@2", "a@3", "a@4", "a@5", "a@6", "c@1"]


async def test_a_resume_kafka_can_no_longer_serve_raises_resync_required_or_resyncs_silently(
    kafka: Any, topics: Topics, gateway: GatewayProcess
) -> None:
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await gateway_read(gateway, await ticker.publish(story("a")))
        async with Stream(gateway.ws_url, backoff=FAST) as stream:
            assert isinstance(await next_message(aiter(stream)), Snapshot)
            saved = stream.cursor
        offsets = [await ticker.publish(story("a", revision=n)) for n in range(2, 9)]
    await _delete_events_before(kafka.bootstrap, topics.events, offsets[-1])
    await asyncio.to_thread(gateway.stop)
    await gateway.start()

    with pytest.raises(ResyncRequired) as resync:
        async with asyncio.timeout(15):
            async for _ in Stream(gateway.ws_url, cursor=saved, backoff=FAST):
                pass
    assert resync.value.snapshot.reason and "no longer" in resync.value.snapshot.reason
    assert [s.revision for s in resync.value.snapshot.stories] == [8]

    async with Stream(gateway.ws_url, cursor=saved, resync="silent", backoff=FAST) as silent:
        fresh = await next_message(aiter(silent))
    assert isinstance(fresh, Snapshot) and not fresh.recovered
    assert silent.cursor == fresh.cursor != saved


async def _delete_events_before(bootstrap: str, topic: str, offset: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topic, 0): RecordsToDelete(before_offset=offset)})
    finally:
        await admin.close()

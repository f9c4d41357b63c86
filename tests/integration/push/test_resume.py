"""Gap-free resume against the real broker: across replicas, from Kafka, across a restart, and when impossible."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from websockets.exceptions import ConnectionClosed

from stoppress.cli.processes import free_port
from tests.integration.push.harness import (
    GatewayProcess,
    TickerStandIn,
    Topics,
    connect_ws,
    receive,
    receive_until,
    running_gateway,
    settings_for,
    story,
    ws_client,
)


def story_ids(messages: list[dict[str, object]]) -> list[str]:
    return [m["event"]["story"]["story_id"] for m in messages if m["type"] == "event"]  # type: ignore[index]


async def test_resume_on_another_replica_from_memory(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    await ticker.publish(story("s0"))
    async with (
        running_gateway(settings_for(bootstrap, topics)) as a,
        running_gateway(settings_for(bootstrap, topics)) as b,
    ):
        async with ws_client(f"ws://127.0.0.1:{a.port}/v1/ws") as ws:
            cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
            await ticker.publish(story("s1"))
            cursor = (await receive(ws))["cursor"]
        offsets = [await ticker.publish(story(f"m{i}")) for i in range(5)]
        assert await b.feeds.wait_for_offset(offsets[-1], 5)
        async with ws_client(f"ws://127.0.0.1:{b.port}/v1/ws?cursor={cursor}") as ws:
            got = await receive_until(ws, "recovered")
            assert story_ids(got) == [f"m{i}" for i in range(5)]
            assert got[-1]["count"] == 5 and got[-1]["cursor"].startswith(f"1-{offsets[-1]}-")
            await ticker.publish(story("live"))
            assert (await receive(ws))["event"]["story"]["story_id"] == "live"


async def test_gap_older_than_the_ring_is_read_back_from_kafka(
    bootstrap: str, topics: Topics, ticker: TickerStandIn
) -> None:
    await ticker.publish(story("s0"))
    async with running_gateway(settings_for(bootstrap, topics, ring_size=3)) as gateway:
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws?levels=breaking") as ws:
            cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
        views = [story(f"g{i}", level="breaking" if i % 3 else "normal") for i in range(12)]
        offsets = await ticker.publish_many(views)
        assert await gateway.feeds.wait_for_offset(offsets[-1], 5)
        assert gateway.ring.first_offset is not None and gateway.ring.first_offset > offsets[0]
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws?levels=breaking&cursor={cursor}") as ws:
            got = await receive_until(ws, "recovered")
        expected = [v.story_id for v in views if v.level == "breaking"]
        assert story_ids(got) == expected and got[-1]["count"] == len(expected)
        text = await _metrics(gateway.port)
        assert 'stoppress_push_resumed_events_total{source="kafka"}' in text


async def _metrics(port: int) -> str:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as answer:
        return await answer.text()


async def test_deleted_events_give_a_fresh_snapshot_with_the_reason(
    bootstrap: str, topics: Topics, ticker: TickerStandIn
) -> None:
    await ticker.publish(story("s0"))
    async with running_gateway(settings_for(bootstrap, topics, ring_size=2)) as gateway:
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws") as ws:
            cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
        offsets = await ticker.publish_many(story(f"d{i}") for i in range(6))
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_records({TopicPartition(topics.events, 0): RecordsToDelete(offsets[3])}, timeout_ms=5000)
        finally:
            await admin.close()
        assert await gateway.feeds.wait_for_offset(offsets[-1], 5)
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws?cursor={cursor}") as ws:
            got = await receive_until(ws, "snapshot")
        snapshot = got[-1]
        assert snapshot["recovered"] is False and "no longer kept" in snapshot["reason"]
        assert {s["story_id"] for s in snapshot["stories"]} >= {f"d{i}" for i in range(6)}
        assert story_ids(got) == []


async def test_cursor_of_a_recreated_topic_is_detected(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    for i in range(3):
        await ticker.publish(story(f"old{i}"))
    async with running_gateway(settings_for(bootstrap, topics)) as gateway:
        ws = await connect_ws(f"ws://127.0.0.1:{gateway.port}/v1/ws")
        cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
        await ws.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topics.events])
        await asyncio.sleep(1.0)
        await admin.create_topics([NewTopic(topics.events, 1, 1)])
    finally:
        await admin.close()
    await asyncio.sleep(1.0)
    for i in range(5):
        await ticker.publish(story(f"new{i}"))
    async with running_gateway(settings_for(bootstrap, topics)) as gateway:
        ws = await connect_ws(f"ws://127.0.0.1:{gateway.port}/v1/ws?cursor={cursor}")
        got = await receive_until(ws, "snapshot")
        await ws.close()
    assert got[-1]["recovered"] is False and "another incarnation" in got[-1]["reason"]
    assert story_ids(got) == []


async def test_resume_across_a_gateway_process_restart(
    bootstrap: str, topics: Topics, ticker: TickerStandIn, tmp_path: Path
) -> None:
    await ticker.publish(story("s0"))
    gateway = GatewayProcess(bootstrap, topics, free_port(), tmp_path / "push.log")
    await gateway.start()
    try:
        async with ws_client(gateway.ws_url) as ws:
            cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
            await ticker.publish(story("before"))
            cursor = (await receive(ws))["cursor"]
            assert gateway.stop() == 0
            with pytest.raises(ConnectionClosed) as closed:
                await receive_until(ws, "never")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        missed = [await ticker.publish(story(f"while-down-{i}")) for i in range(4)]
        await gateway.start()
        async with ws_client(f"{gateway.ws_url}?cursor={cursor}") as ws:
            got = await receive_until(ws, "recovered", timeout_s=10)
        assert story_ids(got) == [f"while-down-{i}" for i in range(4)]
        assert got[-1]["count"] == 4 and got[-1]["cursor"].startswith(f"1-{missed[-1]}-")
    finally:
        gateway.stop()


async def test_an_event_the_log_carries_twice_reaches_readers_once_live_resumed_and_read_back(
    bootstrap: str, topics: Topics, ticker: TickerStandIn
) -> None:
    """A presumed-dead ticker worker still writing can put one event id in ``ticker.events`` twice."""
    await ticker.publish(story("s0"))
    async with running_gateway(settings_for(bootstrap, topics, ring_size=3)) as gateway:
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws") as ws:
            cursor = (await receive_until(ws, "snapshot"))[-1]["cursor"]
            await ticker.publish(story("twice"))
            await ticker.publish(story("twice"))  # the same event again, at a new offset
            await ticker.publish(story("twice", revision=2))
            last = (await ticker.publish_many(story(name) for name in ("after", "f1", "f2", "f3")))[-1]
            live = [await receive(ws) for _ in range(6)]
            assert story_ids(live) == ["twice", "twice", "after", "f1", "f2", "f3"]
            assert [m["event"]["story"]["revision"] for m in live[:2]] == [1, 2]
        assert await gateway.feeds.wait_for_offset(last, 5)
        assert gateway.ring.first_offset is not None and gateway.ring.first_offset > last - 3
        async with ws_client(f"ws://127.0.0.1:{gateway.port}/v1/ws?cursor={cursor}") as ws:
            resumed = await receive_until(ws, "recovered")  # read back from Kafka: the ring no longer holds the gap
        assert story_ids(resumed) == ["twice", "twice", "after", "f1", "f2", "f3"] and resumed[-1]["count"] == 6
        assert [m["event"]["story"]["revision"] for m in resumed if m["type"] == "event"][:2] == [1, 2]
        assert "stoppress_push_repeated_events_total 1.0" in await _metrics(gateway.port)

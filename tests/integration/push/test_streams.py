"""WebSocket, SSE and REST against the real broker: snapshot, events, filters, resume, Atom, ops stream."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import feedparser
import orjson
from aiokafka import AIOKafkaProducer

from stoppress.shared.codec import encode
from stoppress.shared.models import MetricsSnapshot
from tests.integration.push.harness import (
    TickerStandIn,
    Topics,
    receive,
    receive_until,
    running_gateway,
    settings_for,
    story,
    ws_client,
)


async def test_welcome_snapshot_then_filtered_events(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    await ticker.publish(story("old-breaking"))
    await ticker.publish(story("old-normal", level="normal"))
    async with running_gateway(settings_for(bootstrap, topics)) as gateway, ws_client(
        f"ws://127.0.0.1:{gateway.port}/v1/ws?levels=breaking,flash"
    ) as ws:
        welcome = await receive(ws)
        assert welcome["type"] == "welcome" and welcome["protocol"] == 1 and welcome["heartbeat_s"] > 0
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot" and snapshot["recovered"] is False
        assert [s["story_id"] for s in snapshot["stories"]] == ["old-breaking"]
        await ticker.publish(story("quiet", level="normal"))
        flash_offset = await ticker.publish(story("hot", level="flash"))
        await ticker.publish(story("old-breaking", 2, level="urgent"))
        hot = await receive(ws)
        assert hot["type"] == "event" and hot["matches"] is True
        assert hot["event"]["story"]["story_id"] == "hot" and hot["cursor"].startswith(f"1-{flash_offset}-")
        left = await receive(ws)
        assert left["matches"] is False and left["event"]["story"]["story_id"] == "old-breaking"
        await ws.send(orjson.dumps({"type": "subscribe", "levels": ["normal"]}).decode())
        renewed = await receive_until(ws, "snapshot")
        assert {s["story_id"] for s in renewed[-1]["stories"]} == {"old-normal", "quiet"}
        await ws.send('{"type":"ping","id":"p1"}')
        assert (await receive_until(ws, "pong"))[-1]["id"] == "p1"


async def test_sse_stream_and_last_event_id_resume(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    await ticker.publish(story("a"))
    async with running_gateway(settings_for(bootstrap, topics)) as gateway, aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{gateway.port}/v1/sse?levels=breaking"
        async with http.get(url) as answer:
            assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/event-stream")
            assert await answer.content.readline() == b"retry: 2000\n"
            events = await _sse_events(answer, 2)
            assert [e["event"] for e in events] == ["welcome", "snapshot"]
            cursor = events[1]["id"]
        await ticker.publish(story("b"))
        await ticker.publish(story("c", level="normal"))
        assert await gateway.feeds.wait_for_offset(await ticker.publish(story("d")), 5)
        async with http.get(url, headers={"Last-Event-ID": cursor}) as answer:
            events = await _sse_events(answer, 4, skip_retry=True)
        assert [e["event"] for e in events] == ["welcome", "event", "event", "recovered"]
        ids = [orjson.loads(e["data"])["event"]["story"]["story_id"] for e in events[1:3]]
        assert ids == ["b", "d"] and events[1]["id"] and orjson.loads(events[3]["data"])["count"] == 2


async def _sse_events(answer: aiohttp.ClientResponse, count: int, skip_retry: bool = False) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    async with asyncio.timeout(10):
        while len(events) < count:
            line = (await answer.content.readline()).decode().rstrip("\n")
            if not line:
                if current and "event" in current:
                    events.append(current)
                current = {}
                continue
            field, _, value = line.partition(": ")
            if field == "retry" and skip_retry:
                continue
            current[field] = value
    return events


async def test_rest_atom_health_metrics_and_pages(bootstrap: str, topics: Topics, ticker: TickerStandIn) -> None:
    await ticker.publish(story("flash-1", level="flash", region="eu"))
    await ticker.publish(story("calm", level="normal", region="us"))
    await ticker.publish(story("staff", category="internal"))
    async with running_gateway(settings_for(bootstrap, topics)) as gateway, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{gateway.port}"
        async with http.get(f"{base}/v1/stories?regions=eu") as answer:
            body = await answer.json()
            assert answer.status == 200 and [s["story_id"] for s in body["stories"]] == ["flash-1"]
        async with http.get(f"{base}/v1/stories") as answer:
            assert {s["story_id"] for s in (await answer.json())["stories"]} == {"flash-1", "calm"}
        async with http.get(f"{base}/v1/stories?levels=loud") as answer:
            problem = await answer.json(content_type=None)
            assert answer.status == 400 and "unknown level" in problem["detail"]
        async with http.get(f"{base}/v1/feed.atom") as answer:
            assert answer.headers["Content-Type"].startswith("application/atom+xml")
            feed = feedparser.parse(await answer.read())
            assert not feed.bozo and feed.version == "atom10"
            assert [entry.title for entry in feed.entries] == ["Headline of flash-1 r1"]
        for path, status in [("/healthz", 200), ("/readyz", 200), ("/nope", 404), ("/static/../../x", 404)]:
            async with http.get(base + path) as answer:
                assert answer.status == status, path
        async with http.get(f"{base}/metrics") as answer:
            text = await answer.text()
            for name in (
                "stoppress_push_connections",
                "stoppress_push_frames_sent_total",
                "stoppress_push_e2e_latency_seconds_bucket",
                "stoppress_push_resumes_total",
            ):
                assert name in text
        async with http.get(f"{base}/widget/ticker.js", headers={"Accept-Encoding": "gzip"}) as answer:
            assert answer.status == 200 and answer.headers["Content-Encoding"] == "gzip"
            assert answer.headers["Content-Type"].startswith("application/javascript")


async def test_ops_stream_sends_latest_per_instance_then_live(bootstrap: str, topics: Topics) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:

        def snapshot(instance: str, value: float) -> bytes:
            return encode(
                MetricsSnapshot(service="ingest", instance=instance, at=datetime.now(UTC), samples={"x": value})
            )

        await producer.send_and_wait(topics.ops, snapshot("i1", 1), key=b"i1")
        await producer.send_and_wait(topics.ops, snapshot("i1", 2), key=b"i1")
        async with running_gateway(settings_for(bootstrap, topics)) as gateway, aiohttp.ClientSession() as http:
            await asyncio.sleep(0.5)
            async with http.get(f"http://127.0.0.1:{gateway.port}/v1/ops/sse") as answer:
                await answer.content.readline()
                first = await _sse_events(answer, 1, skip_retry=True)
                assert first[0]["event"] == "metrics"
                assert orjson.loads(first[0]["data"])["samples"] == {"x": 2.0}
                await producer.send_and_wait(topics.ops, snapshot("i2", 7), key=b"i2")
                live = await _sse_events(answer, 1)
                data = orjson.loads(live[0]["data"])
                assert data["instance"] in {"i2", gateway.settings.instance}
    finally:
        await producer.stop()

"""``POST /v1/headlines`` on a real ingest process and the real broker: what is accepted lands, nothing else does."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiokafka import TopicPartition

from stoppress.cli.localkafka import LocalKafka
from stoppress.ingest.client import IngestClient
from stoppress.shared.codec import decode
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.models import MetricsSnapshot
from stoppress.shared.topics import OPS_METRICS
from tests.integration.ingest.conftest import (
    DISABLED_KEY,
    RELAY_KEY,
    SLOW_KEY,
    WIRE_KEY,
    RunningIngest,
    end_offsets,
    records_since,
)

NINJS = Path(__file__).parents[2] / "unit" / "ingest" / "fixtures" / "ninjs"


async def test_an_accepted_headline_is_in_headlines_raw_keyed_source_guid(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str
) -> None:
    start = await end_offsets(kafka.bootstrap)
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        answer = await client.post({"guid": f"{guid_prefix}1", "headline": "<b>Quake</b> hits &amp; shakes the coast",
                                    "urgency": 2, "url": "https://example.com/quake"})
    assert answer.status == 202, answer.body
    assert answer.body["id"] == f"wire:{guid_prefix}1"
    records = await records_since(kafka.bootstrap, start, guid_prefix)
    assert len(records) == 1
    key, headline = records[0]
    assert key == f"wire:{guid_prefix}1".encode()
    assert (headline.headline, headline.urgency, headline.source_name, headline.source_authority) == (
        "Quake hits & shakes the coast", 2, "The Wire", 0.9,
    )
    assert headline.received_at.isoformat() == answer.body["received_at"]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (b'{"headline": "Broken', "(body)", "json"),
        (b'{"urgency": 2}', "headline", "missing"),
        (b'{"headline": "Too urgent", "urgency": 12}', "urgency", "less_than_equal"),
        (b'{"headline": "Bad link", "url": "javascript:alert(1)"}', "url", "value_error"),
        (b'{"headline": "From the future", "first_created": "2099-01-01T00:00:00Z"}', "first_created",
         "not_in_future"),
        (b'{"headline": "x", "language": "Klingon!"}', "language", "value_error"),
    ],
)
async def test_invalid_input_is_422_naming_the_field_and_nothing_reaches_kafka(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str, *, body: bytes, field: str, rule: str
) -> None:
    start = await end_offsets(kafka.bootstrap)
    if body.startswith(b'{"headline": "Broken'):
        sent = body
    else:
        sent = json.dumps({**json.loads(body), "guid": f"{guid_prefix}bad"}).encode()
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        answer = await client.post_bytes(sent, "application/json")
        marker = await client.post({"guid": f"{guid_prefix}marker", "headline": "Marker"})
    assert answer.status == 422
    assert answer.body["status"] == 422
    assert answer.body["type"].startswith("urn:stoppress:problem:")
    assert {"field": field, "rule": rule} == {k: answer.body["errors"][0][k] for k in ("field", "rule")}
    assert (field if field != "(body)" else "not valid JSON") in answer.body["detail"]
    assert marker.status == 202
    ids = [headline.id for _, headline in await records_since(kafka.bootstrap, start, guid_prefix)]
    assert ids == [f"wire:{guid_prefix}marker"]


async def test_problems_are_problem_json(ingest: RunningIngest) -> None:
    async with aiohttp.ClientSession() as session, session.post(
        f"{ingest.url}/v1/headlines", data=b"{}", headers={"Authorization": f"Bearer {WIRE_KEY}",
                                                          "Content-Type": "application/json"}
    ) as response:
        assert response.status == 422
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("not-a-key", 401), (DISABLED_KEY, 403)])
async def test_keys_decide_who_may_publish(ingest: RunningIngest, key: str | None, status: int) -> None:
    async with IngestClient(ingest.url, key) as client:
        answer = await client.post({"headline": "Who am I?"})
    assert answer.status == status
    assert answer.body["status"] == status


async def test_a_source_cannot_publish_as_another(ingest: RunningIngest, guid_prefix: str) -> None:
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        answer = await client.post({"guid": f"{guid_prefix}x", "headline": "Impostor", "source": "aggregator"})
    assert answer.status == 403
    assert answer.body["errors"][0]["rule"] == "source_is_decided_by_key"


async def test_a_relay_publishes_for_outlets_without_keys(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str
) -> None:
    start = await end_offsets(kafka.bootstrap)
    async with IngestClient(ingest.url, RELAY_KEY) as client:
        answer = await client.post({"guid": f"{guid_prefix}r", "headline": "Local bridge closed",
                                    "source": "valley-news", "source_name": "Valley News"})
        impostor = await client.post({"guid": f"{guid_prefix}i", "headline": "x", "source": "wire"})
    assert answer.status == 202
    assert impostor.status == 403
    [(key, headline)] = await records_since(kafka.bootstrap, start, guid_prefix)
    assert key == f"valley-news:{guid_prefix}r".encode()
    assert (headline.source, headline.source_name, headline.source_authority) == ("valley-news", "Valley News", 0.4)


async def test_wrong_content_type_is_415(ingest: RunningIngest) -> None:
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        for content_type in ("text/plain", None, "application/json; charset=latin-1"):
            answer = await client.post_bytes(b'{"headline": "x"}', content_type)
            assert answer.status == 415, content_type


async def test_oversized_bodies_and_batches_are_413(ingest: RunningIngest) -> None:
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        huge = await client.post({"headline": "x", "summary": "y" * (1024 * 1024)})
        many = await client.post([{"headline": f"item {i}"} for i in range(1001)])
    assert huge.status == 413
    assert many.status == 413
    assert "1000" in many.body["detail"]


async def test_too_many_requests_from_one_key_are_429_with_retry_after(ingest: RunningIngest) -> None:
    async with IngestClient(ingest.url, SLOW_KEY) as client:
        answers = [await client.post({"headline": f"burst {i}"}) for i in range(4)]
    statuses = [answer.status for answer in answers]
    assert statuses[:2] == [202, 202]
    assert 429 in statuses[2:]
    limited = answers[statuses.index(429)]
    assert limited.retry_after_s is not None
    assert limited.retry_after_s >= 1


async def test_a_batch_says_per_item_what_happened(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str
) -> None:
    start = await end_offsets(kafka.bootstrap)
    items = [
        {"guid": f"{guid_prefix}a", "headline": "First"},
        {"guid": f"{guid_prefix}b", "headline": "Second", "urgency": 12},
        {"guid": f"{guid_prefix}c", "headline": "Third", "url": "data:text/html,x"},
        {"guid": f"{guid_prefix}d", "headline": "Fourth", "version": 2},
    ]
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        mixed = await client.post({"items": items})
        all_good = await client.post([{"guid": f"{guid_prefix}e", "headline": "Fifth"}])
        all_bad = await client.post([{"guid": f"{guid_prefix}f"}])
    assert mixed.status == 207
    assert (mixed.body["accepted"], mixed.body["refused"]) == (2, 2)
    assert [item["status"] for item in mixed.body["items"]] == [202, 422, 422, 202]
    assert mixed.body["items"][1]["problem"]["errors"][0]["field"] == "urgency"
    assert mixed.body["items"][2]["problem"]["errors"][0]["field"] == "url"
    assert all_good.status == 202
    assert all_bad.status == 422
    assert all_bad.body["items"][0]["problem"]["errors"][0]["field"] == "headline"
    landed = sorted(h.guid.removeprefix(guid_prefix) + f"@{h.version}"
                    for _, h in await records_since(kafka.bootstrap, start, guid_prefix))
    assert landed == ["a@1", "d@2", "e@1"]


@pytest.mark.parametrize("fixture", ["ninjs-1.4.json", "ninjs-2.0.json", "ninjs-3.0.json"])
async def test_ninjs_items_are_mapped(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str, fixture: str
) -> None:
    item = json.loads((NINJS / fixture).read_text())
    item["uri"] = guid_prefix + item["uri"]
    start = await end_offsets(kafka.bootstrap)
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        answer = await client.post(item, ninjs=True)
    assert answer.status == 202, answer.body
    [(_, headline)] = await records_since(kafka.bootstrap, start, guid_prefix)
    assert headline.guid == item["uri"]
    assert headline.version == int(item["version"])
    assert headline.headline


async def test_openapi_health_readiness_and_metrics(kafka: LocalKafka, ingest: RunningIngest) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{ingest.url}/v1/openapi.json") as response:
            document = await response.json()
        assert document["openapi"] == "3.1.0"
        assert "/v1/headlines" in document["paths"]
        for path in ("/healthz", "/readyz"):
            async with session.get(f"{ingest.url}{path}") as response:
                assert response.status == 200
        async with session.get(f"{ingest.url}/metrics") as response:
            text = await response.text()
    assert 'stoppress_ingest_accepted_total{channel="http"}' in text
    assert "stoppress_ingest_accept_latency_seconds_bucket" in text
    assert await _ingest_snapshot(kafka.bootstrap) is not None


async def _ingest_snapshot(bootstrap: str) -> MetricsSnapshot | None:
    """A recent ``ops.metrics`` snapshot from an ingest instance (they come every second here)."""
    consumer = group_free_consumer(bootstrap, "ingest-test-metrics")
    await consumer.start()
    try:
        tp = TopicPartition(OPS_METRICS, 0)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, max(0, end - 200))
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(tp, timeout_ms=500)).values():
                for record in records:
                    snapshot = decode(record.value, MetricsSnapshot)
                    if snapshot.service == "ingest" and (datetime.now(UTC) - snapshot.at).total_seconds() < 30:
                        return snapshot
    finally:
        await consumer.stop()
    return None


async def test_a_wire_batch_of_every_news_type_lands_and_an_event_is_refused_saying_why(
    kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str
) -> None:
    def item(name: str, kind: str, **fields: object) -> dict[str, object]:
        return {"uri": f"{guid_prefix}{name}", "type": kind, "versioncreated": "2026-01-05T10:00:00Z", **fields}

    first = {"version": "0", "headlines": [{"role": "main", "value": "Storm closes the port"}]}
    batch = [
        item("audio", "audio", **first, descriptions=[{"role": "caption", "value": "Harbour master speaks."}]),
        item("picture", "picture", **first, located="PORT TOWN"),
        item("video", "video", **first, subjects=[{"uri": "http://cv.iptc.org/newscodes/mediatopic/06000000"}]),
        item("text", "text", version="1", headline_simple="Ferries cancelled for a second day", body_text="Long."),
        item("package", "composite", version="2", associations={"main": item("inner", "text", headline="Inner")}),
        {**item("three", "text", version="0", headlines=[{"value": "Port reopens"}]), "embargoedUntil": None,
         "standard": {"name": "ninjs", "version": "3.3"}, "bodies": [{"value": "<p>Ships <b>return</b>.</p>"}]},
        item("event", "event", title="Port authority press conference"),
    ]
    start = await end_offsets(kafka.bootstrap)
    async with IngestClient(ingest.url, WIRE_KEY) as client:
        answer = await client.post({"format": "ninjs", "items": batch})
    assert answer.status == 207, answer.body
    statuses = [entry["status"] for entry in answer.body["items"]]
    assert statuses == [202] * 6 + [422]
    refusal = answer.body["items"][6]["problem"]["errors"][0]
    assert (refusal["field"], refusal["rule"]) == ("type", "not_a_news_item")
    landed = {h.guid.removeprefix(guid_prefix): h for _, h in await records_since(kafka.bootstrap, start, guid_prefix)}
    assert sorted(landed) == ["audio", "package", "picture", "text", "three", "video"]
    assert [landed[name].version for name in ("audio", "picture", "video", "three")] == [0, 0, 0, 0]
    assert landed["video"].subjects == ["medtop:06000000"]
    assert landed["three"].summary == "Ships return."
    assert landed["package"].headline == "Inner"

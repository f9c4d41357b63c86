"""Where the time goes, hop by hop: the Kafka records each measured round left behind, read after the run.

Each producer stamps a record with its create time as it sends it (ms
resolution, the machine's wall clock, like the driver's and the readers'
``time.time()``). After the run this reads, from the moment the rounds began,

- ``desk.commands`` (the desk service sent the editor's command) and
  ``headlines.raw`` (ingest sent the headline): *entered*;
- the ticker's internal desk topic (the ticker's ``commands`` or ``intake``
  agent forwarded it to the partition of the story's desk): *forwarded*;
- ``ticker.events`` (the desk agent sent the event; its ``processed_at`` is
  the decision): *decided* and *published*;
- ``desk.outcomes`` (the ticker sent the command's outcome, after the broker
  acknowledged the event): *outcome*;

so that with the driver's own moments (request sent, answered) and the
readers' (first and last receipt) every stage of both paths has a duration.
Nothing in the services is changed or slowed down to get these figures.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from stoppress.shared.topics import DESK_COMMANDS, DESK_OUTCOMES, HEADLINES_RAW, TICKER_EVENTS
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.topics import TICK_KEY, desk_topic_name

DESK = desk_topic_name(TickerSettings())
READ_TIMEOUT_S = 60.0


def item_key(item_id: str, version: int) -> str:
    """How a headline version is named in :func:`record_moments`' answer."""
    return f"item:{item_id}@{version}"


def command_key(command_id: str) -> str:
    return f"command:{command_id}"


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


async def record_moments(bootstrap: str, since: float, keys: set[str]) -> dict[str, dict[str, float]]:
    """For each of ``keys`` (:func:`item_key`, :func:`command_key`, :func:`event_key`): the moments (s) its
    records were created on each topic, read from ``since`` (``time.time()``) on."""
    moments: dict[str, dict[str, float]] = {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            partitions = await _partitions(
                bootstrap, (HEADLINES_RAW, DESK_COMMANDS, DESK, TICKER_EVENTS, DESK_OUTCOMES)
            )
            consumer.assign(partitions)
            starts = await consumer.offsets_for_times({tp: int(since * 1000) for tp in partitions})
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                start = starts.get(tp)
                consumer.seek(tp, start.offset if start is not None else ends[tp])
            left = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
            while left:
                batches = await consumer.getmany(*left, timeout_ms=1000)
                for tp, records in batches.items():
                    for record in records:
                        _note(tp.topic, record, keys, moments)
                    if records and records[-1].offset + 1 >= ends[tp]:
                        left.discard(tp)
    finally:
        await consumer.stop()
    return moments


async def _partitions(bootstrap: str, topics: tuple[str, ...]) -> list[TopicPartition]:
    """Every partition of ``topics`` (from the broker's description of them)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-desk-hops")
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [TopicPartition(topic["topic"], p["partition"]) for topic in described for p in topic["partitions"]]


def _note(
    topic: str, record: ConsumerRecord[bytes, bytes], keys: set[str], moments: dict[str, dict[str, float]]
) -> None:
    key, value, at = record.key, record.value, record.timestamp / 1000
    if value is None or key == TICK_KEY:
        return
    if topic == DESK_OUTCOMES:
        name = command_key((key or b"").decode(errors="replace"))
        if name in keys:
            moments.setdefault(name, {})["outcome"] = at
        return
    try:
        document = orjson.loads(value)
    except orjson.JSONDecodeError:
        return
    if topic == DESK and isinstance(document, list):  # a bundle of headlines (stoppress.ticker.bundles)
        for headline in document:
            _note_document(topic, headline, at, keys, moments)
    else:
        _note_document(topic, document, at, keys, moments)


def _note_document(
    topic: str, document: object, at: float, keys: set[str], moments: dict[str, dict[str, float]]
) -> None:
    if not isinstance(document, dict):
        return
    if topic == TICKER_EVENTS:
        name = event_key(str(document.get("event_id")))
        if name in keys:
            seen = moments.setdefault(name, {})
            seen["published"] = at
            seen["decided"] = datetime.fromisoformat(document["processed_at"]).timestamp()
        return
    if "command_id" in document:
        name = command_key(str(document["command_id"]))
    else:
        name = item_key(str(document.get("id")), int(document.get("version", 1)))
    if name in keys:
        moments.setdefault(name, {})["forwarded" if topic == DESK else "entered"] = at

"""Reading and writing the test's own topics on the real broker, as the services would.

Writes go through :func:`stoppress.shared.kafka.durable_producer` (acks=all,
idempotent), reads through a group-free consumer from the beginning, so a test
sees exactly what is in the log, including duplicates.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from stoppress.cli.localkafka import LocalKafka
from stoppress.shared.codec import decode
from stoppress.shared.kafka import durable_producer, group_free_consumer
from stoppress.shared.models import TickerEvent
from stoppress.shared.topics import HEADLINES_DLQ, HEADLINES_RAW, OPS_METRICS, TICKER_EVENTS, TICKER_STORIES, TOPICS
from tests.faults.fleet import PrivateTopics

Record: TypeAlias = ConsumerRecord[bytes, bytes]


async def create_topics(bootstrap: str, topics: PrivateTopics, *, raw_partitions: int | None = None) -> None:
    """Create ``topics`` with the specs of the real ones (DESIGN.md); ``raw_partitions`` overrides headlines.raw's."""
    by_name = {spec.name: spec for spec in TOPICS}
    renamed = {
        HEADLINES_RAW: topics.raw,
        TICKER_EVENTS: topics.events,
        TICKER_STORIES: topics.stories,
        HEADLINES_DLQ: topics.dlq,
        OPS_METRICS: topics.ops,
    }
    specs = []
    for real, private in renamed.items():
        spec = dataclasses.replace(by_name[real], name=private)
        if real == HEADLINES_RAW and raw_partitions is not None:
            spec = dataclasses.replace(spec, partitions=raw_partitions)
        specs.append(spec)
    await asyncio.to_thread(LocalKafka.create_topics_on, bootstrap, specs)


async def produce(
    bootstrap: str,
    topic: str,
    records: Iterable[tuple[bytes | None, bytes | None]],
    *,
    pause_s: float = 0.0,
) -> list[int]:
    """Write ``(key, value)`` records in order, each acknowledged before the next; return their offsets.

    ``pause_s`` spaces them out in time (s), so they *stream* in rather than arrive as one batch.
    """
    producer = durable_producer(bootstrap, "fault-tests", request_timeout_ms=15000)
    await producer.start()
    offsets = []
    try:
        for key, value in records:
            metadata = await producer.send_and_wait(topic, value, key=key)
            offsets.append(metadata.offset)
            if pause_s:
                await asyncio.sleep(pause_s)
    finally:
        await producer.stop()
    return offsets


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[Sequence[Record]], bool] = lambda records: True,
    quiet_s: float = 1.0,
    timeout_s: float = 60.0,
    strict: bool = True,
) -> list[Record]:
    """Every record of ``topic`` (all partitions) from the start, once ``until`` holds and ``quiet_s`` passed
    without a new record; if ``until`` does not hold within ``timeout_s``, raises ``AssertionError`` (or, not
    ``strict``, returns what is there)."""
    consumer = group_free_consumer(bootstrap, "fault-tests-reader")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(await partition_count(bootstrap, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Record] = []
        deadline = time.monotonic() + timeout_s
        last_new = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
            if batch:
                last_new = time.monotonic()
            satisfied = until(records)
            if satisfied and time.monotonic() - last_new >= quiet_s:
                return records
            if not satisfied and time.monotonic() > deadline:
                if not strict:
                    return records
                raise AssertionError(f"{topic}: condition not met within {timeout_s:.0f} s ({len(records)} records)")
    finally:
        await consumer.stop()


async def partition_count(bootstrap: str, topic: str) -> int:
    """How many partitions ``topic`` has (it must exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    count = len(described["partitions"])
    if not count:
        raise AssertionError(f"topic {topic} does not exist")
    return count


def ticker_events(records: Iterable[Record]) -> list[TickerEvent]:
    """The ``TickerEvent`` of each record of a ``ticker.events`` topic, in log order."""
    return [decode(record.value, TickerEvent) for record in records]


def headers(record: Record) -> dict[str, str]:
    """A record's Kafka headers as text."""
    return {name: value.decode(errors="replace") for name, value in record.headers}

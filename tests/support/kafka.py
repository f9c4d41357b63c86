"""Reading and writing a test's own topics on the real broker, as the services would.

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
from stoppress.shared.topics import (
    DESK_COMMANDS,
    DESK_OUTCOMES,
    DESK_STORIES,
    HEADLINES_DLQ,
    HEADLINES_RAW,
    OPS_METRICS,
    TICKER_EVENTS,
    TICKER_STORIES,
    TOPICS,
)

Record: TypeAlias = ConsumerRecord[bytes, bytes]


@dataclasses.dataclass(frozen=True)
class PrivateTopics:
    """One test's own copies of the Stop Press topics, so it meets no other test's records or consumers."""

    tag: str

    @property
    def raw(self) -> str:
        return f"{self.tag}.headlines.raw"

    @property
    def events(self) -> str:
        return f"{self.tag}.ticker.events"

    @property
    def stories(self) -> str:
        return f"{self.tag}.ticker.stories"

    @property
    def dlq(self) -> str:
        return f"{self.tag}.headlines.dlq"

    @property
    def ops(self) -> str:
        return f"{self.tag}.ops.metrics"

    @property
    def commands(self) -> str:
        return f"{self.tag}.desk.commands"

    @property
    def outcomes(self) -> str:
        return f"{self.tag}.desk.outcomes"

    @property
    def desk_stories(self) -> str:
        return f"{self.tag}.desk.stories"

    def ticker_env(self, *, read_shared_raw: bool = False) -> dict[str, str]:
        """The ticker settings naming these topics (``read_shared_raw``: consume the real ``headlines.raw``)."""
        env = {
            "STOPPRESS_TICKER_EVENTS_TOPIC": self.events,
            "STOPPRESS_TICKER_STORIES_TOPIC": self.stories,
            "STOPPRESS_TICKER_DLQ_TOPIC": self.dlq,
            "STOPPRESS_TICKER_COMMANDS_TOPIC": self.commands,
            "STOPPRESS_TICKER_OUTCOMES_TOPIC": self.outcomes,
            "STOPPRESS_TICKER_DESK_STORIES_TOPIC": self.desk_stories,
        }
        if not read_shared_raw:
            env["STOPPRESS_TICKER_HEADLINES_TOPIC"] = self.raw
        return env

    def desk_env(self) -> dict[str, str]:
        """The desk service settings naming these topics."""
        return {
            "STOPPRESS_DESK_COMMANDS_TOPIC": self.commands,
            "STOPPRESS_DESK_OUTCOMES_TOPIC": self.outcomes,
            "STOPPRESS_DESK_STORIES_TOPIC": self.desk_stories,
        }

    def push_env(self) -> dict[str, str]:
        """The gateway settings naming these topics."""
        return {
            "STOPPRESS_PUSH_EVENTS_TOPIC": self.events,
            "STOPPRESS_PUSH_STORIES_TOPIC": self.stories,
            "STOPPRESS_PUSH_OPS_TOPIC": self.ops,
        }


async def create_topics(bootstrap: str, topics: PrivateTopics, *, raw_partitions: int | None = None) -> None:
    """Create ``topics`` with the specs of the real ones (DESIGN.md); ``raw_partitions`` overrides headlines.raw's."""
    by_name = {spec.name: spec for spec in TOPICS}
    renamed = {
        HEADLINES_RAW: topics.raw,
        TICKER_EVENTS: topics.events,
        TICKER_STORIES: topics.stories,
        HEADLINES_DLQ: topics.dlq,
        OPS_METRICS: topics.ops,
        DESK_COMMANDS: topics.commands,
        DESK_OUTCOMES: topics.outcomes,
        DESK_STORIES: topics.desk_stories,
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
    """Write ``(key, value)`` records in order and wait for the broker's acks; return their offsets.

    ``pause_s`` spaces them out in time (s), each acknowledged before the next, so they *stream* in rather than
    arrive as one batch; without it they are sent back to back.
    """
    producer = durable_producer(bootstrap, "stoppress-tests", request_timeout_ms=15000)
    await producer.start()
    try:
        sent = []
        for key, value in records:
            sent.append(await producer.send(topic, value, key=key))
            if pause_s:
                await sent[-1]
                await asyncio.sleep(pause_s)
        return [metadata.offset for metadata in await asyncio.gather(*sent)]
    finally:
        await producer.stop()


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
    consumer = group_free_consumer(bootstrap, "stoppress-tests-reader")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(await partition_count(bootstrap, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Record] = []
        deadline = time.monotonic() + timeout_s
        last_new = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=100)
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

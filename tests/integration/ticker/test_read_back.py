"""Reading back from the real broker: which events ``ticker.events`` holds (before re-publishing), the records of an
input partition the stream skipped, and where each partition starts again after a rebalance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.topics import create_topics
from stoppress.shared.codec import encode
from stoppress.shared.topics import TopicSpec
from stoppress.ticker.desk import DeskTables
from stoppress.ticker.gaps import GapReader
from stoppress.ticker.group import GroupOffsets
from stoppress.ticker.published import EventLog
from tests.support.kafka import produce
from tests.unit.ticker.builders import VOLCANO, at, headline
from tests.unit.ticker.test_desk import new_desk


async def events_topic(kafka: LocalKafka) -> str:
    """A private, empty, one-partition copy of ``ticker.events``."""
    topic = f"published-{uuid.uuid4().hex[:8]}.ticker.events"
    await create_topics(kafka.bootstrap, [TopicSpec(topic, 1)])
    return topic


async def test_ids_written_since_a_time_are_read_back_and_older_ones_are_not(kafka: LocalKafka) -> None:
    topic = await events_topic(kafka)
    desk = new_desk(DeskTables({}, {}, {}))
    [quake] = desk.handle(headline(guid="1"), at(0))
    [volcano] = desk.handle(headline(guid="2", text=VOLCANO), at(1))
    await produce(kafka.bootstrap, topic, [(b"k", encode(quake)), (b"k", b"not an event"), (b"k", None)])
    written = datetime.now(UTC)
    await produce(kafka.bootstrap, topic, [(b"k", encode(volcano))])
    log = EventLog(kafka.bootstrap, topic, "published-test")

    assert await log.ids_since(written - timedelta(minutes=1)) == {quake.event_id, volcano.event_id}
    assert await log.ids_since(datetime.now(UTC) + timedelta(minutes=1)) == set()


async def test_an_empty_topic_holds_nothing(kafka: LocalKafka) -> None:
    log = EventLog(kafka.bootstrap, await events_topic(kafka), "published-test")
    assert await log.ids_since(datetime.now(UTC) - timedelta(hours=1)) == set()


async def test_a_range_of_skipped_records_is_read_in_order(kafka: LocalKafka) -> None:
    topic = await events_topic(kafka)
    await produce(kafka.bootstrap, topic, [(f"k{n}".encode(), f"v{n}".encode()) for n in range(6)])
    records = await GapReader(kafka.bootstrap, "gaps-test").read(topic, 0, 2, 5)
    assert [(r.offset, r.key, r.value) for r in records] == [(2, b"k2", b"v2"), (3, b"k3", b"v3"), (4, b"k4", b"v4")]


async def test_a_partition_starts_again_at_its_committed_offset_or_else_at_the_log_start(kafka: LocalKafka) -> None:
    topic = f"group-{uuid.uuid4().hex[:8]}.desk"
    await create_topics(kafka.bootstrap, [TopicSpec(topic, 2)])
    await produce(kafka.bootstrap, topic, [(b"k", b"v")] * 4)
    group = f"group-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(3, "")})
    finally:
        await consumer.stop()

    starts = await GroupOffsets(kafka.bootstrap, group, "group-test").starts([(topic, 0), (topic, 1)])
    assert starts == {(topic, 0): 3, (topic, 1): 0}
    assert await GroupOffsets(kafka.bootstrap, group, "group-test").starts([]) == {}

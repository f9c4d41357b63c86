"""The Kafka edge: one group-free consumer reading ``ticker.events``, ``ticker.stories`` and ``ops.metrics``.

Every replica reads every partition itself (no consumer group, so replicas
never rebalance against each other). At start it reads ``ticker.stories``
from the beginning and the last ``ring_size`` events, up to the end offsets
seen at start; only then is the gateway ready (``/readyz``). After that each
record is applied as it comes: events go to the ring, the snapshot state and
the hub, in that order and without awaiting in between, so a snapshot's cursor
always matches its content.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from stoppress.push.hub import Hub
from stoppress.push.instruments import Instruments
from stoppress.push.opsboard import OpsBoard
from stoppress.push.repeats import Revisions
from stoppress.push.ring import (
    UNKNOWN_PREVIOUS,
    EventRing,
    RingEntry,
    StoryFields,
    brings_headline,
    entry_for,
    story_fields,
)
from stoppress.push.settings import PushSettings
from stoppress.push.stories import REMOVING_EVENTS, StoryState
from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.models import StoryView, TickerEvent

log = logging.getLogger(__name__)

OPS_HISTORY_MS = 60_000
LOG_BOUNDS_REFRESH_S = 5.0


class Feeds:
    """Keeps the ring, the snapshot state and the ops board up to date from Kafka."""

    def __init__(
        self,
        *,
        settings: PushSettings,
        ring: EventRing,
        state: StoryState,
        hub: Hub,
        ops: OpsBoard,
        instruments: Instruments,
    ) -> None:
        self._settings = settings
        self._ring = ring
        self._state = state
        self._hub = hub
        self._ops = ops
        self._instruments = instruments
        self._consumer: AIOKafkaConsumer = group_free_consumer(settings.kafka_bootstrap, f"{settings.instance}-feed")
        self._events = TopicPartition(settings.events_topic, 0)
        self._stories = TopicPartition(settings.stories_topic, 0)
        self._ops_partition = TopicPartition(settings.ops_topic, 0)
        self._targets: dict[TopicPartition, int] = {}
        self._last_fields: dict[str, StoryFields] = {}
        self._last_ingested: dict[str, datetime] = {}
        """``ingested_at`` of each live story's newest event here (see :func:`brings_headline`)."""
        self._revisions = Revisions()
        self._advanced = asyncio.Condition()
        self.ready = asyncio.Event()
        self.log_start = 0
        """Earliest offset Kafka still has in ``ticker.events`` (refreshed every few seconds)."""
        self.log_end = 0
        """Next offset to be written to ``ticker.events``, as last seen."""

    async def start(self) -> None:
        """Connect, take the partitions and seek to where loading starts."""
        consumer = self._consumer
        await consumer.start()
        partitions = [self._events, self._stories]
        if consumer.partitions_for_topic(self._settings.ops_topic) or await self._topic_exists(
            self._settings.ops_topic
        ):
            partitions.append(self._ops_partition)
        consumer.assign(partitions)
        await self._refresh_bounds()
        ends = await consumer.end_offsets([self._events, self._stories])
        self._targets = {tp: offset for tp, offset in ends.items() if offset > 0}
        consumer.seek(self._events, max(self.log_start, ends[self._events] - self._settings.ring_size))
        await consumer.seek_to_beginning(self._stories)
        if self._ops_partition in partitions:
            since = int(time.time() * 1000) - OPS_HISTORY_MS
            found = await consumer.offsets_for_times({self._ops_partition: since})
            position = found.get(self._ops_partition)
            if position is None:
                await consumer.seek_to_end(self._ops_partition)
            else:
                consumer.seek(self._ops_partition, position.offset)
        await self._check_loaded()

    async def _topic_exists(self, topic: str) -> bool:
        topics = await self._consumer.topics()
        return topic in topics

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()

    async def run(self) -> None:
        """Read and apply records until cancelled (and keep the log bounds fresh alongside)."""
        async with asyncio.TaskGroup() as tasks:  # either failing stops both: the gateway then exits non-zero
            tasks.create_task(self._keep_bounds_fresh(), name="log-bounds")
            await self._read_forever()

    async def _read_forever(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=2000)
            for partition, records in batches.items():
                if partition == self._events:
                    entries = [entry for record in records if (entry := self._on_event(record)) is not None]
                    if entries and self.ready.is_set():
                        self._hub.publish(entries)
                elif partition == self._stories:
                    for record in records:
                        self._on_story(record)
                else:
                    for record in records:
                        self._ops.on_record(record.value)
            if batches.get(self._events):
                async with self._advanced:
                    self._advanced.notify_all()
            if not self.ready.is_set():
                await self._check_loaded()

    async def _keep_bounds_fresh(self) -> None:
        """Refresh :attr:`log_start` / :attr:`log_end` every few seconds, in a task of its own.

        Not in the read loop: the two offset requests take a broker round trip
        each, and an event arriving meanwhile would wait for them.
        """
        while True:
            await asyncio.sleep(LOG_BOUNDS_REFRESH_S)
            try:
                await self._refresh_bounds()
            except KafkaError as exc:  # broker outage: keep reading; the bounds are refreshed next time
                log.warning("log bounds not refreshed: %s", exc)

    async def _check_loaded(self) -> None:
        for partition, target in list(self._targets.items()):
            if await self._consumer.position(partition) >= target:
                del self._targets[partition]
        if not self._targets and not self.ready.is_set():
            self.ready.set()
            self._instruments.ready.set(1)
            log.info("snapshot state loaded", extra={"stories": len(self._state), "events": len(self._ring)})

    async def _refresh_bounds(self) -> None:
        consumer = self._consumer
        starts = await consumer.beginning_offsets([self._events])
        ends = await consumer.end_offsets([self._events])
        self.log_start, self.log_end = starts[self._events], ends[self._events]

    async def wait_for_offset(self, offset: int, timeout_s: float) -> bool:
        """Wait until the ring has reached ``offset``; return whether it did within ``timeout_s``."""

        def reached() -> bool:
            last = self._ring.last
            return last is not None and last.offset >= offset

        try:
            async with asyncio.timeout(timeout_s), self._advanced:
                await self._advanced.wait_for(reached)
        except TimeoutError:
            return reached()
        return True

    def _on_event(self, record: ConsumerRecord[bytes, bytes]) -> RingEntry | None:
        """Apply one event record to the ring and the state; return its entry for fan-out."""
        try:
            event = decode(record.value, TickerEvent)
        except DecodeError as exc:
            self._instruments.bad_records.labels(self._settings.events_topic).inc()
            log.warning("skipping undecodable ticker event", extra={"offset": record.offset, "reason": exc.reason})
            return None
        last = self._ring.last
        if last is not None and record.offset <= last.offset:
            log.warning("ticker.events went back in offsets: topic recreated; forgetting the ring")
            self._ring.clear()
            self._last_fields.clear()
            self._last_ingested.clear()
            self._revisions.clear()
        story_id = event.story.story_id
        if self._revisions.is_repeat(story_id, event.story.revision):
            self._instruments.repeated_events.inc()
            log.info("dropping a repeated event", extra={"event_id": event.event_id, "offset": record.offset})
            return None
        previous = self._last_fields.get(story_id)
        if previous is None and event.type != "story.new" and (
            not self.ready.is_set() or self._state.get(story_id) is not None
        ):
            previous = UNKNOWN_PREVIOUS
        fresh = brings_headline(event, self._last_ingested.get(story_id))
        if event.type in REMOVING_EVENTS:
            self._last_fields.pop(story_id, None)
            self._last_ingested.pop(story_id, None)
        else:
            self._last_fields[story_id] = story_fields(event.story)
            self._last_ingested[story_id] = event.ingested_at
        entry = entry_for(record.offset, record.timestamp, event, previous, fresh=fresh)
        self._ring.append(entry)
        self._state.apply_event(event)
        self._instruments.events.inc()
        self._instruments.stories.set(len(self._state))
        self.log_end = max(self.log_end, record.offset + 1)
        return entry

    def _on_story(self, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is None:
            if record.key is not None:
                self._state.apply_tombstone(record.key.decode(errors="replace"))
            return
        try:
            view = decode(record.value, StoryView)
        except DecodeError as exc:
            self._instruments.bad_records.labels(self._settings.stories_topic).inc()
            log.warning("skipping undecodable story", extra={"offset": record.offset, "reason": exc.reason})
            return
        self._state.apply_view(view)
        self._instruments.stories.set(len(self._state))

"""Reading old events back from Kafka, for cursors older than the in-memory ring.

One group-free consumer, used by one resume at a time (a lock), seeks to the
cursor's offset and reads forward. The record at the cursor's offset must
still be there and carry the cursor's fingerprint; otherwise the events after
the cursor are gone or belong to another incarnation of the topic, and the
client gets a fresh snapshot with ``recovered: false`` (:class:`HistoryGapError`).
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import ConsumerRecord, TopicPartition

from stoppress.push.refusals import PushError
from stoppress.push.repeats import Revisions
from stoppress.push.resume import DELETED, OTHER_INCARNATION
from stoppress.push.ring import UNKNOWN_PREVIOUS, RingEntry, StoryFields, entry_for, story_fields
from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.cursor import fingerprint
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.models import TickerEvent

log = logging.getLogger(__name__)

EMPTY_POLLS_BEFORE_GIVING_UP = 10


class HistoryGapError(PushError):
    """The events after a cursor cannot be read back; ``reason`` is shown to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class History:
    """Reads ranges of ``ticker.events`` back from Kafka."""

    def __init__(self, bootstrap: str, topic: str, client_id: str, max_records: int = 5000) -> None:
        self._consumer = group_free_consumer(bootstrap, client_id)
        self._partition = TopicPartition(topic, 0)
        self._max_records = max_records
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect and take the partition."""
        await self._consumer.start()
        self._consumer.assign([self._partition])

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()

    async def read(self, start: int, stop: int, verify: str | None) -> tuple[list[RingEntry], int]:
        """Events from ``start`` (inclusive) towards ``stop`` (exclusive), at most ``max_records``.

        Returns the entries and the offset to continue from. With ``verify``,
        the record at ``start`` must exist with that fingerprint and is not
        returned (the client already has it); without, no record may be
        missing before the first one returned. Raises :class:`HistoryGapError`
        when gap-free reading cannot be guaranteed.
        """
        async with self._lock:
            return await self._read_locked(start, stop, verify)

    async def _read_locked(self, start: int, stop: int, verify: str | None) -> tuple[list[RingEntry], int]:
        consumer, partition = self._consumer, self._partition
        consumer.seek(partition, start)
        entries: list[RingEntry] = []
        seen: dict[str, StoryFields] = {}
        revisions = Revisions()
        expected = start
        empty_polls = 0
        while expected < stop and len(entries) < self._max_records:
            batch = await consumer.getmany(partition, timeout_ms=500, max_records=self._max_records)
            records = [record for record in batch.get(partition, []) if record.offset < stop]
            if not records:
                if batch.get(partition):
                    expected = stop  # only records at or past stop: nothing (but markers) in between
                    break
                empty_polls += 1
                if empty_polls >= EMPTY_POLLS_BEFORE_GIVING_UP:
                    raise HistoryGapError(f"Kafka returned no events from offset {expected}; {DELETED}")
                continue
            if expected == start:
                await self._check_first(records[0], start, verify, seen, revisions)
            for record in records:
                if record.offset == start and verify is not None:
                    continue
                entry = self._entry(record.offset, record.timestamp, record.value, seen, revisions)
                if entry is not None:
                    entries.append(entry)
            expected = records[-1].offset + 1
        return entries, max(expected, start + (1 if verify is not None else 0))

    async def _check_first(
        self,
        record: ConsumerRecord[bytes, bytes],
        start: int,
        verify: str | None,
        seen: dict[str, StoryFields],
        revisions: Revisions,
    ) -> None:
        """The first record read must be the cursor's own (``verify``) or follow it with nothing deleted."""
        if verify is None:
            if record.offset > start:
                log_start = (await self._consumer.beginning_offsets([self._partition]))[self._partition]
                if log_start > start:
                    raise HistoryGapError(DELETED)
            return
        if record.offset != start or record.value is None:
            raise HistoryGapError(DELETED if record.offset != start else OTHER_INCARNATION)
        try:
            event = decode(record.value, TickerEvent)
        except DecodeError:
            raise HistoryGapError(OTHER_INCARNATION) from None
        if fingerprint(record.timestamp, event.event_id) != verify:
            raise HistoryGapError(OTHER_INCARNATION)
        seen[event.story.story_id] = story_fields(event.story)
        revisions.is_repeat(event.story.story_id, event.story.revision)

    @staticmethod
    def _entry(
        offset: int, timestamp: int, value: bytes | None, seen: dict[str, StoryFields], revisions: Revisions
    ) -> RingEntry | None:
        """The ring entry of one record; ``None`` for a record that does not decode or repeats an event."""
        try:
            event = decode(value, TickerEvent)
        except DecodeError as exc:
            log.warning("skipping undecodable ticker event", extra={"offset": offset, "reason": exc.reason})
            return None
        story_id = event.story.story_id
        if revisions.is_repeat(story_id, event.story.revision):
            return None
        previous = None if event.type == "story.new" else seen.get(story_id, UNKNOWN_PREVIOUS)
        seen[story_id] = story_fields(event.story)
        return entry_for(offset, timestamp, event, previous)

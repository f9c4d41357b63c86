"""What ``ticker.events`` already holds, read back before a desk re-publishes events after a takeover.

A worker that opens a desk partition replays its input from the last
committed offset; the tables may record events caused by the replayed
records (:meth:`stoppress.ticker.desk.Desk.unconfirmed`). If the previous
owner died between handing those events to its producer and committing, some
reached the broker and some may not have. Re-publishing all of them would
send readers the same event twice; re-publishing none could lose one. So the
worker reads the event ids written since the oldest of them and re-publishes
only the missing ones (:func:`not_yet_published`).

The read starts :data:`CLOCK_SKEW_S` before the oldest event's
``processed_at``, since the record's broker timestamp is taken a little
after it, possibly on another host's clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Set
from datetime import datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.models import TickerEvent
from stoppress.ticker.gaps import read_range

log = logging.getLogger(__name__)

CLOCK_SKEW_S = 60.0
"""How far before an event's ``processed_at`` its record may carry a broker timestamp (s)."""


def not_yet_published(events: Iterable[TickerEvent], present: Set[str]) -> list[TickerEvent]:
    """``events`` whose ids are not in ``present``, in their order."""
    return [event for event in events if event.event_id not in present]


def earliest_read_time(events: Iterable[TickerEvent]) -> datetime | None:
    """When to start reading ``ticker.events`` to find every one of ``events`` (``None``: nothing to find)."""
    times = [event.processed_at for event in events]
    return min(times) - timedelta(seconds=CLOCK_SKEW_S) if times else None


def event_id_of(value: bytes | None) -> str | None:
    """The ``event_id`` of one ``ticker.events`` value, without validating the rest (``None`` if it has none)."""
    if value is None:
        return None
    try:
        event_id = orjson.loads(value).get("event_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return event_id if isinstance(event_id, str) else None


class EventLog:
    """Reads the event ids of ``topic`` (one partition) written since a given time, with a short-lived consumer."""

    def __init__(self, bootstrap: str, topic: str, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._client_id = client_id

    async def ids_since(self, since: datetime) -> set[str]:
        """Every event id in records with a broker timestamp at ``since`` or later, up to the current end."""
        consumer = group_free_consumer(self._bootstrap, self._client_id)
        await consumer.start()
        try:
            return await self._read(consumer, since)
        finally:
            await consumer.stop()

    async def _read(self, consumer: AIOKafkaConsumer, since: datetime) -> set[str]:
        tp = TopicPartition(self._topic, 0)  # one partition (DESIGN.md): the readers' order is its order
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        found = (await consumer.offsets_for_times({tp: int(since.timestamp() * 1000)})).get(tp)
        if found is None or found.offset >= end:
            return set()
        records = await read_range(consumer, tp, found.offset, end)
        ids = {event_id for record in records if (event_id := event_id_of(record.value))}
        log.debug("read back published events", extra={"topic": self._topic, "ids": len(ids)})
        return ids

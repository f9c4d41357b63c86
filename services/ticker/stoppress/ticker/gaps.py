"""Reading part of an input partition directly: records the stream skipped (see :mod:`.continuity`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from stoppress.shared.kafka import group_free_consumer

log = logging.getLogger(__name__)
_T = TypeVar("_T")

RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0)
"""Waits between attempts to read skipped records back; the last repeats for as long as it takes."""


class GapReader:
    """Reads records ``[start, stop)`` of one partition with a short-lived group-free consumer."""

    def __init__(self, bootstrap: str, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id

    async def read(self, topic: str, partition: int, start: int, stop: int) -> list[ConsumerRecord[bytes, bytes]]:
        """The records at offsets ``start`` to ``stop - 1`` that still exist, in order."""
        consumer = group_free_consumer(self._bootstrap, self._client_id)
        await consumer.start()
        try:
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            return await read_range(consumer, tp, start, stop)
        finally:
            await consumer.stop()


async def read_range(
    consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, stop: int
) -> list[ConsumerRecord[bytes, bytes]]:
    """The records of ``tp`` (assigned to ``consumer``) at offsets ``start`` to ``stop - 1`` that still exist.

    Reading ends by the consumer's position, not by the last record seen, so
    it also ends past records a consumer never returns (transaction markers).
    """
    consumer.seek(tp, start)
    records: list[ConsumerRecord[bytes, bytes]] = []
    while await consumer.position(tp) < stop:
        batch = await consumer.getmany(tp, timeout_ms=1000)
        records += [record for record in batch.get(tp, []) if record.offset < stop]
    return records


async def read_while_owned(
    read: Callable[[], Awaitable[_T]], owned: Callable[[], bool], *, attempt_s: float,
    delays: Iterable[float] = RETRY_DELAYS_S, what: str = "skipped records",
) -> _T | None:
    """``read()``'s result, retried until it succeeds; ``None`` once ``owned()`` is false.

    Records the stream skipped must be handled before the record that revealed
    them, or they are lost: so while this worker still owns their partition (a
    broker outage, say) it keeps trying, each attempt bounded by ``attempt_s``.
    Once the partition has moved to another worker, that worker starts from
    the committed offset, which is not past them, and this one gives up.
    """
    waits = iter(delays)
    wait = 0.0
    while True:
        try:
            async with asyncio.timeout(attempt_s):
                return await read()
        except (KafkaError, OSError, TimeoutError) as exc:
            wait = next(waits, wait)
            if not owned():
                log.warning("%s not read (%r); the partition moved to another worker, which reads them", what, exc)
                return None
            log.warning("%s not read (%r); trying again in %.0f s", what, exc, wait)
        await asyncio.sleep(wait)

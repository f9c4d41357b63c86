"""Reading part of an input partition directly: records the stream skipped (see :mod:`.continuity`)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from stoppress.shared.kafka import group_free_consumer


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

"""Where each assigned partition's records must start again after a rebalance, read from the broker."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from stoppress.shared.kafka import group_free_consumer


class GroupOffsets:
    """The committed offsets of consumer group ``group`` on ``bootstrap``, and log starts where it has none."""

    def __init__(self, bootstrap: str, group: str, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._group = group
        self._client_id = client_id

    async def starts(self, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """(topic, partition) → the group's committed offset, or the log's first offset if it has none.

        The worker resets to the earliest offset (``consumer_auto_offset_reset``),
        so a partition the group never committed starts at the beginning of its
        log: a worker that dies within its first commit interval leaves exactly
        that behind.
        """
        wanted = [TopicPartition(topic, partition) for topic, partition in partitions]
        if not wanted:
            return {}
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(self._group, partitions=wanted)
        finally:
            await admin.close()
        starts = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
        never = [tp for tp in wanted if tp not in starts]
        if never:
            consumer = group_free_consumer(self._bootstrap, self._client_id)
            await consumer.start()
            try:
                starts |= await consumer.beginning_offsets(never)
            finally:
                await consumer.stop()
        return {(tp.topic, tp.partition): offset for tp, offset in starts.items()}

"""The worker group's committed offsets: where faust seeks each partition after a rebalance."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient


class GroupOffsets:
    """Reads the committed offsets of consumer group ``group`` on ``bootstrap``."""

    def __init__(self, bootstrap: str, group: str, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._group = group
        self._client_id = client_id

    async def committed(self) -> dict[tuple[str, int], int]:
        """(topic, partition) → committed offset, for every partition the group has committed."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self._group)
        finally:
            await admin.close()
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

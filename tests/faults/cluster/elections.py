"""What the cluster's metadata says about leaders, read as a client would (aiokafka's admin client)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from stoppress.cli.localcluster import LocalKafkaCluster

POLL_S = 0.25


async def _partitions(bootstrap: str, topics: Iterable[str] | None = None) -> list[dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await admin.start()
    try:
        described = await asyncio.wait_for(admin.describe_topics(list(topics) if topics else None), 10)
    finally:
        await admin.close()
    return [partition | {"topic": topic["topic"]} for topic in described for partition in topic["partitions"]]


def live_bootstrap(cluster: LocalKafkaCluster) -> str:
    """The running nodes' addresses (a client given a dead one first would only be slower to start)."""
    return ",".join(node.bootstrap for node in cluster.nodes if node.is_running)


async def leader_counts(cluster: LocalKafkaCluster, topics: Iterable[str]) -> Counter[int]:
    """How many partitions of ``topics`` each node leads."""
    return Counter(partition["leader"] for partition in await _partitions(live_bootstrap(cluster), topics))


async def wait_elected(cluster: LocalKafkaCluster, gone: Collection[int], timeout_s: float = 120.0) -> float:
    """Wait until every partition of every topic has a leader outside ``gone`` and no ISR holds a node of
    ``gone``: the moment writes can go on without them. Returns that moment (``time.monotonic()``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            partitions = await _partitions(live_bootstrap(cluster))
        except Exception:  # a node answering nothing mid-election: ask again
            partitions = []
        if partitions and all(p["leader"] >= 0 and p["leader"] not in gone and not set(p["isr"]) & set(gone)
                              for p in partitions):  # fmt: skip
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"no election without nodes {sorted(gone)} within {timeout_s:.0f} s")
        await asyncio.sleep(POLL_S)

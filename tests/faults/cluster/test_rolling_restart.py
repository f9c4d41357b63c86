"""A rolling restart of all three nodes under steady load, as for an upgrade: nobody notices.

One node at a time: SIGTERM (a controlled shutdown: the node hands its
leaderships over before it exits), wait for the election without it, start it
again, wait until every partition is back in sync and a little longer (every
client refreshes its list of brokers within 5 s), next node. The steady load
of :mod:`tests.faults.cluster.newsroom` runs throughout; the checks are those
of :func:`~tests.faults.cluster.steps.judge`, and the stall at each stop is
held to the same goal as a crash.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.stack import Stack
from stoppress.shared.kafka import METADATA_MAX_AGE_MS
from tests.faults.cluster.elections import wait_elected
from tests.faults.cluster.newsroom import Fault, Newsroom
from tests.faults.cluster.steps import STEADY_S, bring_back, judge

BETWEEN_NODES_S = METADATA_MAX_AGE_MS / 1000 + 1.0
"""After a node is back in sync, a little more than a metadata refresh: then every client knows it is back (s)."""


@pytest.mark.slow
async def test_a_rolling_restart_of_every_node(whole_cluster: LocalKafkaCluster, cluster_stack: Stack) -> None:
    cluster = whole_cluster
    faults: list[Fault] = []
    async with Newsroom(cluster_stack.config.ingest_url, cluster_stack.config.ws_url) as room:
        await asyncio.sleep(STEADY_S)
        for node in cluster.nodes:
            controller = cluster.active_controller()
            at = time.monotonic()
            await asyncio.to_thread(node.stop)
            stopped_at = time.monotonic()
            elected_at = await wait_elected(cluster, {node.node_id})
            what = f"SIGTERM node {node.node_id}" + (" (controller)" if node.node_id == controller else "")
            print(f"{what}: exited after {stopped_at - at:.1f} s, leaders elected after {elected_at - at:.1f} s")
            faults.append(Fault(what, at, elected_at))
            faults.append(await bring_back(cluster, node.node_id))
            await asyncio.sleep(BETWEEN_NODES_S)
        await room.finish()
    judge(room, faults)

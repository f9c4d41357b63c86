"""Two nodes of three down under steady load: writes are refused, not lost, and readers wait, connected.

With two of three nodes gone the controller quorum is lost and no partition
has the two in-sync copies (``min.insync.replicas``) a write needs, so
ingest must answer 503 with ``Retry-After`` and never 202: a headline held by
one copy only is never promised. The readers keep their connection and their
snapshot. When one node returns, the quorum and the second copy are back:
writes go on, and every headline answered 202 before, during or after reaches
every reader, once, in order. Then the last node returns and catches up.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.stack import Stack
from tests.faults.cluster.elections import wait_elected
from tests.faults.cluster.newsroom import ANSWER_GRACE_S, Fault, Newsroom
from tests.faults.cluster.steps import STEADY_S, bring_back, judge

DOWN_S = 12.0


@pytest.mark.slow
async def test_two_nodes_of_three_down_refuse_writes_and_lose_nothing(
    whole_cluster: LocalKafkaCluster, cluster_stack: Stack
) -> None:
    cluster = whole_cluster
    second = cluster.active_controller()
    assert second is not None, "no active controller known"
    first = min(node.node_id for node in cluster.nodes if node.node_id != second)
    async with Newsroom(cluster_stack.config.ingest_url, cluster_stack.config.ws_url) as room:
        await asyncio.sleep(STEADY_S)
        at = time.monotonic()
        await asyncio.to_thread(cluster.node(first).kill)
        await asyncio.to_thread(cluster.node(second).kill)
        await asyncio.sleep(DOWN_S)
        back_at = time.monotonic()
        await asyncio.to_thread(cluster.node(first).start)
        await asyncio.to_thread(cluster.node(first).wait_ready, 120)
        elected_at = await wait_elected(cluster, {second})
        print(f"nodes {first} and {second} (controller) killed; node {first} started again after {DOWN_S:g} s; "
              f"leaders elected without node {second} {elected_at - back_at:.1f} s after that")  # fmt: skip
        await asyncio.sleep(STEADY_S)
        last = await bring_back(cluster, second)
        await asyncio.sleep(STEADY_S)
        await room.finish()

    down = [answer for answer in room.answers if at + ANSWER_GRACE_S <= answer.sent_at <= back_at]
    print(f"while two nodes were down: {len(down)} posts, answers {sorted({a.status for a in down})}, "
          f"slowest {max(a.answered_at - a.sent_at for a in down):.1f} s")  # fmt: skip
    assert down and all(answer.status == 503 for answer in down), "nothing is accepted with one copy"
    judge(room, [Fault(f"kill -9 nodes {first} and {second}", at, elected_at), last], stall_goal_s=None)

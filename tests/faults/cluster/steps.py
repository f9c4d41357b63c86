"""The steps the cluster fault tests are made of: lose a node under load, bring it back, judge the run."""

from __future__ import annotations

import asyncio
import time

from stoppress.cli.localcluster import LocalKafkaCluster
from tests.faults.cluster.elections import wait_elected
from tests.faults.cluster.newsroom import Fault, Newsroom

STEADY_S = 5.0
"""Load before a fault, and after each step (s): 75 posts at the steady rate."""
STALL_GOAL_S = 10.0
"""The issue's goal for the longest delivery stall when one node of three is lost (s)."""


async def lose(room: Newsroom, cluster: LocalKafkaCluster, node_id: int, what: str) -> Fault:
    """After :data:`STEADY_S` of load, kill -9 a node and wait for the election without it; then more load."""
    await asyncio.sleep(STEADY_S)
    at = time.monotonic()
    await asyncio.to_thread(cluster.node(node_id).kill)
    elected_at = await wait_elected(cluster, {node_id})
    print(f"{what}: leaders elected without node {node_id} after {elected_at - at:.1f} s")
    await asyncio.sleep(STEADY_S)
    return Fault(what, at, elected_at)


async def bring_back(cluster: LocalKafkaCluster, node_id: int) -> Fault:
    """Start a node again and wait until every partition is in sync; the step, from when it was started."""
    node = cluster.node(node_id)
    at = time.monotonic()
    await asyncio.to_thread(node.start)
    await asyncio.to_thread(node.wait_ready, 120)
    await asyncio.to_thread(cluster.wait_in_sync, 120)
    print(f"node {node_id} back and in sync {time.monotonic() - at:.1f} s after it was started")
    return Fault(f"node {node_id} back", at)


def judge(room: Newsroom, faults: list[Fault], *, stall_goal_s: float | None = STALL_GOAL_S) -> None:
    """Print the run's figures; fail on any problem, or a stall at a fault with an election above the goal."""
    verdict = room.verdict(faults)
    print(verdict.summary())
    problems = verdict.problems()
    assert not problems, "; ".join(problems)
    if stall_goal_s is not None:
        worst = max(verdict.stalls_s[name] for name in verdict.window_s)
        assert worst <= stall_goal_s, f"a delivery stall of {worst:.1f} s (goal ≤ {stall_goal_s:g} s)"

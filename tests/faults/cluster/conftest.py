"""Fixtures of the cluster fault tests: one real three-node cluster and one stack on it, for this package.

Starting three JVMs and a stack costs half a minute, so the tests of this
package share them (package scope: both stop after its last test). Each test
gets them whole: :func:`whole_cluster` starts any node a previous test left
down and waits until every partition is back in sync, before and after the
test; and every service must still be the process it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.stack import Stack
from tests.conftest import private_stack_config
from tests.conftest_kafka import start_cluster

IN_SYNC_TIMEOUT_S = 120.0


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafkaCluster]:
    """Three nodes, each broker and controller, on free ports, with the Stop Press topics (factor 3, min ISR 2)."""
    running = start_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def cluster_stack(cluster: LocalKafkaCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """ingest, ticker and push on the cluster (all three nodes in their bootstrap list).

    The ticker publishes every change of a story at once (``update_interval_s`` 0) so that a story's second
    version reaches readers as an update within the test. The gateway lets the tests' readers, who all come
    from 127.0.0.1, connect at once (as readers behind one proxy would with ``trust_forwarded_for``).
    """
    stack = Stack(private_stack_config(cluster.bootstrap, tmp_path_factory.mktemp("cluster-stack")))
    prompt = {**stack.ticker.env, "STOPPRESS_TICKER_UPDATE_INTERVAL_S": "0"}
    stack.ticker = dataclasses.replace(stack.ticker, env=prompt)
    one_address = {f"STOPPRESS_PUSH_{limit}_PER_ADDRESS": "1000" for limit in ("CONNECT_RATE", "CONNECT_BURST",
                                                                                "MAX_CONNECTIONS")}  # fmt: skip
    stack.push = dataclasses.replace(stack.push, env={**stack.push.env, **one_address})
    stack.start(timeout_s=180)
    try:
        yield stack
    finally:
        stack.stop()


def _make_whole(cluster: LocalKafkaCluster) -> None:
    for node in cluster.nodes:
        if not node.is_running:
            node.kill()  # reap a node that died, so that it can start
            node.start()
    for node in cluster.nodes:
        node.wait_ready(IN_SYNC_TIMEOUT_S)
    cluster.wait_in_sync(IN_SYNC_TIMEOUT_S)


@pytest.fixture
def whole_cluster(cluster: LocalKafkaCluster, cluster_stack: Stack) -> Iterator[LocalKafkaCluster]:
    """The cluster with every node up and in sync, before the test and again after it; the stack unchanged."""
    pids = [service.proc.pid for service in cluster_stack.services if service.proc is not None]
    _make_whole(cluster)
    yield cluster
    _make_whole(cluster)
    assert [s.proc.pid for s in cluster_stack.services if s.proc is not None] == pids, "a service was restarted"
    assert all(service.returncode is None for service in cluster_stack.services), "a service died"

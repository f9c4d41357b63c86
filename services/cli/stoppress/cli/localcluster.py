"""A local Kafka cluster: N :class:`~stoppress.cli.localkafka.LocalKafka` nodes on loopback, from the same jars.

Every node is broker and KRaft controller at once (a three-node cluster is a
three-voter quorum, so it survives the loss of any one node). One class serves
``stoppress up --brokers N``, ``stoppress kafka --brokers N``, the benchmarks
and the test suite; a cluster of one is exactly the single node the launcher
always ran.

- **Ports.** Node *k* (1-based) listens for clients on ``port + 2(k-1)`` and
  for the controller quorum on ``controller_port + 2(k-1)``: by default
  9092/9093, 9094/9095, 9096/9097, so 9092 stays the first bootstrap port.
  Tests pass a free pair per node instead (``ports``).
- **Storage.** A single node keeps its state in ``data_dir`` itself, as
  before; node *k* of a cluster in ``data_dir/node-k``. Every node is
  formatted with the cluster's id: the one an existing node's storage holds,
  else a new one. So a node whose storage was lost (a dead disk) is formatted
  again with the same id when it starts and copies its partitions back from
  the others.
- **Replication** follows from the size (:func:`~stoppress.cli.localkafka.cluster_settings`,
  :mod:`stoppress.shared.replication`): factor 3 and ``min.insync.replicas`` 2
  on three or more nodes, 1/1 on one. Two nodes are refused: a two-voter
  quorum stops when either node does, so it would only look redundant.
- **Supervision** (:meth:`LocalKafkaCluster.tend`, called by the commands'
  watch loops): a node whose JVM exits by itself is reported with its exit
  code and log, and started again after a back-off (:class:`RestartBackoff`:
  1 s, doubling to 30 s; back to 1 s once a restart has run for a minute),
  like ``restart: unless-stopped`` in compose. The other nodes and the
  services carry on meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from aiokafka.admin import AIOKafkaAdminClient

from stoppress.cli.localkafka import (
    DEFAULT_CONTROLLER_PORT,
    DEFAULT_HEAP,
    DEFAULT_HOST,
    DEFAULT_PORT,
    READY_POLL_INTERVAL_S,
    LocalKafka,
    LocalKafkaError,
    new_cluster_id,
    run_blocking,
)
from stoppress.shared.topics import TOPICS, TopicSpec

QUORUM_STATE = Path("__cluster_metadata-0") / "quorum-state"
"""Where a KRaft voter records the quorum's leader (the active controller) and its epoch, under its log dirs."""

Say = Callable[[str], None]


def node_ports(brokers: int, port: int = DEFAULT_PORT, controller_port: int = DEFAULT_CONTROLLER_PORT) -> list[
    tuple[int, int]
]:
    """(client port, controller port) of each node: ``port + 2(k-1)`` and ``controller_port + 2(k-1)``."""
    pairs = [(port + 2 * k, controller_port + 2 * k) for k in range(brokers)]
    used = [number for pair in pairs for number in pair]
    if len(set(used)) != len(used):
        raise LocalKafkaError(
            f"with --port {port} and --controller-port {controller_port} the {brokers} nodes' ports overlap "
            f"({', '.join(map(str, used))}); choose ports whose difference is odd, e.g. 9092 and 9093"
        )
    return pairs


@dataclass
class RestartBackoff:
    """How long to wait before starting a node that died again (s): ``first_s``, doubling up to ``max_s``.

    A node that ran for ``stable_s`` or more before dying starts again after ``first_s``: it was a crash,
    not a crash loop. Pure: the caller says how long the node ran.
    """

    first_s: float = 1.0
    max_s: float = 30.0
    stable_s: float = 60.0
    _next_s: float = field(default=0.0, init=False)

    def after_death(self, ran_s: float) -> float:
        """The wait before the next start of a node that died after running ``ran_s`` seconds."""
        if ran_s >= self.stable_s or self._next_s == 0.0:
            self._next_s = self.first_s
        else:
            self._next_s = min(self.max_s, self._next_s * 2)
        return self._next_s


@dataclass
class _Watch:
    """What the supervisor knows of one node: when it last started, and when to start it again if it died."""

    started_at: float = 0.0
    restart_at: float | None = None
    backoff: RestartBackoff = field(default_factory=RestartBackoff)


class LocalKafkaCluster:
    """``brokers`` local nodes, each broker and controller, with one bootstrap list. Every method blocks."""

    def __init__(
        self,
        data_dir: Path,
        brokers: int = 1,
        *,
        host: str = DEFAULT_HOST,
        ports: Sequence[tuple[int, int]] | None = None,
        heap: str = DEFAULT_HEAP,
        topics: Sequence[TopicSpec] = TOPICS,
    ) -> None:
        """Describe the cluster; nothing is fetched, formatted or started yet.

        ``ports``: (client, controller) per node; default :func:`node_ports`. Raises
        :class:`LocalKafkaError` for two nodes, overlapping ports, or a ``data_dir`` laid out for
        another number of nodes.
        """
        if brokers < 1 or brokers == 2:
            raise LocalKafkaError(
                f"--brokers {brokers}: run 1 node, or 3 or more (a two-node KRaft quorum stops when either node does)"
            )
        pairs = list(ports) if ports is not None else node_ports(brokers)
        if len(pairs) != brokers:
            raise LocalKafkaError(f"{brokers} nodes need {brokers} port pairs, got {len(pairs)}")
        self.data_dir = data_dir.resolve()
        self.topics = tuple(topics)
        quorum = ",".join(f"{k + 1}@{host}:{controller}" for k, (_, controller) in enumerate(pairs))
        self.nodes: tuple[LocalKafka, ...] = tuple(
            LocalKafka(
                self._node_dir(k + 1, brokers),
                host=host,
                port=client,
                controller_port=controller,
                heap=heap,
                topics=topics,
                node_id=k + 1,
                quorum=quorum,
                brokers=brokers,
            )
            for k, (client, controller) in enumerate(pairs)
        )
        self._check_layout()
        cluster_id = self._stored_cluster_id() or new_cluster_id()
        for node in self.nodes:
            node.cluster_id = cluster_id
        self._watches = {node.node_id: _Watch() for node in self.nodes}

    @property
    def bootstrap(self) -> str:
        """Every node's ``host:port``, comma-separated, first node first: what clients are given."""
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def cluster_id(self) -> str:
        """The id every node's storage is formatted with."""
        return str(self.nodes[0].cluster_id)

    def node(self, node_id: int) -> LocalKafka:
        """The node with this id (1-based)."""
        return self.nodes[node_id - 1]

    def launch(self, ready_timeout_s: float = 120.0, say: Say | None = None) -> Self:
        """Start every node, wait until the cluster is whole, create the topics; stop everything on failure."""
        try:
            self.start()
            self.wait_ready(ready_timeout_s, say)
            self.create_topics()
        except BaseException:
            self.stop()
            raise
        return self

    def ensure_jars(self) -> Path:
        """Fetch the broker jars once (they are shared by every node)."""
        return self.nodes[0].ensure_jars()

    def start(self) -> None:
        """Start every node's JVM and return; new storage is formatted first, all nodes at once.

        The JVMs themselves are started from this thread, so that the kernel stops them if this process dies
        (:func:`stoppress.cli.processes.parent_death_signal_setter`).
        """
        self.ensure_jars()
        self._on_each(LocalKafka.format, [node for node in self.nodes if node.stored_cluster_id() is None])
        for node in self.nodes:
            node.start()
        now = time.monotonic()
        for watch in self._watches.values():
            watch.started_at, watch.restart_at = now, None

    def wait_ready(self, timeout_s: float = 120.0, say: Say | None = None) -> None:
        """Return once every node answers and the cluster lists all of them as brokers (``say``: progress)."""
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            node.wait_ready(max(1.0, deadline - time.monotonic()))
            if say is not None and len(self.nodes) > 1:
                say(f"node {node.node_id} of {len(self.nodes)} ready on {node.bootstrap}")
        while (listed := len(self.brokers())) < len(self.nodes):
            if time.monotonic() > deadline:
                raise LocalKafkaError(
                    f"the cluster lists {listed} of {len(self.nodes)} brokers after {timeout_s:.0f} s"
                )
            time.sleep(READY_POLL_INTERVAL_S)

    def create_topics(self) -> None:
        """Create the Stop Press topics, replicated as the cluster's size calls for; existing ones are kept."""
        LocalKafka.create_topics_on(self.bootstrap, self.topics)

    def stop(self) -> None:
        """Stop every node at once (SIGTERM, then SIGKILL after each node's grace period)."""
        for watch in self._watches.values():
            watch.restart_at = None
        self._on_each(LocalKafka.stop, self.nodes)

    def brokers(self) -> list[int]:
        """The ids of the brokers the cluster lists now (registered and not fenced); [] if none answers."""
        return run_blocking(_listed_brokers(self._live_bootstrap()))

    def under_replicated(self) -> list[str]:
        """Every ``topic/partition`` (Kafka's internal topics included) whose in-sync replicas are fewer than its
        replicas, or that has no leader; [] when the cluster is whole and in sync."""
        return run_blocking(_under_replicated(self._live_bootstrap()))

    def wait_in_sync(self, timeout_s: float = 120.0) -> None:
        """Return once every node is listed and no partition is under-replicated; raise after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            listed, lagging = self.brokers(), self.under_replicated()
            if len(listed) == len(self.nodes) and not lagging:
                return
            if time.monotonic() > deadline:
                raise LocalKafkaError(
                    f"not in sync after {timeout_s:.0f} s: brokers {listed} listed, "
                    f"{len(lagging)} partitions under-replicated ({', '.join(lagging[:5])})"
                )
            time.sleep(0.5)

    def active_controller(self) -> int | None:
        """The node id of the active KRaft controller (the quorum's leader), from the running voters' quorum state.

        Kafka's client APIs do not tell (a KRaft broker names a random broker as "controller"), so this reads
        what each voter records: the leader of the newest epoch. None while no leader is known.
        """
        newest: tuple[int, int] | None = None
        for node in self.nodes:
            if not node.is_running:
                continue
            try:
                state = json.loads((node.log_dirs / QUORUM_STATE).read_text())
            except (OSError, ValueError):
                continue
            epoch, leader = int(state.get("leaderEpoch", -1)), int(state.get("leaderId", -1))
            if leader >= 0 and (newest is None or epoch > newest[0]):
                newest = (epoch, leader)
        return None if newest is None else newest[1]

    def tend(self, say: Say) -> None:
        """One supervision step (call it every second or so): report nodes that died, restart them when due.

        Never raises for a node that cannot start: it is reported and tried again after a longer back-off.
        """
        now = time.monotonic()
        for node in self.nodes:
            watch = self._watches[node.node_id]
            code = node.exit_code
            if code is not None:
                delay = watch.backoff.after_death(now - watch.started_at)
                say(
                    f"Kafka node {node.node_id} ({node.bootstrap}) exited with code {code}; the others carry on. "
                    f"Starting it again in {delay:g} s (its log: {node.log_path})"
                )
                node.kill()  # reap it, so that it counts as stopped
                watch.restart_at = now + delay
            elif watch.restart_at is not None and now >= watch.restart_at:
                watch.restart_at = None
                watch.started_at = now
                try:
                    node.start()
                except LocalKafkaError as error:
                    delay = watch.backoff.after_death(0.0)
                    say(f"Kafka node {node.node_id} did not start ({error}); trying again in {delay:g} s")
                    watch.restart_at = now + delay
                    continue
                say(f"Kafka node {node.node_id} started again (pid {node.pid}); it catches up from the others")

    def _node_dir(self, node_id: int, brokers: int) -> Path:
        return self.data_dir if brokers == 1 else self.data_dir / f"node-{node_id}"

    def _check_layout(self) -> None:
        """Refuse a ``data_dir`` that holds storage for another number of nodes (its data would not be used)."""
        nodes = [int(path.name.removeprefix("node-")) for path in self.data_dir.glob("node-[0-9]*")]
        if len(self.nodes) == 1:
            misfit = bool(nodes)
        else:
            misfit = (self.data_dir / "kraft-combined-logs").exists() or max(nodes, default=0) > len(self.nodes)
        held = f"a cluster of {max(nodes)} nodes" if nodes else "a single node"
        if misfit:
            raise LocalKafkaError(
                f"{self.data_dir} holds the storage of {held}, not of {len(self.nodes)}: "
                f"pass the same --brokers as before, or another --data-dir"
            )

    def _stored_cluster_id(self) -> str | None:
        found = {cluster_id for node in self.nodes if (cluster_id := node.stored_cluster_id()) is not None}
        if len(found) > 1:
            raise LocalKafkaError(
                f"the nodes under {self.data_dir} belong to different clusters ({', '.join(sorted(found))}); "
                "remove the stray node's folder so that it is formatted again"
            )
        return found.pop() if found else None

    def _live_bootstrap(self) -> str:
        running = [node.bootstrap for node in self.nodes if node.is_running]
        return ",".join(running) or self.bootstrap

    @staticmethod
    def _on_each(action: Callable[[LocalKafka], None], nodes: Sequence[LocalKafka]) -> None:
        """Run ``action`` on every node at once (each in a thread); re-raise the first failure."""
        if len(nodes) <= 1:
            for node in nodes:
                action(node)
            return
        with ThreadPoolExecutor(max_workers=len(nodes), thread_name_prefix="localcluster") as pool:
            for future in [pool.submit(action, node) for node in nodes]:
                future.result()


async def _listed_brokers(bootstrap: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except Exception:  # any failure to answer means "none listed"
        return []
    finally:
        await admin.close()
    return sorted(broker["node_id"] for broker in cluster["brokers"])


async def _under_replicated(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await admin.start()
    try:
        described = await asyncio.wait_for(admin.describe_topics(), 10)
    finally:
        await admin.close()
    return sorted(
        f"{topic['topic']}/{partition['partition']}"
        for topic in described
        for partition in topic["partitions"]
        if partition["leader"] < 0 or len(partition["isr"]) < len(partition["replicas"])
    )

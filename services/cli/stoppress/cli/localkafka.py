"""Run one real Apache Kafka node (KRaft, broker and controller) from Maven jars, without Docker.

The same launcher serves ``stoppress up``, ``stoppress kafka`` (:mod:`stoppress.cli.kafka`),
the test suite's session fixtures (``tests/conftest_kafka.py``) and CI; several nodes make a
cluster (:mod:`stoppress.cli.localcluster`). :meth:`LocalKafka.launch` (and
``with LocalKafka(path) as kafka:``) runs these steps in order; each is public:

1. :meth:`~LocalKafka.ensure_jars` runs Maven once on ``deploy/kafka/pom.xml`` and copies the
   broker jars into ``<jar cache>/kafka-<version>/libs``; later runs find a marker file
   there and do not start Maven at all (see :mod:`stoppress.cli.kafkajars`).
2. :meth:`~LocalKafka.format` writes ``server.properties`` into the data dir and formats
   the storage; storage that is already formatted is kept, so data survives runs.
3. :meth:`~LocalKafka.start` starts the JVM in its own process group, its output going to
   ``<data dir>/broker.log`` (it runs steps 1 and 2 itself when they are still needed).
4. :meth:`~LocalKafka.wait_ready` polls until the broker answers a metadata request that
   lists it; if the JVM exits first, the error carries the tail of its log.
5. :meth:`~LocalKafka.create_topics` creates the Stop Press topics, replicated as the cluster's
   size calls for (:mod:`stoppress.shared.replication`); existing ones are kept.

Every method blocks and may be called from any thread, with or without a running event
loop: the few Kafka requests run on a private loop in a worker thread.

Invariant: no broker JVM outlives its launcher. :meth:`~LocalKafka.stop` sends SIGTERM to
the process group and SIGKILL after a grace period, also when interrupted; it is registered
with :mod:`atexit`; and on Linux the kernel kills the JVM if Python dies without cleaning
up (see :func:`stoppress.cli.processes.parent_death_signal_setter`).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from stoppress.cli.kafkajars import KafkaJars, KafkaJarsError
from stoppress.cli.processes import parent_death_signal_setter
from stoppress.cli.topics import create_topics
from stoppress.shared.replication import Replication, replication_for
from stoppress.shared.topics import TOPICS, TopicSpec

REPO_ROOT = Path(__file__).resolve().parents[4]
DEPLOY_DIR = REPO_ROOT / "deploy" / "kafka"
"""Holds ``pom.xml`` (which jars, which Kafka version) and ``log4j2.yaml``."""
DEFAULT_DATA_DIR = REPO_ROOT / "var" / "kafka"
DEFAULT_JAR_CACHE_ROOT = Path.home() / ".cache" / "stoppress"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
DEFAULT_HEAP = "512m"

JVM_OPTIONS = (
    # Kafka's own defaults (bin/kafka-run-class.sh), minus its fixed 1 GB heap...
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
    # ...plus the quick (C1) JIT only: on a busy 2-core machine the broker was ready in ~9 s
    # instead of ~15 s, with ~30 MiB less RSS. It lowers peak throughput, which one local
    # broker at news rates does not need.
    "-XX:TieredStopAtLevel=1",
)
BROKER_HEARTBEAT_INTERVAL_MS = 500
"""How often a broker tells the controller it is alive (ms); Kafka's default."""
BROKER_SESSION_TIMEOUT_MS = 3000
"""How long the controller waits for a silent broker before fencing it (ms); Kafka's default. Fencing is what
moves the leadership of a crashed broker's partitions and drops it from every ISR, so this bounds how long
writes wait after a broker dies."""
READY_POLL_INTERVAL_S = 0.2
LOG_TAIL_LINES = 40
_T = TypeVar("_T")

JAVA_MISSING = (
    "Kafka needs Java 17 or newer, and `java` is not on PATH. Install it "
    "(Debian/Ubuntu: apt install openjdk-17-jre-headless; macOS: brew install openjdk@17), "
    "or run Kafka with docker-compose.yml instead."
)


def cluster_settings(brokers: int) -> dict[str, str]:
    """The broker settings that follow from the cluster's size, the same on every node.

    Kafka's internal topics (consumer offsets, transaction state, share-group state) and any topic
    created without an explicit factor get :func:`~stoppress.shared.replication.replication_for`
    ``brokers``; ``docker-compose.yml`` sets the same (checked by ``tests/integration/deploy``).
    Failure detection: see :data:`BROKER_SESSION_TIMEOUT_MS`.
    """
    replication: Replication = replication_for(brokers)
    factor, min_insync = str(replication.factor), str(replication.min_insync)
    return {
        "default.replication.factor": factor,
        "min.insync.replicas": min_insync,
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": min_insync,
        "share.coordinator.state.topic.replication.factor": factor,
        "share.coordinator.state.topic.min.isr": min_insync,
        "broker.heartbeat.interval.ms": str(BROKER_HEARTBEAT_INTERVAL_MS),
        "broker.session.timeout.ms": str(BROKER_SESSION_TIMEOUT_MS),
    }


class LocalKafkaError(Exception):
    """The local broker could not be fetched, formatted, started or readied; the message says what to do."""


class PortInUseError(LocalKafkaError):
    """Another process listens on the broker or controller port."""


class LocalKafka:
    """One local Kafka node: broker and KRaft controller in one JVM, listening on ``host`` only.

    All its state lives in ``data_dir``: ``server.properties``, the log dirs
    (``kraft-combined-logs``) and ``broker.log``. On its own it is a cluster of one;
    :class:`stoppress.cli.localcluster.LocalKafkaCluster` gives each node its ``node_id``,
    the controller ``quorum`` of all nodes, their common ``cluster_id`` and the size.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        controller_port: int = DEFAULT_CONTROLLER_PORT,
        heap: str = DEFAULT_HEAP,
        topics: Sequence[TopicSpec] = TOPICS,
        jar_cache_root: Path = DEFAULT_JAR_CACHE_ROOT,
        deploy_dir: Path = DEPLOY_DIR,
        stop_grace_s: float = 15.0,
        node_id: int = 1,
        quorum: str | None = None,
        cluster_id: str | None = None,
        brokers: int = 1,
    ) -> None:
        """Describe a node; nothing is fetched, written or started yet.

        ``heap`` is the JVM's ``-Xmx`` (``512m``, ``1g``); ``stop_grace_s`` is how long
        :meth:`stop` waits after SIGTERM before SIGKILL (s). In a cluster: ``quorum`` is
        ``controller.quorum.voters`` (``1@host:port,2@host:port,…``; default: this node alone),
        ``cluster_id`` the id every node's storage is formatted with (default: a new one) and
        ``brokers`` the number of nodes (:func:`cluster_settings`).
        """
        self.data_dir = data_dir.resolve()
        self.host = host
        self.port = port
        self.controller_port = controller_port
        self.node_id = node_id
        self.quorum = quorum or f"{node_id}@{host}:{controller_port}"
        self.cluster_id = cluster_id
        self.brokers = brokers
        self.heap = heap
        self.topics = tuple(topics)
        self.deploy_dir = deploy_dir
        self.stop_grace_s = stop_grace_s
        try:
            self._jars = KafkaJars(deploy_dir / "pom.xml", jar_cache_root)
        except KafkaJarsError as error:
            raise LocalKafkaError(str(error)) from error
        self.kafka_version = self._jars.version
        self.libs_dir = self._jars.libs_dir
        self.log_path = self.data_dir / "broker.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_start_offset = 0

    @property
    def bootstrap(self) -> str:
        """The ``host:port`` clients connect to."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker JVM's pid, which is also its process group id; None when not started."""
        return None if self._process is None else self._process.pid

    @property
    def is_running(self) -> bool:
        """Whether the broker JVM is alive (not necessarily ready yet)."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Self:
        return self.launch()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def launch(self, ready_timeout_s: float = 60.0) -> Self:
        """Start, wait until ready (at most ``ready_timeout_s``, s) and create the topics; stop again on failure."""
        try:
            self.start()
            self.wait_ready(ready_timeout_s)
            self.create_topics()
        except BaseException:
            self.stop()
            raise
        return self

    def ensure_jars(self) -> Path:
        """Return the folder of broker jars, running Maven first if no run has completed.

        Maven's download progress goes to this process's stdout; see :meth:`stoppress.cli.kafkajars.KafkaJars.ensure`.
        """
        try:
            return self._jars.ensure()
        except KafkaJarsError as error:
            raise LocalKafkaError(str(error)) from error

    def format(self) -> None:
        """Write ``server.properties``; format the storage with ``cluster_id`` (or a new one) unless formatted."""
        self._write_server_properties()
        result = subprocess.run(
            self._java_command(
                "kafka.tools.StorageTool",
                "format",
                "--config",
                str(self._server_properties_path),
                "--cluster-id",
                self.cluster_id or new_cluster_id(),
                "--ignore-formatted",
            ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise LocalKafkaError(
                f"Formatting Kafka storage in {self.data_dir} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )

    def start(self) -> None:
        """Start the broker JVM and return at once; call :meth:`wait_ready` before using it.

        Fetches the jars and formats the storage first if needed. Raises
        :class:`PortInUseError` before starting anything if a port is taken.
        """
        if self.is_running:
            raise LocalKafkaError(f"Kafka is already running (pid {self.pid})")
        for port in (self.port, self.controller_port):
            _ensure_port_free(self.host, port)
        if not (self.log_dirs / "meta.properties").exists():
            self.format()
        self._write_server_properties()
        command = self._java_command("kafka.Kafka", str(self._server_properties_path))
        with self.log_path.open("ab") as log:
            started_at = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"\n===== {started_at} starting Kafka {self.kafka_version} on {self.bootstrap} =====\n".encode())
            log.flush()
            self._log_start_offset = log.tell()
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,  # so a JVM crash report (hs_err_pid*.log) lands next to broker.log
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=parent_death_signal_setter(),  # noqa: PLW1509 - it only calls prctl(2)
            )
        atexit.register(self.stop)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Return once the broker answers a metadata request that lists it (registered, not fenced), every 0.2 s.

        Raises :class:`LocalKafkaError` with the tail of the log if the JVM exits first
        (:class:`PortInUseError` if it could not bind a port) or ``timeout_s`` (s) passes.
        """
        deadline = time.monotonic() + timeout_s
        while not self._answers_metadata():
            if time.monotonic() > deadline:
                raise LocalKafkaError(
                    f"Kafka did not become ready on {self.bootstrap} within {timeout_s:.0f} s. "
                    f"Last lines of {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(READY_POLL_INTERVAL_S)

    def create_topics(self) -> None:
        """Create ``self.topics`` on this broker (see :meth:`create_topics_on`)."""
        self.create_topics_on(self.bootstrap, self.topics)

    @staticmethod
    def create_topics_on(bootstrap: str, topics: Sequence[TopicSpec] = TOPICS) -> None:
        """Create ``topics`` on any cluster, replicated as its size calls for; existing topics are left as they are."""
        run_blocking(create_topics(bootstrap, topics))

    def stop(self) -> None:
        """Stop the broker: SIGTERM to its process group, then SIGKILL after ``stop_grace_s``.

        Kills at once if interrupted (Ctrl-C) while waiting. Safe to call at any time, repeatedly.
        """
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(self.stop_grace_s)
        except subprocess.TimeoutExpired:
            pass
        finally:
            self._kill_process_group(process)

    def kill(self) -> None:
        """SIGKILL the broker's process group, as a crash would; the storage is kept for :meth:`start`."""
        if self._process is not None:
            self._kill_process_group(self._process)

    def restart(self) -> None:
        """Stop, then start again on the same ports and storage; call :meth:`wait_ready` afterwards."""
        self.stop()
        self.start()

    def wait_exit(self) -> int:
        """Block until the broker JVM exits; return its exit code."""
        if self._process is None:
            raise LocalKafkaError("Kafka is not running")
        return self._process.wait()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines the JVM wrote since the latest :meth:`start`."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_start_offset)
            output = log.read().decode(errors="replace")
        return "\n".join(output.splitlines()[-lines:])

    @property
    def exit_code(self) -> int | None:
        """The JVM's exit code if it exited by itself (a crash, a kill from outside); None while it runs or
        once :meth:`stop` or :meth:`kill` has reaped it."""
        return None if self._process is None else self._process.poll()

    @property
    def log_dirs(self) -> Path:
        """The node's storage (``log.dirs``): partitions, the KRaft metadata log, ``meta.properties``."""
        return self.data_dir / "kraft-combined-logs"

    def stored_cluster_id(self) -> str | None:
        """The cluster id this node's storage was formatted with; None if it is not formatted."""
        meta = self.log_dirs / "meta.properties"
        if not meta.exists():
            return None
        for line in meta.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "cluster.id":
                return value.strip()
        return None

    @property
    def _server_properties_path(self) -> Path:
        return self.data_dir / "server.properties"

    def _write_server_properties(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": self.quorum,
            "listeners": f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.log_dirs),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "group.initial.rebalance.delay.ms": "0",
            "log.segment.bytes": str(16 * 1024 * 1024),
            **cluster_settings(self.brokers),
        }
        lines = ["# Written by stoppress.cli.localkafka on every format and start; edits are overwritten."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        self._server_properties_path.write_text("\n".join(lines) + "\n")

    def _java_command(self, main_class: str, *arguments: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise LocalKafkaError(JAVA_MISSING)
        return [
            java,
            f"-Xmx{self.heap}",
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self.deploy_dir / 'log4j2.yaml'}",
            "-cp",
            f"{self.ensure_jars()}/*",
            main_class,
            *arguments,
        ]

    def _answers_metadata(self) -> bool:
        if self._process is None:
            raise LocalKafkaError("Kafka is not running: call start() first")
        exit_code = self._process.poll()
        if exit_code is not None:
            tail = self.log_tail()
            self.stop()
            error = PortInUseError if "Address already in use" in tail else LocalKafkaError
            raise error(f"Kafka exited with code {exit_code}. Last lines of {self.log_path}:\n{tail}")
        # A plain TCP probe first, so polling a starting JVM does not fill the log with aiokafka errors.
        return _accepts_connections(self.host, self.port) and run_blocking(
            _lists_broker(self.bootstrap, self.node_id)
        )

    def _kill_process_group(self, process: subprocess.Popen[bytes]) -> None:
        # Only signal the group while its leader is unreaped: after that the id may be reused.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self._process = None
        atexit.unregister(self.stop)


async def _lists_broker(bootstrap: str, node_id: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except KafkaError:
        return False
    finally:
        await admin.close()
    return any(broker["node_id"] == node_id for broker in cluster["brokers"])


def new_cluster_id() -> str:
    """16 random bytes as unpadded URL-safe base64 (22 chars), as ``kafka-storage random-uuid`` prints."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):  # Kafka never issues these: they read as a command-line option
            return cluster_id


def _ensure_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        # Like the JVM's server sockets: ports in TIME_WAIT from a previous broker count as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortInUseError(f"{host}:{port} is already in use (another Kafka?); choose another port") from error


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def run_blocking(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion on a new event loop in a worker thread, and return its result (the
    launcher's few Kafka requests).

    This works whether or not the calling thread runs an event loop, and leaves that loop alone.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localkafka")
    try:
        return pool.submit(asyncio.run, coroutine).result()
    finally:
        pool.shutdown(wait=False)  # on Ctrl-C, return at once; the request times out on its own

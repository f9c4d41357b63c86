"""The session's real Kafka broker (a pytest plugin: ``pytest_plugins = ["tests.conftest_kafka"]``).

One :class:`~stoppress.cli.localkafka.LocalKafka` serves the whole session, on free
ports (other brokers may run on this machine), in the session's temp folder, with the
Stop Press topics created. :func:`start_cluster` starts a three-node cluster the same way,
for the tests that need one. Missing Java, Maven or jars fail the session: never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.localkafka import LocalKafka, PortInUseError
from stoppress.cli.processes import free_ports

START_ATTEMPTS = 3
"""A free port can be taken by someone else before the JVM binds it; then we pick new ones."""


def _terminal_output(config: pytest.Config) -> AbstractContextManager[object]:
    """Let Maven's download progress reach the terminal despite output capturing."""
    capture = config.pluginmanager.getplugin("capturemanager")
    return nullcontext() if capture is None else capture.global_and_fixture_disabled()


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[LocalKafka]:
    """A running broker with the topics; ``kafka.bootstrap`` is ``"127.0.0.1:PORT"``.

    Fault tests may ``stop()``, ``kill()``, ``start()`` or ``restart()`` it (then
    ``wait_ready()``), and must leave it running for the tests after them.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        port, controller_port = free_ports(2)
        broker = LocalKafka(tmp_path_factory.mktemp("kafka"), port=port, controller_port=controller_port)
        with _terminal_output(pytestconfig):
            broker.ensure_jars()
        try:
            broker.launch()
            break
        except PortInUseError:
            if attempt == START_ATTEMPTS:
                raise
    try:
        yield broker
    finally:
        broker.stop()


def start_cluster(folder: Path, brokers: int = 3) -> LocalKafkaCluster:
    """A running cluster of ``brokers`` nodes on free ports in ``folder``, with the Stop Press topics."""
    for attempt in range(1, START_ATTEMPTS + 1):
        ports = free_ports(2 * brokers)
        cluster = LocalKafkaCluster(folder, brokers, ports=list(zip(ports[::2], ports[1::2], strict=True)))
        try:
            return cluster.launch()
        except PortInUseError:
            if attempt == START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")

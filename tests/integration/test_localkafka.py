"""The local Kafka launcher against a real broker: topics, records, restarts and process hygiene.

Records go to a scratch topic, so the Stop Press topics stay clean for the other tests.
Tests that stop the session broker start it again before they end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from stoppress.cli.localkafka import LocalKafka, LocalKafkaError, PortInUseError
from stoppress.shared.kafka import durable_producer
from stoppress.shared.topics import TICKER_STORIES, TOPICS, TopicSpec
from tests.conftest_kafka import free_ports

SCRATCH_TOPIC = "localkafka.selftest"
BROKER_GONE_TIMEOUT_S = 10.0


@pytest.fixture
def scratch_topic(kafka: LocalKafka) -> str:
    LocalKafka.create_topics_on(kafka.bootstrap, [TopicSpec(SCRATCH_TOPIC, partitions=1)])
    return SCRATCH_TOPIC


@pytest.fixture
def running_again_afterwards(kafka: LocalKafka) -> Iterator[LocalKafka]:
    """The session broker, started again after the test if the test left it down."""
    yield kafka
    if not kafka.is_running:
        kafka.start()
        kafka.wait_ready()


async def produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = durable_producer(bootstrap, "localkafka-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"key")
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str) -> list[bytes]:
    """Every record value in partition 0 of ``topic``, from the beginning to the current end."""
    partition = TopicPartition(topic, 0)
    # "earliest" rather than seek_to_beginning(), which can lose a race against the reset that assign() starts.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign([partition])
        end = (await consumer.end_offsets([partition]))[partition]
        values: list[bytes] = []
        async with asyncio.timeout(30):
            while await consumer.position(partition) < end:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                values += [record.value for record in batch.get(partition, []) if record.value is not None]
        return values
    finally:
        await consumer.stop()


def process_group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process belongs to process group ``pgid``."""
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except ProcessLookupError:
            continue
    return False


def wait_until_gone(pgid: int) -> bool:
    deadline = time.monotonic() + BROKER_GONE_TIMEOUT_S
    while process_group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


async def test_the_stop_press_topics_exist_with_their_configs(kafka: LocalKafka) -> None:
    kafka.create_topics()  # a second time: existing topics are fine

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        described = {topic["topic"]: topic for topic in await admin.describe_topics([spec.name for spec in TOPICS])}
        [stories_config] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TICKER_STORIES)])
    finally:
        await admin.close()

    assert {name: len(topic["partitions"]) for name, topic in described.items()} == {
        spec.name: spec.partitions for spec in TOPICS
    }
    configs = {entry[0]: entry[1] for entry in stories_config.resources[0][4]}
    assert configs["cleanup.policy"] == "compact"


async def test_a_record_round_trips(kafka: LocalKafka, scratch_topic: str) -> None:
    value = uuid.uuid4().bytes

    await produce(kafka.bootstrap, scratch_topic, value)

    assert value in await read_all(kafka.bootstrap, scratch_topic)


async def test_restart_keeps_records_and_topics(running_again_afterwards: LocalKafka, scratch_topic: str) -> None:
    kafka = running_again_afterwards
    value = uuid.uuid4().bytes
    await produce(kafka.bootstrap, scratch_topic, value)
    old_pid = kafka.pid
    assert old_pid is not None

    kafka.restart()
    kafka.wait_ready()

    assert kafka.pid != old_pid
    assert not process_group_alive(old_pid)
    assert value in await read_all(kafka.bootstrap, scratch_topic)


async def test_a_killed_broker_recovers_its_records(running_again_afterwards: LocalKafka, scratch_topic: str) -> None:
    kafka = running_again_afterwards
    value = uuid.uuid4().bytes
    await produce(kafka.bootstrap, scratch_topic, value)
    pid = kafka.pid
    assert pid is not None

    kafka.kill()
    assert not process_group_alive(pid)
    kafka.start()
    kafka.wait_ready()

    assert value in await read_all(kafka.bootstrap, scratch_topic)


def test_stop_leaves_no_process(running_again_afterwards: LocalKafka) -> None:
    kafka = running_again_afterwards
    pid = kafka.pid
    assert pid is not None

    kafka.stop()

    assert kafka.pid is None
    assert not kafka.is_running
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not process_group_alive(pid)


def test_a_taken_port_is_refused_before_any_jvm_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken_port = listener.getsockname()[1]
        broker = LocalKafka(tmp_path, port=taken_port, controller_port=free_ports(1)[0])

        with pytest.raises(PortInUseError, match=str(taken_port)):
            broker.start()

    assert broker.pid is None


def test_a_jvm_that_dies_at_start_reports_its_log(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    broker = LocalKafka(tmp_path, port=port, controller_port=controller_port)
    broker.format()
    broker.heap = "1k"  # the JVM refuses to start with this

    broker.start()
    with pytest.raises(LocalKafkaError, match=r"(?s)broker\.log.*Too small"):
        broker.wait_ready(timeout_s=30)

    assert broker.pid is None


@pytest.mark.slow
def test_the_broker_dies_with_a_killed_launcher(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    launcher_script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from stoppress.cli.localkafka import LocalKafka

        broker = LocalKafka(Path({str(tmp_path)!r}), port={port}, controller_port={controller_port})
        broker.start()
        print(broker.pid, flush=True)
        time.sleep(600)
        """
    )
    launcher = subprocess.Popen([sys.executable, "-c", launcher_script], stdout=subprocess.PIPE, text=True)
    try:
        assert launcher.stdout is not None
        broker_pid = int(launcher.stdout.readline())
        assert process_group_alive(broker_pid)

        launcher.send_signal(signal.SIGKILL)  # no atexit, no finally: only the kernel can clean up
        launcher.wait()

        assert wait_until_gone(broker_pid)
    finally:
        launcher.kill()
        launcher.wait()


@pytest.mark.slow
def test_the_command_runs_until_interrupted(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    command = [sys.executable, "-m", "stoppress.cli.kafka", "--port", str(port)]
    command += ["--controller-port", str(controller_port), "--data-dir", str(tmp_path)]
    cli = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # As in a terminal: a harness may have started pytest with SIGINT ignored, which children inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        assert cli.stdout is not None
        assert cli.stdout.readline().strip() == f"Kafka ready on 127.0.0.1:{port}"
        [broker] = psutil.Process(cli.pid).children()

        cli.send_signal(signal.SIGINT)

        assert cli.wait(timeout=30) == 0
        assert cli.stdout.read().strip() == "Kafka stopped"
        assert wait_until_gone(broker.pid)
    finally:
        cli.kill()
        cli.wait()

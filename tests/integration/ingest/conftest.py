"""A real ingest process on the session broker, its sources and keys, a reader of ``headlines.raw``, and the broker
itself for the outage tests (running again after each of them).

Every test uses its own guids (a fresh prefix), so records written by other
tests in the same session never confuse it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import ServiceProcess, free_port
from stoppress.shared.codec import decode
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.keys import hash_key
from stoppress.shared.models import Headline
from stoppress.shared.topics import HEADLINES_RAW, TOPICS

RAW_PARTITIONS = next(spec.partitions for spec in TOPICS if spec.name == HEADLINES_RAW)
WIRE_KEY = "wire-key-0123456789abcdef"
RELAY_KEY = "relay-key-0123456789abcdef"
DISABLED_KEY = "disabled-key-0123456789abcdef"
SLOW_KEY = "slow-key-0123456789abcdef"
FAST_KEY = "fast-key-0123456789abcdef"

SOURCES = {
    "sources": [
        {"slug": "wire", "name": "The Wire", "authority": 0.9, "key_hashes": [hash_key(WIRE_KEY)],
         "rate_per_s": 1000, "rate_burst": 1000},
        {"slug": "aggregator", "name": "Aggregator", "authority": 0.6, "relay": True, "relay_authority": 0.4,
         "key_hashes": [hash_key(RELAY_KEY)], "rate_per_s": 1000, "rate_burst": 1000},
        {"slug": "gazette", "name": "Gazette", "enabled": False, "key_hashes": [hash_key(DISABLED_KEY)]},
        {"slug": "slowpoke", "name": "Slowpoke", "key_hashes": [hash_key(SLOW_KEY)], "rate_per_s": 0.2,
         "rate_burst": 2},
        {"slug": "firehose", "name": "Firehose", "key_hashes": [hash_key(FAST_KEY)], "rate_per_s": 100000,
         "rate_burst": 100000},
    ]
}


@dataclass
class RunningIngest:
    """An ingest process and where to reach it."""

    process: ServiceProcess
    url: str


def start_ingest(bootstrap: str, folder: Path, **extra_env: str) -> RunningIngest:
    """``python -m stoppress.ingest`` on a free port with :data:`SOURCES`, healthy when this returns."""
    port = free_port()
    env = {
        "STOPPRESS_KAFKA_BOOTSTRAP": bootstrap,
        "STOPPRESS_INGEST_HOST": "127.0.0.1",
        "STOPPRESS_INGEST_PORT": str(port),
        "STOPPRESS_INGEST_SOURCES_JSON": json.dumps(SOURCES),
        "STOPPRESS_INGEST_STATE_DIR": str(folder / "state"),
        "STOPPRESS_INGEST_METRICS_INTERVAL_S": "1",
        **extra_env,
    }
    url = f"http://127.0.0.1:{port}"
    process = ServiceProcess("ingest", "stoppress.ingest", env, f"{url}/healthz", folder / "ingest.log")
    process.start()
    process.wait_healthy(60)
    return RunningIngest(process, url)


@pytest.fixture(scope="module")
def ingest(kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIngest]:
    """One ingest process for the module's tests, on the session broker."""
    running = start_ingest(kafka.bootstrap, tmp_path_factory.mktemp("ingest"))
    yield running
    running.process.stop()


@pytest.fixture
def broker(kafka: LocalKafka) -> Iterator[LocalKafka]:
    """The session broker, running again after the test whatever happened."""
    yield kafka
    if not kafka.is_running:
        kafka.start()
        kafka.wait_ready()


@pytest.fixture
def guid_prefix() -> str:
    """A prefix no other test uses, for this test's guids."""
    return f"t-{uuid.uuid4().hex[:12]}-"


async def end_offsets(bootstrap: str) -> dict[int, int]:
    """The current end offset of every partition of ``headlines.raw``."""
    consumer = group_free_consumer(bootstrap, "ingest-test-offsets")
    await consumer.start()
    try:
        partitions = [TopicPartition(HEADLINES_RAW, p) for p in range(RAW_PARTITIONS)]
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def records_since(bootstrap: str, start: dict[int, int], prefix: str) -> list[tuple[bytes, Headline]]:
    """(key, headline) of every record written to ``headlines.raw`` since ``start`` whose guid has ``prefix``.

    Reads up to the end offsets as they are now, so everything acknowledged before the call is included.
    """
    stop = await end_offsets(bootstrap)
    if all(start.get(partition, 0) >= end for partition, end in stop.items()):
        return []
    consumer = group_free_consumer(bootstrap, "ingest-test-reader")
    await consumer.start()
    found: list[tuple[bytes, Headline]] = []
    try:
        partitions = [TopicPartition(HEADLINES_RAW, p) for p in stop]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, start.get(tp.partition, 0))
        remaining = {tp for tp in partitions if start.get(tp.partition, 0) < stop[tp.partition]}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=1000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= stop[tp.partition]:
                        continue
                    headline = decode(record.value, Headline)
                    if headline.guid.startswith(prefix):
                        found.append((record.key or b"", headline))
                if await consumer.position(tp) >= stop[tp.partition]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return found

"""Ingest benchmark: accepted headlines per second and accept latency, ``acks=all`` into a real broker.

``python -m bench.ingest [--bootstrap HOST:PORT] [--singles 2000] [--batch-items 20000] [--concurrency 16]``

Starts a broker from the Maven jars (unless ``--bootstrap``), then ingest as
its own process (``python -m stoppress.ingest``) and, as the named peer, a
naive endpoint (:mod:`bench.ingest.naive`: the same durable producer, no
auth, validation or sanitising). This process drives both over HTTP with
realistic headlines and measures, per scenario, the accepted headlines per
second and the client-side latency from sending a request to reading its
202 (which ingest sends only after the broker's ack). It then checks that
every accepted headline is in ``headlines.raw``. Prints a table and writes
``bench/results/ingest.json``.

Driver, services and broker share the machine, so the figures include
their contention for its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import ServiceProcess, free_ports
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.keys import hash_key
from stoppress.shared.topics import HEADLINES_RAW, TOPICS

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "ingest.json"
BENCH_KEY = "bench-key-" + uuid.uuid4().hex
NAIVE_TOPIC = "bench.naive"
RAW_PARTITIONS = next(spec.partitions for spec in TOPICS if spec.name == HEADLINES_RAW)
GOALS = {"batch_per_s": 5000, "single_p99_ms": 20.0}


@dataclass
class Scenario:
    """One measured run: what was sent and what came back."""

    target: str
    name: str
    batch_size: int
    concurrency: int
    requests: int
    accepted: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_s(self) -> float:
        return self.accepted / self.seconds


def item(run: str, number: int) -> dict[str, Any]:
    """A realistic headline (~550 bytes of JSON) with a unique guid."""
    return {
        "guid": f"{run}-{number}",
        "headline": f"Central bank holds rates as inflation eases for a {number % 7 + 2}th month, officials say",
        "summary": "The decision was widely expected by markets; the bank signalled that cuts could follow in the "
        "spring if wage growth continues to slow and energy prices stay where they are.",
        "url": f"https://news.example.com/business/2026/11/26/rates-{number}",
        "urgency": 3 + number % 5,
        "language": "en-GB",
        "subjects": ["economy", "central banks", "interest rates"],
        "category": "business",
        "region": "GB",
    }


async def measure(
    session: aiohttp.ClientSession, url: str, key: str | None, *, target: str, name: str, batch_size: int,
    concurrency: int, requests: int,
) -> Scenario:
    """Send ``requests`` requests of ``batch_size`` items with ``concurrency`` in flight."""
    run = uuid.uuid4().hex[:10]
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    bodies = [
        orjson.dumps(item(run, n * batch_size) if batch_size == 1
                     else [item(run, n * batch_size + i) for i in range(batch_size)])
        for n in range(requests)
    ]
    latencies: list[float] = []
    accepted = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker() -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            began = time.perf_counter()
            async with session.post(f"{url}/v1/headlines", data=body, headers=headers) as response:
                await response.read()
                if response.status != 202:
                    raise RuntimeError(f"{target} answered {response.status}: {(await response.text())[:300]}")
            latencies.append(time.perf_counter() - began)
            accepted += batch_size

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    ordered = sorted(latencies)
    return Scenario(
        target, name, batch_size, concurrency, requests, accepted, seconds,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        max_ms=ordered[-1] * 1000,
    )


async def raw_end_total(bootstrap: str, topic: str, partitions: int) -> int:
    consumer = group_free_consumer(bootstrap, "bench-ingest")
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def create_naive_topic(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if NAIVE_TOPIC not in await admin.list_topics():
            await admin.create_topics([NewTopic(NAIVE_TOPIC, RAW_PARTITIONS, 1)])
    finally:
        await admin.close()


async def drive(args: argparse.Namespace, bootstrap: str, ingest_url: str, naive_url: str) -> dict[str, Any]:
    scenarios: list[Scenario] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        for url, key in ((ingest_url, BENCH_KEY), (naive_url, None)):
            await measure(session, url, key, target="warm-up", name="warm-up", batch_size=1, concurrency=4,
                          requests=200)
        raw_before = await raw_end_total(bootstrap, HEADLINES_RAW, RAW_PARTITIONS)
        plan = [
            ("single, one at a time", 1, 1, args.singles),
            (f"single, {args.concurrency} in flight", 1, args.concurrency, args.singles * 2),
            ("batch of 100, 4 in flight", 100, 4, max(1, args.batch_items // 100)),
            ("batch of 1000, 2 in flight", 1000, 2, max(1, args.batch_items // 1000)),
        ]
        for name, size, concurrency, requests in plan:
            for target, url, key in (("ingest", ingest_url, BENCH_KEY), ("naive", naive_url, None)):
                scenario = await measure(session, url, key, target=target, name=name, batch_size=size,
                                         concurrency=concurrency, requests=requests)
                scenarios.append(scenario)
                print(f"  {target:6} {name:28} {scenario.per_s:9,.0f}/s  p50 {scenario.p50_ms:6.1f} ms  "
                      f"p99 {scenario.p99_ms:6.1f} ms", flush=True)
        raw_after = await raw_end_total(bootstrap, HEADLINES_RAW, RAW_PARTITIONS)
    ingest_accepted = sum(s.accepted for s in scenarios if s.target == "ingest")
    return {"scenarios": scenarios, "ingest_accepted": ingest_accepted, "raw_written": raw_after - raw_before}


def table(scenarios: list[Scenario]) -> str:
    lines = [f"{'target':7} {'scenario':28} {'items/req':>9} {'accepted/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
             f"{'max ms':>8}"]
    for s in scenarios:
        lines.append(f"{s.target:7} {s.name:28} {s.batch_size:9} {s.per_s:11,.0f} {s.p50_ms:8.1f} {s.p99_ms:8.1f} "
                     f"{s.max_ms:8.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--singles", type=int, default=2000, help="single-item requests in the sequential run")
    parser.add_argument("--batch-items", type=int, default=20000, help="headlines per batch scenario")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight in the concurrent run")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    broker = None
    services: list[ServiceProcess] = []
    try:
        if args.bootstrap:
            bootstrap = args.bootstrap
        else:
            port, controller_port = free_ports(2)
            broker = LocalKafka(workdir / "kafka", port=port, controller_port=controller_port)
            print("starting a Kafka broker ...", flush=True)
            broker.launch()
            bootstrap = broker.bootstrap
        asyncio.run(create_naive_topic(bootstrap))
        ingest_port, naive_port = free_ports(2)
        sources = {"sources": [{"slug": "bench", "name": "Bench", "key_hashes": [hash_key(BENCH_KEY)],
                                "rate_per_s": 1e9, "rate_burst": 1_000_000}]}
        ingest = ServiceProcess(
            "ingest", "stoppress.ingest",
            {"STOPPRESS_KAFKA_BOOTSTRAP": bootstrap, "STOPPRESS_INGEST_PORT": str(ingest_port),
             "STOPPRESS_INGEST_SOURCES_JSON": json.dumps(sources), "STOPPRESS_INGEST_STATE_DIR": str(workdir),
             "STOPPRESS_LOG_LEVEL": "WARNING"},
            f"http://127.0.0.1:{ingest_port}/readyz", workdir / "ingest.log",
        )
        naive = ServiceProcess("naive", "bench.ingest.naive", {"PYTHONPATH": str(ROOT)},
                               f"http://127.0.0.1:{naive_port}/", workdir / "naive.log",
                               args=(str(naive_port), bootstrap, NAIVE_TOPIC))
        services = [ingest, naive]
        for service in services:
            service.start()
        ingest.wait_healthy(60)
        _wait_port(naive_port)
        print(f"ingest and the naive peer are up; measuring (logs in {workdir}, removed after a good run)", flush=True)
        outcome = asyncio.run(drive(args, bootstrap, f"http://127.0.0.1:{ingest_port}",
                                    f"http://127.0.0.1:{naive_port}"))
    finally:
        for service in services:
            service.stop()
        if broker is not None:
            broker.stop()
    shutil.rmtree(workdir, ignore_errors=True)

    scenarios: list[Scenario] = outcome["scenarios"]
    print()
    print(table(scenarios))
    ingest_runs = [s for s in scenarios if s.target == "ingest"]
    best_batch = max(s.per_s for s in ingest_runs if s.batch_size > 1)
    single_p99 = next(s.p99_ms for s in ingest_runs if s.concurrency == 1)
    print(f"\nbatch throughput {best_batch:,.0f}/s (goal >= {GOALS['batch_per_s']:,}/s); "
          f"single POST p99 {single_p99:.1f} ms (goal <= {GOALS['single_p99_ms']:.0f} ms)")
    print(f"every accepted headline in {HEADLINES_RAW}: {outcome['raw_written']} written for "
          f"{outcome['ingest_accepted']} accepted")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": " ".join(["python -m bench.ingest", *sys.argv[1:]]),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "goals": GOALS,
        "batch_per_s_best": round(best_batch),
        "single_sequential_p99_ms": round(single_p99, 2),
        "accepted_by_ingest": outcome["ingest_accepted"],
        "written_to_headlines_raw": outcome["raw_written"],
        "scenarios": [{**asdict(s), "per_s": round(s.per_s)} for s in scenarios],
    }, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")


def _wait_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout_s:.0f} s")


if __name__ == "__main__":
    main()

"""Headlines per second through the running ticker worker on a real broker.

``python -m bench.ticker.stream [--copies 3] [--paced 300] [--rounds 1] [--compare-with DIR] [--bootstrap HOST:PORT]``

Runs on a real broker (started here from the Maven jars unless ``--bootstrap``
is given). The workload is the labelled dev set (``../shared/data/uci-news-dev.csv``,
3,183 real headlines from many outlets) replayed ``--copies`` times, each copy
with its own vocabulary (every word of four letters or more gets a copy tag),
so the copies are disjoint sets of stories with the real set's shape rather
than giant duplicates of it. Three measurements, each a separate process
reading a private topic:

- ``ticker backlog``: the whole workload is written first, then one worker
  (``python -m stoppress.ticker``, default settings) drains it: intake,
  re-keying hop, dedupe, clustering, ranking, levels, lifecycle, four
  tables with their changelogs, and the outputs. Rate from the worker's
  ``stoppress_ticker_headlines_processed_total``; CPU seconds of the worker
  process from psutil (the machine is shared). ``--compare-with DIR`` also
  drains the same backlog through the worker of another checkout (``DIR``'s
  ``services/ticker`` and ``shared`` first on ``PYTHONPATH``; make one with
  ``git worktree add DIR REF``), and ``--rounds N`` repeats the worker runs,
  alternating, and prints the median of each: on a shared machine the rate
  moves between runs, so compare within one run.
- ``passthrough backlog``: the same backlog through :mod:`bench.ticker.passthrough`,
  a bare aiokafka consume → validate → produce loop (the floor of the work).
- ``faust floor``: the same backlog through :mod:`bench.ticker.faust_floor`,
  faust doing the worker's two hops with no desk, writing 0 or 2 faust
  Table keys per record (what faust itself costs).
- ``ticker paced``: ``--paced`` headlines/s written steadily for 10 s into a
  running worker; latency from ingest's ``received_at`` (stamped when
  written) to the desk's decision, read from the worker's histogram.
- ``desk in-process``: the same workload through the pure
  :class:`~stoppress.ticker.desk.Desk` in this process, no Kafka (what the
  faust edges add is the difference); p50/p99 of CPU time per headline.

Prints a table and writes ``bench/results/ticker-stream.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import psutil
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_port
from stoppress.shared.kafka import durable_producer
from stoppress.shared.models import Headline
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.desk import Desk, DeskTables

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "uci-news-dev.csv"
RESULTS = ROOT / "bench" / "results" / "ticker-stream.json"
PYTHON = sys.executable
_LONG_WORD = re.compile(r"\b([A-Za-z]{4,})\b")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Row:
    """One measurement: what ran, how many headlines, how fast, at what CPU cost."""

    name: str
    headlines: int
    seconds: float
    headlines_per_s: float
    cpu_s: float
    headlines_per_cpu_s: float
    latency_ms_p50: float | None = None
    latency_ms_p99: float | None = None



def workload(path: Path, copies: int) -> list[tuple[bytes, dict[str, Any]]]:
    """(key, headline fields without timestamps) for every row of ``path``, ``copies`` times over."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: float(row["TIMESTAMP"]))
    records = []
    for copy in range(copies):
        tag = f"{copy:x}" if copy else ""
        for row in rows:
            source = _SLUG.sub("-", row["PUBLISHER"].lower()).strip("-")[:60] or "unknown"
            text = _LONG_WORD.sub(rf"\g<1>{tag}", row["TITLE"].strip())
            item_id = f"{source}:{row['ID']}-{copy}"
            fields = {
                "id": item_id,
                "source": source,
                "source_name": row["PUBLISHER"][:100],
                "headline": text[:300],
                "urgency": 5,
            }
            records.append((item_id.encode(), fields))
    return records


def stamped(fields: dict[str, Any]) -> bytes:
    now = datetime.now(UTC).isoformat()
    return orjson.dumps({**fields, "first_created": now, "version_created": now, "received_at": now})


async def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def write(bootstrap: str, topic: str, records: list[tuple[bytes, dict[str, Any]]]) -> None:
    producer = durable_producer(bootstrap, "bench-ticker-writer", linger_ms=20)
    await producer.start()
    try:
        sent = [await producer.send(topic, stamped(fields), key=key) for key, fields in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


class Worker:
    """A ticker worker process reading ``topic``, with its ``/metrics``; ``checkout``: another checkout's code."""

    def __init__(self, bootstrap: str, topic: str, workdir: Path, checkout: Path | None = None) -> None:
        self.port = free_port()
        tag = uuid.uuid4().hex[:8]
        env = {
            **os.environ,
            "STOPPRESS_KAFKA_BOOTSTRAP": bootstrap,
            "STOPPRESS_LOG_LEVEL": "WARNING",
            "STOPPRESS_TICKER_APP_ID": f"bench-ticker-{tag}",
            "STOPPRESS_TICKER_WEB_PORT": str(self.port),
            "STOPPRESS_TICKER_DATA_DIR": str(workdir / tag),
            "STOPPRESS_TICKER_HEADLINES_TOPIC": topic,
            "STOPPRESS_TICKER_EVENTS_TOPIC": f"{topic}.events",
            "STOPPRESS_TICKER_STORIES_TOPIC": f"{topic}.stories",
            "STOPPRESS_TICKER_DLQ_TOPIC": f"{topic}.dlq",
        }
        if checkout is not None:
            env["PYTHONPATH"] = os.pathsep.join(str(checkout / part) for part in ("services/ticker", "shared"))
        log = (workdir / f"worker-{tag}.log").open("wb")
        self.process = subprocess.Popen([PYTHON, "-m", "stoppress.ticker"], env=env, stdout=log, stderr=log)

    async def metrics(self) -> dict[str, float]:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{self.port}/metrics") as response,
            ):
                text = await response.text()
        except aiohttp.ClientError:
            return {}
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    async def processed(self) -> float | None:
        return (await self.metrics()).get("stoppress_ticker_headlines_processed_total")

    async def wait_for(self, condition: Any, poll_s: float) -> None:
        """Poll the processed count every ``poll_s`` until ``condition(count)`` holds."""
        while not condition(await self.processed()):  # noqa: ASYNC110 - the worker is another process
            await asyncio.sleep(poll_s)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def drain(name: str, count: int, progress: Any, pid: int, timeout_s: float = 600) -> Row:
    """Poll ``progress()`` (headlines done, or None before start) until ``count``; time the drain."""
    process = psutil.Process(pid)
    deadline = time.monotonic() + timeout_s
    start: tuple[float, float, float] | None = None
    while True:
        done = await progress()
        now = time.monotonic()
        if done and start is None:
            cpu = process.cpu_times()
            start = (now, done, cpu.user + cpu.system)
        if done is not None and done >= count and start is not None:
            cpu = process.cpu_times()
            seconds, headlines = now - start[0], count - start[1]
            cpu_s = cpu.user + cpu.system - start[2]
            return Row(name, int(headlines), seconds, headlines / seconds, cpu_s, headlines / max(cpu_s, 1e-9))
        if now > deadline:
            raise RuntimeError(f"{name}: {done} of {count} after {timeout_s}s")
        await asyncio.sleep(0.1)


async def ticker_backlog(
    bootstrap: str, records: list[tuple[bytes, dict[str, Any]]], workdir: Path, checkout: Path | None = None
) -> Row:
    topic = f"bench-{uuid.uuid4().hex[:8]}.headlines.raw"
    await create_topic(bootstrap, topic, 6)
    await write(bootstrap, topic, records)
    worker = Worker(bootstrap, topic, workdir, checkout)
    name = "ticker backlog" if checkout is None else f"ticker backlog ({checkout.name})"
    try:
        return await drain(name, len(records), worker.processed, worker.process.pid)
    finally:
        worker.stop()


async def peer_backlog(
    name: str, bootstrap: str, records: list[tuple[bytes, dict[str, Any]]], argv: list[str], topics: list[str]
) -> Row:
    """The backlog through a peer process that prints ``processed N``; ``argv`` ends with the source topic."""
    source = argv[-1]
    await create_topic(bootstrap, source, 6)
    for topic in topics:
        await create_topic(bootstrap, topic, 6)
    await write(bootstrap, source, records)
    process = await asyncio.create_subprocess_exec(PYTHON, "-m", *argv, stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    latest: list[float | None] = [None]

    async def follow() -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            if line.startswith(b"processed"):
                latest[0] = float(line.split()[1])

    reader = asyncio.create_task(follow())

    async def progress() -> float | None:
        return latest[0]

    try:
        return await drain(name, len(records), progress, process.pid)
    finally:
        process.terminate()
        await process.wait()
        reader.cancel()


async def passthrough_backlog(bootstrap: str, records: list[tuple[bytes, dict[str, Any]]]) -> Row:
    topic = f"bench-{uuid.uuid4().hex[:8]}.headlines.raw"
    argv = ["bench.ticker.passthrough", "--bootstrap", bootstrap, "--sink", f"{topic}.out", "--source", topic]
    return await peer_backlog("passthrough backlog", bootstrap, records, argv, [f"{topic}.out"])


async def faust_floor_backlog(bootstrap: str, records: list[tuple[bytes, dict[str, Any]]], writes: int) -> Row:
    topic = f"bench-{uuid.uuid4().hex[:8]}.headlines.raw"
    app_id = f"bench-floor-{uuid.uuid4().hex[:8]}"
    argv = ["bench.ticker.faust_floor", "--bootstrap", bootstrap, "--app-id", app_id]
    argv += ["--table-writes", str(writes), "--source", topic]
    own = [f"{app_id}-hop", f"{app_id}-floor-changelog"]
    return await peer_backlog(f"faust floor, {writes} writes", bootstrap, records, argv, own)


async def ticker_paced(bootstrap: str, records: list[tuple[bytes, dict[str, Any]]], rate: int, workdir: Path) -> Row:
    topic = f"bench-{uuid.uuid4().hex[:8]}.headlines.raw"
    await create_topic(bootstrap, topic, 6)
    worker = Worker(bootstrap, topic, workdir)
    try:
        await worker.wait_for(lambda done: done is not None, 0.2)
        await asyncio.sleep(2.0)
        producer = durable_producer(bootstrap, "bench-ticker-paced", linger_ms=0)
        await producer.start()
        count = rate * 10
        started = time.monotonic()
        cpu_before = psutil.Process(worker.process.pid).cpu_times()
        try:
            for index, (key, fields) in enumerate(records[:count]):
                due = started + index / rate
                if due > time.monotonic():
                    await asyncio.sleep(due - time.monotonic())
                await producer.send(topic, stamped(fields), key=key)
            await producer.flush()
        finally:
            await producer.stop()
        await worker.wait_for(lambda done: (done or 0) >= count, 0.1)
        seconds = time.monotonic() - started
        cpu = psutil.Process(worker.process.pid).cpu_times()
        cpu_s = cpu.user + cpu.system - cpu_before.user - cpu_before.system
        p50, p99 = histogram_quantiles(await worker.metrics(), "stoppress_ticker_processing_seconds", (0.5, 0.99))
        return Row(f"ticker paced {rate}/s", count, seconds, count / seconds, cpu_s, count / cpu_s, p50, p99)
    finally:
        worker.stop()


def histogram_quantiles(samples: dict[str, float], name: str, quantiles: tuple[float, ...]) -> list[float]:
    """Quantiles (ms) from a Prometheus histogram, as the upper bound of the bucket they fall in."""
    buckets = sorted(
        (float("inf") if key.split('le="')[1].rstrip('"}') == "+Inf" else float(key.split('le="')[1].rstrip('"}')), n)
        for key, n in samples.items()
        if key.startswith(f"{name}_bucket")
    )
    total = buckets[-1][1]
    return [next(bound * 1000 for bound, n in buckets if n >= q * total) for q in quantiles]


def desk_in_process(records: list[tuple[bytes, dict[str, Any]]]) -> Row:
    """The pure desk over ``records``: throughput and CPU time per headline (ms)."""
    headlines = [Headline.model_validate_json(stamped(fields)) for _, fields in records]
    desk = Desk(DeskTables({}, {}, {}), AuthorityBook())
    start = datetime.now(UTC)
    costs = []
    wall = time.perf_counter()
    for index, headline in enumerate(headlines):
        began = time.thread_time()
        desk.handle(headline, start + timedelta(milliseconds=index), index)
        costs.append(time.thread_time() - began)
    seconds = time.perf_counter() - wall
    costs.sort()
    cpu_s = sum(costs)
    p50, p99 = (costs[int(q * (len(costs) - 1))] * 1000 for q in (0.5, 0.99))
    return Row(
        "desk in-process", len(headlines), seconds, len(headlines) / seconds, cpu_s, len(headlines) / cpu_s, p50, p99
    )


async def run(arguments: argparse.Namespace, bootstrap: str) -> list[Row]:
    records = workload(arguments.data, arguments.copies)
    with tempfile.TemporaryDirectory(prefix="bench-ticker-") as workdir:
        rows = [desk_in_process(records)]
        print_row(rows[-1])
        workers: list[Row] = []
        for _ in range(arguments.rounds):
            for checkout in (None, *arguments.compare_with):
                workers.append(await ticker_backlog(bootstrap, records, Path(workdir), checkout))
                print_row(workers[-1])
        rows += workers
        if arguments.rounds > 1:
            for name in dict.fromkeys(row.name for row in workers):
                runs = [row for row in workers if row.name == name]
                rate, per_cpu = (statistics.median(getattr(r, f) for r in runs) for f in ("headlines_per_s",
                                                                                         "headlines_per_cpu_s"))
                print(f"{name}: median of {len(runs)} {rate:,.0f} headlines/s, {per_cpu:,.0f} per CPU-second")
        for measure in (
            passthrough_backlog(bootstrap, records),
            faust_floor_backlog(bootstrap, records, 0),
            faust_floor_backlog(bootstrap, records, 2),
            ticker_paced(bootstrap, records, arguments.paced, Path(workdir)),
        ):
            rows.append(await measure)
            print_row(rows[-1])
    return rows


def print_row(row: Row) -> None:
    latency = "" if row.latency_ms_p50 is None else f"{row.latency_ms_p50:>9.1f} {row.latency_ms_p99:>9.1f}"
    print(
        f"{row.name:<22} {row.headlines:>9} {row.seconds:>8.2f} {row.headlines_per_s:>12,.0f} "
        f"{row.headlines_per_cpu_s:>14,.0f} {latency}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled CSV (UCI News format)")
    parser.add_argument("--copies", type=int, default=3, help="disjoint copies of the data set in the backlog")
    parser.add_argument("--paced", type=int, default=300, help="headlines/s in the paced latency run")
    parser.add_argument("--rounds", type=int, default=1, help="drain the backlog through each worker this often")
    parser.add_argument("--compare-with", type=Path, action="append", default=[], metavar="DIR",
                        help="also drain it through the worker of this checkout (e.g. a git worktree of main)")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    arguments = parser.parse_args()
    print(f"{'run':<22} {'headlines':>9} {'seconds':>8} {'headlines/s':>12} {'per CPU-second':>14} "
          f"{'p50 ms':>9} {'p99 ms':>9}", flush=True)  # fmt: skip
    print("(p50/p99: per-headline CPU in the desk row; receipt-to-decision latency, bucket bounds, when paced)")
    if arguments.bootstrap:
        rows = asyncio.run(run(arguments, arguments.bootstrap))
    else:
        with (
            tempfile.TemporaryDirectory(prefix="bench-ticker-kafka-") as data,
            LocalKafka(Path(data), port=free_port(), controller_port=free_port()) as kafka,
        ):
            rows = asyncio.run(run(arguments, kafka.bootstrap))
    results = {
        "command": " ".join(["python -m bench.ticker.stream", *sys.argv[1:]]),
        "data": arguments.data.name,
        "copies": arguments.copies,
        "rounds": arguments.rounds,
        "compare_with": [str(path) for path in arguments.compare_with],
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m": os.getloadavg()[0],
            "at": datetime.now(UTC).isoformat(),
        },
        "rows": [asdict(row) for row in rows],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

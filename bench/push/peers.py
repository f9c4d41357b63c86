"""Stop Press against Centrifugo, the best-known open real-time server: the same clients, in the same run.

``python -m bench.push.peers [--clients 10000] [--swarms 2] [--rounds 10] [--rate 20] [--duration 30]
[--workers 1,2] [--compare GIT_REF] [--skip-peer] [--bootstrap HOST:PORT]``

One server at a time, each fresh, on the same machine with the same C client
swarms (``bench/push/swarm.c``; for Centrifugo it speaks its JSON client
protocol) and the same driver: first Centrifugo v6.9.1
(:mod:`bench.push.centrifugo`: memory engine, one channel with history 1,000
and ``force_recovery``, events published through its HTTP API), then the
Stop Press gateway with each number of ``--workers``, reading a private
``ticker.events`` topic on a local broker (started here from the Maven jars
unless ``--bootstrap`` is given) into which the driver writes the events as
the ticker does (acks=all, idempotent). Every event is the same ~600-byte
``TickerEvent`` JSON for both servers. For each server:

- **idle memory per connection**: the server's RSS (workers included) with
  every client connected and subscribed, minus before, per client;
- **one event → last client**: ``--rounds`` single events, from the publish
  call to the moment the last client had it; the median;
- **sustained**: ``--rate`` events/s for ``--duration`` s, each a new story;
  every client notes when it had each (wall clock); p50/p99 over every
  (client, event) pair from the publish call to receipt, the server's CPU
  (user + system, % of one core) over the publishing window, and the frames
  that never arrived.

``--compare GIT_REF`` also measures, in the same run and after this tree's
gateway, the gateway's code (``services/push``) as it was at ``GIT_REF``
(taken with ``git archive``, put first on ``PYTHONPATH``; everything else
from this tree) with each number of ``--workers``: the figure of a change to
the gateway, measured beside its peer.

Prints the table with the ratio Stop Press / Centrifugo per row (below 1:
Stop Press ahead) and writes ``bench/results/push-peers.json`` (named
``push-peers[-N][-rateR][-wW][-compare].json`` when ``--clients``, ``--rate``,
``--workers`` or ``--compare`` differ from the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import psutil
from aiokafka.errors import KafkaError

from bench.e2e.direct import new_story
from bench.e2e.stats import histogram_totals, merge, percentile_ms
from bench.push.centrifugo import CHANNEL, MODULE, WEBSOCKET_PATH, Centrifugo, centrifugo_binary, module_version
from bench.push.run import PYTHON, ROOT, Server, Swarms, create_topics, event_bytes, gateway_env, metrics_page
from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_port
from stoppress.shared.codec import encode
from stoppress.shared.kafka import durable_producer

RESULTS = ROOT / "bench" / "results"
CODE_VARIABLE = "STOPPRESS_BENCH_GATEWAY_CODE"
"""Set (to the git ref) in the environment of a gateway run from older code: for the report only."""
Publish = Callable[[bytes], Awaitable[None]]
DRAIN_S = 90.0
"""After the sustained load, how long the clients may still take to receive everything (s); later is missed."""

ROWS: list[tuple[str, str, str]] = [
    ("idle memory per connection", "idle_kib_per_connection", "KiB"),
    ("one event → last client, median", "completion_ms_median", "ms"),
    ("sustained: p50 publish → receipt", "p50_ms", "ms"),
    ("sustained: p99 publish → receipt", "p99_ms", "ms"),
    ("server CPU during the sustained load", "server_cpu_percent", "% of a core"),
    ("missed frames", "missed", ""),
]
"""The table: (label, key in a server's result, unit); lower is better in every row."""


async def measure(
    server: Server, publish: Publish, swarm_options: Sequence[str], arguments: argparse.Namespace, net: int
) -> dict[str, Any]:
    """Every figure of one server (see the module docstring); the server is started and stopped here."""
    await server.start()
    tag = f"peers{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.sleep(1.0)
        rss_before = server.rss()
        swarms = await Swarms.start(server.port, arguments.clients, arguments.swarms, net,
                                    [*swarm_options, "--tag", tag])  # fmt: skip
        try:
            await asyncio.sleep(3.0)
            rss_after = server.rss()
            completions = []
            for number in range(arguments.rounds):
                await swarms.reset()
                started = time.monotonic()
                await publish(event_bytes(number))
                report = await swarms.wait_for(1, 30)
                if min(report["frames"]) < 1:
                    raise RuntimeError(f"{server.name}: a client never had single event {number}")
                completions.append((max(report["last_at"]) - started) * 1000)
            sustained = await sustain(server, swarms, publish, tag, arguments)
        finally:
            await swarms.stop()
    finally:
        server.stop()
    return {
        "server": server.name,
        "workers": int(server.env.get("STOPPRESS_PUSH_WORKERS", "1")) if server.name == "gateway" else None,
        "code": server.env.get(CODE_VARIABLE),
        "clients": arguments.clients,
        "idle_bytes_per_connection": (rss_after - rss_before) / arguments.clients,
        "idle_kib_per_connection": (rss_after - rss_before) / arguments.clients / 1024,
        "rss_before_mib": rss_before / 2**20,
        "rss_idle_mib": rss_after / 2**20,
        "completion_ms_median": statistics.median(completions),
        "completion_ms_all": completions,
        **sustained,
    }


async def sustain(
    server: Server, swarms: Swarms, publish: Publish, tag: str, arguments: argparse.Namespace
) -> dict[str, Any]:
    """``--rate`` events/s for ``--duration`` s; latencies, CPU and missed frames (the swarms exit after it)."""
    count = round(arguments.rate * arguments.duration)
    events = [encode(new_story(tag, seq)) for seq in range(count)]
    await swarms.reset()
    clients_cpu = [psutil.Process(member.process.pid) for member in swarms.members]
    sent: dict[str, float] = {}
    calls_ms: list[float] = [0.0] * count
    failures: list[str] = []

    async def one(seq: int) -> None:
        sent[str(seq)] = time.time()
        started = time.monotonic()
        try:
            await publish(events[seq])
        except (aiohttp.ClientError, KafkaError, RuntimeError) as exc:  # a server that falls behind may drop the call
            failures.append(repr(exc)[:200])
        calls_ms[seq] = (time.monotonic() - started) * 1000

    writes_before = await fanout_totals(server)
    cpu_before, clients_before = server.cpu_seconds(), [p.cpu_times() for p in clients_cpu]
    waited_before = server.waiting_seconds()
    start = time.monotonic()
    tasks = []
    for seq in range(count):
        await asyncio.sleep(max(0.0, start + seq / arguments.rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(seq)))
    await asyncio.sleep(max(0.0, start + arguments.duration - time.monotonic()))
    window = time.monotonic() - start
    cpu = server.cpu_seconds() - cpu_before
    waited = server.waiting_seconds() - waited_before
    clients_cpu_s = sum(p.cpu_times().user + p.cpu_times().system - (b.user + b.system)
                        for p, b in zip(clients_cpu, clients_before, strict=True))  # fmt: skip
    await asyncio.gather(*tasks)
    await swarms.wait_for(count, DRAIN_S)
    writes_after = await fanout_totals(server)
    fanouts = None
    if writes_before is not None and writes_after is not None:
        seconds, calls = (after - before for after, before in zip(writes_after, writes_before, strict=True))
        fanouts = {"calls": calls, "events_per_call": count / calls if calls else None,
                   "mean_ms": 1000 * seconds / calls if calls else None, "busy_share": seconds / window}  # fmt: skip
    reports = [orjson.loads(await member.command(orjson.dumps(sent).decode())) for member in swarms.members]
    histogram = merge(report["histogram"] for report in reports)
    second = max(1, round(arguments.rate))
    per_second = [round(max(calls_ms[at : at + second]), 1) for at in range(0, count, second)]
    closes: dict[str, int] = {}
    for report in reports:
        for reason, clients in report["closes"].items():
            closes[reason] = closes.get(reason, 0) + clients
    return {
        "rate_per_s": arguments.rate,
        "duration_s": arguments.duration,
        "events": count,
        "frames_expected": count * arguments.clients,
        "frames_received": sum(histogram.values()),
        "missed": sum(sum(report["missed"]) for report in reports),
        "repeated": sum(report["repeats"] for report in reports),
        "closes": closes,
        "publish_call_ms": {"p50": statistics.median(calls_ms), "max": max(calls_ms), "each_second_max": per_second},
        "publish_failures": len(failures),
        "publish_failure_first": failures[0] if failures else None,
        **{f"p{q}_ms": percentile_ms(histogram, q) for q in (50, 90, 99)},
        "max_ms": percentile_ms(histogram, 100),
        "window_s": window,
        "server_cpu_percent": 100 * cpu / window,
        "server_waiting_for_a_core_percent": 100 * waited / window,
        "clients_cpu_percent": 100 * clients_cpu_s / window,
        "gateway_fanouts": fanouts,
    }


async def fanout_totals(server: Server) -> tuple[float, float] | None:
    """(s, calls) the gateway has spent writing events to sockets, from ``/metrics``; one worker only."""
    if server.name != "gateway" or server.env.get("STOPPRESS_PUSH_WORKERS") != "1":
        return None  # with several workers /metrics answers from any one of them
    return histogram_totals(await metrics_page(server.port), "stoppress_push_fanout_seconds")


async def run(arguments: argparse.Namespace, bootstrap: str, folder: Path) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    net = 30
    if not arguments.skip_peer:
        centrifugo = Centrifugo(folder, free_port())
        async with centrifugo.publisher() as publisher:
            options = ["--path", WEBSOCKET_PATH, "--centrifugo", CHANNEL]
            results.append(await measure(centrifugo, publisher.publish, options, arguments, net))
        print_server(results[-1])
    producer = durable_producer(bootstrap, "bench-push-peers")
    await producer.start()
    try:
        codes: list[str | None] = [None]
        if arguments.compare:
            codes.append(arguments.compare)
        for code in codes:
            for workers in arguments.workers:
                net += 1
                topics = await create_topics(bootstrap)

                async def publish(event: bytes, topic: str = topics["events"]) -> None:
                    await producer.send_and_wait(topic, event)

                port = free_port()
                env = gateway_env(bootstrap, topics, port, arguments.clients, workers)
                if code is not None:
                    env |= {"PYTHONPATH": str(gateway_code(code, folder)), CODE_VARIABLE: code}
                gateway = Server("gateway", [PYTHON, "-m", "stoppress.push"], env, port)
                results.append(await measure(gateway, publish, [], arguments, net))
                print_server(results[-1])
    finally:
        await producer.stop()
    return results


def gateway_code(ref: str, folder: Path) -> Path:
    """A folder holding the gateway package (``stoppress.push``) as it was at git ``ref``, to put on ``PYTHONPATH``."""
    target = folder / f"gateway-{ref.replace('/', '_')}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", ref, "services/push/stoppress"], cwd=ROOT, check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "services" / "push"


def label(result: dict[str, Any]) -> str:
    if result["server"] != "gateway":
        return "Centrifugo"
    code = result.get("code")
    return f"Stop Press ×{result['workers']}" + (f" @{code}" if code else "")


def print_server(result: dict[str, Any]) -> None:
    writes = result["gateway_fanouts"]
    fanouts = ""
    if writes and writes["calls"]:
        fanouts = (
            f"; {writes['calls']:.0f} fan-outs of {writes['events_per_call']:.1f} events, "
            f"{writes['mean_ms']:.1f} ms each, writing {100 * writes['busy_share']:.0f} % of the time"
        )
    print(f"  {label(result)}: done (closes {result['closes'] or 'none'}, repeated {result['repeated']}, "
          f"waiting for a core {result['server_waiting_for_a_core_percent']:.0f} %, "
          f"publish calls p50 {result['publish_call_ms']['p50']:.0f} ms, "
          f"max {result['publish_call_ms']['max']:.0f} ms, {result['publish_failures']} failed, "
          f"clients' CPU {result['clients_cpu_percent']:.0f} %{fanouts})", flush=True)  # fmt: skip


def table(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, with each Stop Press figure's ratio to Centrifugo's (``None`` without the peer, or 0 / 0)."""
    peer = next((r for r in results if r["server"] == "centrifugo"), None)
    rows = []
    for name, key, unit in ROWS:
        row: dict[str, Any] = {"figure": name, "unit": unit}
        for result in results:
            value = result[key]
            row[label(result)] = value
            if result is not peer and peer is not None:
                row[f"{label(result)} / Centrifugo"] = value / peer[key] if peer[key] else None
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, Any]], arguments: argparse.Namespace) -> None:
    print(f"\n{arguments.clients:,} clients; one event: median of {arguments.rounds}; sustained: "
          f"{arguments.rate:g} events/s for {arguments.duration:g} s ({arguments.rate * arguments.clients:,.0f} "
          "frames/s); ratio below 1: Stop Press ahead")  # fmt: skip
    columns = [key for key in rows[0] if key not in ("figure", "unit")]
    heads = ["ratio" if column.endswith("/ Centrifugo") else column for column in columns]
    width = max(18, *(len(head) + 2 for head in heads))
    print(f"{'figure':<40}" + "".join(f"{head:>{width}}" for head in heads))
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if value is None:
                cells.append("—")
            elif column.endswith("/ Centrifugo"):
                cells.append(f"{value:.2f}")
            elif row["figure"] == "missed frames":
                cells.append(f"{value:,}")
            else:
                cells.append(f"{value:,.1f} {row['unit'].replace(' of a core', '')}")
        print(f"{row['figure']:<40}" + "".join(f"{cell:>{width}}" for cell in cells))


def _workers(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000, help="connected clients, for every server")
    parser.add_argument("--swarms", type=int, default=2, help="client processes")
    parser.add_argument("--rounds", type=int, default=10, help="single events timed (the median is the figure)")
    parser.add_argument("--rate", type=float, default=20.0, help="sustained events per second")
    parser.add_argument("--duration", type=float, default=30.0, help="sustained load, seconds")
    parser.add_argument("--workers", type=_workers, default=[1, 2], help="gateway runs, by worker processes: 1,2")
    parser.add_argument("--compare", metavar="GIT_REF", help="also measure the gateway's code as at this git ref")
    parser.add_argument("--skip-peer", action="store_true", help="measure the gateway only")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    arguments = parser.parse_args()
    peer = None
    if not arguments.skip_peer:
        binary = centrifugo_binary()
        peer = {"name": "centrifugo", "module": MODULE, "module_version": module_version(binary)}
        print(f"Centrifugo {peer['module_version']} ({binary})", flush=True)
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-push-peers-") as folder:
        if arguments.bootstrap:
            results = asyncio.run(run(arguments, arguments.bootstrap, Path(folder)))
        else:
            with LocalKafka(Path(folder) / "kafka", port=free_port(), controller_port=free_port()) as kafka:
                results = asyncio.run(run(arguments, kafka.bootstrap, Path(folder)))
    rows = table(results)
    print_table(rows, arguments)
    load_at_end = os.getloadavg()
    print(f"load average (1, 5, 15 min): at start {' / '.join(f'{v:.1f}' for v in load_at_start)}, "
          f"at end {' / '.join(f'{v:.1f}' for v in load_at_end)}")  # fmt: skip
    output = {
        "command": " ".join(["python -m bench.push.peers", *sys.argv[1:]]),
        "peer": peer,
        "compare": None if arguments.compare is None else {
            "ref": arguments.compare,
            "commit": subprocess.run(["git", "rev-parse", arguments.compare], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout.strip(),
        },
        "table": rows,
        "servers": results,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "at": datetime.now(UTC).isoformat(),
                    "load_average_at_start": load_at_start, "load_average_at_end": load_at_end},
    }  # fmt: skip
    suffix = "" if arguments.clients == 10_000 else f"-{arguments.clients}"
    suffix += "" if arguments.rate == 20 else f"-rate{arguments.rate:g}"
    suffix += "" if arguments.workers == [1, 2] else "-w" + "".join(str(workers) for workers in arguments.workers)
    suffix += "" if arguments.compare is None else "-compare"
    name = RESULTS / f"push-peers{suffix}.json"
    name.parent.mkdir(parents=True, exist_ok=True)
    name.write_bytes(orjson.dumps(output, option=orjson.OPT_INDENT_2))
    print(f"results written to {name.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

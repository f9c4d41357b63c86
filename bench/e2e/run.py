"""End-to-end benchmark and soak: POST to ingest → Kafka → ticker → Kafka → push → WebSocket readers.

::

    python -m bench.e2e                                  # 1,000 readers, 2 headlines/s, 60 s
    python -m bench.e2e --clients 1000 --rate 2 --duration 60
    python -m bench.e2e --soak                           # 5,000 readers, 10 min, 2/s + 20 in 1 s every minute,
                                                         # each story withdrawn after 2 min (see SOAK)
    python -m bench.e2e --brokers 3                      # on a three-node cluster of its own
    python -m bench.e2e --bootstrap 127.0.0.1:9092       # start the stack on a running broker
    python -m bench.e2e --ingest-url http://127.0.0.1:8081 --ws-url ws://127.0.0.1:8080/v1/ws \\
                        --push-pid PID --key KEY         # measure a stack that is already running

Unless told otherwise it starts a Kafka broker (from the Maven jars; ``--brokers
3``: a three-node cluster, every topic replicated three times) and the three
services, each a process of its own, in a temporary folder. Readers
are separate processes connecting from their own loopback addresses: by
default the C epoll swarm of ``bench/push/swarm.c`` (1,000 clients each,
compiled on first use), so that the figures measure the pipeline and not the
readers' own Python; ``--readers python`` uses :mod:`bench.e2e.readers`
(``websockets`` clients, 250 each) for comparison. The driver posts
headlines on schedule (:mod:`bench.e2e.schedule`), each founding a story of
its own, so every reader receives every one as a ``story.new``.

Measured: latency from the moment the POST was sent to the moment each
reader had the event (p50/p95/p99/max over every reader × headline), and
for comparison, in the same run and with the same readers, from the moment
an event was written straight to ``ticker.events`` (:mod:`bench.e2e.direct`:
the gateway on its own, 30 s at the same rate),
delivered frames per second, events missed or received twice per reader,
unexpected closes, and the gateway's RSS and CPU (psutil, sampled every
second). The run is compared with the gateway's end-to-end goal (issue 5).
Prints a table, writes ``bench/results/e2e.json`` (``e2e-soak.json`` for
``--soak``), and exits 1 if an event was missed or repeated, a connection
dropped, a post was refused, or (soak) the gateway's memory grew.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench.e2e.direct import write_events
from bench.e2e.floor import measure_hops
from bench.e2e.load import drive
from bench.e2e.procs import ROOT, ReaderProcesses, own_stack
from bench.e2e.report import failures, figures, table
from bench.e2e.schedule import post_offsets
from bench.e2e.stats import mean_ms_between
from stoppress.shared import eventloop

RESULTS = ROOT / "bench" / "results"
WARMUP_POSTS = 3
FLOOR_HOPS = 3
"""Kafka hops from ingest to the gateway: headlines.raw, the desk topic, ticker.events."""
SOAK = {"clients": 5000, "rate": 2.0, "duration": 600.0, "burst_size": 20, "burst_every": 60.0, "processes": 10,
        "direct": False, "floor": False, "retract_after": 120, "ring_size": 1000, "warmup": 300.0}
"""The soak: the issue's load (5,000 readers, 2/s, bursts of 20) in a steady state, so that flat memory means
no leak: every story is withdrawn two minutes after it was posted, and the gateway keeps its last 1,000
events (instead of 10,000, which 2/s would not fill in ten minutes); memory is compared from minute 5 on."""


STAGES = {
    "receipt_to_ticker_decision": ("ticker", "stoppress_ticker_processing_seconds"),
    "receipt_to_gateway_write": ("push", "stoppress_push_e2e_latency_seconds"),
}
"""Stage means read from the services' own histograms: from ingest's receipt (the ``received_at`` and
``ingested_at`` stamps) to the ticker's decision, and to the gateway writing the event to every socket."""


@dataclass(frozen=True)
class Target:
    """Where the stack under test listens, and which process is its gateway."""

    ingest_url: str
    ws_url: str
    key: str
    push_pid: int | None
    ticker_url: str | None
    bootstrap: str | None

    @property
    def metrics_urls(self) -> dict[str, str]:
        push = self.ws_url.replace("ws://", "http://", 1).replace("wss://", "https://", 1).removesuffix("/v1/ws")
        urls = {"push": f"{push}/metrics"}
        if self.ticker_url:
            urls["ticker"] = f"{self.ticker_url}/metrics"
        return urls


@asynccontextmanager
async def target(arguments: argparse.Namespace) -> AsyncIterator[Target]:
    """The stack to measure: given, started on a given broker, or started with a broker of its own."""
    if arguments.ingest_url:
        key = arguments.key or os.environ.get("STOPPRESS_DEMO_KEY", "")
        yield Target(arguments.ingest_url, arguments.ws_url, key, arguments.push_pid, arguments.ticker_url,
                     arguments.bootstrap)
        return
    os.environ["STOPPRESS_EVENT_LOOP"] = arguments.event_loop  # the services started here inherit it
    push_env = {"STOPPRESS_PUSH_RING_SIZE": str(arguments.ring_size)} if arguments.ring_size else None
    async with own_stack(arguments.bootstrap, push_env, arguments.brokers) as stack:
        config = stack.config
        assert stack.push.proc is not None
        yield Target(config.ingest_url, config.ws_url, config.demo_key, stack.push.proc.pid, config.ticker_url,
                     config.bootstrap)


async def sample_gateway(pid: int | None, started: float, samples: list[tuple[float, float, float]]) -> None:
    """Every second: (s since ``started``, RSS bytes, CPU % of one core) of the gateway process."""
    if pid is None:
        return
    process = psutil.Process(pid)
    process.cpu_percent(None)
    while True:
        await asyncio.sleep(1.0)
        samples.append((time.monotonic() - started, float(process.memory_info().rss), process.cpu_percent(None)))


async def measure(arguments: argparse.Namespace) -> dict[str, Any]:
    tag = f"bench{uuid.uuid4().hex[:8]}"
    offsets = post_offsets(arguments.duration, arguments.rate, arguments.burst_size, arguments.burst_every)
    async with target(arguments) as stack:
        readers = ReaderProcesses(stack.ws_url, arguments.clients, arguments.processes, tag, arguments.readers)
        try:
            print(f"connecting {arguments.clients:,} readers in {len(readers.counts)} processes", file=sys.stderr)
            await readers.start(timeout_s=600)
            warmup = [0.5 * n for n in range(WARMUP_POSTS)]
            await drive(stack.ingest_url, stack.key, f"warmup{uuid.uuid4().hex[:8]}", warmup)
            await asyncio.sleep(2.0)
            before = await asyncio.to_thread(_scrape, stack.metrics_urls)
            samples: list[tuple[float, float, float]] = []
            started = time.monotonic()
            sampler = asyncio.create_task(sample_gateway(stack.push_pid, started, samples))
            print(f"posting {len(offsets)} headlines over {arguments.duration:g} s", file=sys.stderr)
            posted = await drive(stack.ingest_url, stack.key, tag, offsets, retract_after=arguments.retract_after)
            await asyncio.sleep(arguments.drain)
            sampler.cancel()
            after = await asyncio.to_thread(_scrape, stack.metrics_urls)
            direct: dict[int, float] = {}
            if arguments.direct and stack.bootstrap:
                print("comparison: the same readers, events written straight to ticker.events", file=sys.stderr)
                direct = await write_events(stack.bootstrap, tag, post_offsets(min(30.0, arguments.duration),
                                                                               arguments.rate))  # fmt: skip
                await asyncio.sleep(arguments.drain)
            reports = await readers.reports({**posted.accepted, **direct})
        finally:
            readers.kill()
        floor = None
        if arguments.floor and stack.bootstrap:
            floor = await measure_hops(stack.bootstrap, FLOOR_HOPS, arguments.clients,
                                       post_offsets(min(30.0, arguments.duration), arguments.rate), arguments.drain,
                                       event_loop=arguments.event_loop)
            floor = floor["latency_ms"] | {"hops": FLOOR_HOPS, "missed_events": floor["missed_events"]}
    stages = {stage: mean_ms_between(before.get(service, ""), after.get(service, ""), histogram)
              for stage, (service, histogram) in STAGES.items()}  # fmt: skip
    return figures(readers=reports, accepted=posted.accepted, statuses=posted.statuses, withdrawn=posted.withdrawn,
                   answers_s=posted.answer_s, gateway=samples, warmup_s=arguments.warmup,
                   stage_means_ms=stages, floor=floor)  # fmt: skip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket readers (default 1000)")
    parser.add_argument("--rate", type=float, default=2.0, help="headlines per second (default 2)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--burst-size", type=int, default=0, help="extra headlines in one second, every --burst-every")
    parser.add_argument("--burst-every", type=float, default=0.0, help="seconds between bursts")
    parser.add_argument("--processes", type=int, default=0,
                        help="reader processes (default: 250 clients each for --readers python, 1,000 for c)")
    parser.add_argument("--readers", choices=["c", "python"], default="c",
                        help="reader clients: the C epoll swarm (default) or Python websockets clients")
    parser.add_argument("--drain", type=float, default=5.0, help="seconds to wait for late events (default 5)")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds excluded from the memory trend")
    parser.add_argument("--retract-after", type=int, default=0,
                        help="withdraw each headline this many posts later (keeps the number of stories steady)")
    parser.add_argument("--ring-size", type=int, default=0, help="the gateway's RING_SIZE when started here")
    soak = ", ".join(f"{name}={value}" for name, value in SOAK.items())
    parser.add_argument("--soak", action="store_true", help=f"the soak preset: {soak}")
    parser.add_argument("--no-direct", dest="direct", action="store_false",
                        help="skip the comparison (events written straight to ticker.events; needs a broker)")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the floor (the same readers behind three plain aiokafka hops; see bench.e2e.floor)")
    parser.add_argument("--brokers", type=int, default=1,
                        help="Kafka nodes to start (1, or 3 for a replicated cluster; default 1)")
    parser.add_argument("--event-loop", choices=["uvloop", "asyncio"], default=eventloop.DEFAULT_EVENT_LOOP,
                        help="STOPPRESS_EVENT_LOOP of the services started here, and the floor's loop (default uvloop)")
    parser.add_argument("--bootstrap", help="start the stack on this broker instead of a new one")
    parser.add_argument("--ingest-url", help="measure a running stack: ingest's base URL")
    parser.add_argument("--ws-url", help="measure a running stack: the gateway's /v1/ws URL")
    parser.add_argument("--push-pid", type=int, help="measure a running stack: the gateway's pid (for RSS/CPU)")
    parser.add_argument("--key", help="measure a running stack: an API key (default $STOPPRESS_DEMO_KEY)")
    parser.add_argument("--ticker-url", help="measure a running stack: the ticker's web URL (for its stage time)")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default bench/results/e2e[-soak].json)")
    arguments = parser.parse_args(argv)
    if arguments.soak:
        for name, value in SOAK.items():
            setattr(arguments, name, value)
    if arguments.ingest_url and not arguments.ws_url:
        parser.error("--ingest-url needs --ws-url")
    per_process = 250 if arguments.readers == "python" else 1000
    arguments.processes = arguments.processes or math.ceil(arguments.clients / per_process)
    return arguments


def main(argv: list[str] | None = None) -> None:
    arguments = parse(argv)
    settings = {name: getattr(arguments, name) for name in ("clients", "rate", "duration", "burst_size", "burst_every",
                                                           "processes", "readers", "retract_after", "ring_size",
                                                           "warmup", "soak", "brokers", "event_loop")}  # fmt: skip
    load_at_start = os.getloadavg()
    result = asyncio.run(measure(arguments))
    problems = failures(result, arguments.soak)
    print(table(result, settings))
    print("verdict: " + ("; ".join(problems) if problems else "every reader got every event once, no errors"))
    output = arguments.output or RESULTS / ("e2e-soak.json" if arguments.soak else "e2e.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average_at_start": load_at_start,
               "load_average_at_end": os.getloadavg()}  # fmt: skip
    document = {"command": "python -m bench.e2e " + " ".join(sys.argv[1:] if argv is None else argv),
                "settings": settings, "machine": machine, "result": result, "failures": problems}  # fmt: skip
    output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    sys.exit(1 if problems else 0)


def _scrape(urls: dict[str, str]) -> dict[str, str]:
    pages = {}
    for service, url in urls.items():
        with urllib.request.urlopen(url, timeout=5) as response:
            pages[service] = response.read().decode()
    return pages

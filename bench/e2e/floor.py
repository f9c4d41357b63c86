"""The floor under the end-to-end figure: Kafka hops and a WebSocket fan-out with none of Stop Press's work.

::

    python -m bench.e2e.floor                        # 1,000 readers, 2 events/s, 60 s, for 1, 2 and 3 hops
    python -m bench.e2e.floor --hops 2 --duration 30

Same readers and load as ``python -m bench.e2e`` (the C swarm, 1,000 clients
from their own loopback addresses, one event every 0.5 s, each a new story),
on a broker of its own, but the path between the writer and the readers does
the least a Kafka pipeline can: the writer produces the encoded event to the
first topic; each of ``hops - 1`` relay processes copies every record to the
next topic with plain aiokafka (acks=all, idempotent, no linger: the services'
producer settings); a fan-out process reads the last topic, wraps each record
in the gateway's event frame once and writes the same bytes to every socket.
No HTTP, validation, faust, clustering, filters, cursors or queues.

Stop Press takes three hops (ingest → ``headlines.raw`` → ticker intake → desk
topic → ``ticker.events`` → push: DESIGN.md keys ``headlines.raw`` by
``source:guid``, so clustering needs the re-key to the desk), and any design
with Kafka between its services takes at least two. What the floor costs on a
machine is what no implementation of that design can beat there.

Prints a table (latency from the write to each reader, p50/p95/p99/max, per
hop count) and writes ``bench/results/e2e-floor.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

import orjson
from aiokafka import AIOKafkaConsumer

from bench.e2e.direct import new_story
from bench.e2e.procs import ROOT, ReaderProcesses, own_broker
from bench.e2e.schedule import post_offsets
from bench.e2e.stats import merge, percentile_ms
from stoppress.cli.processes import free_ports
from stoppress.cli.topics import create_topics
from stoppress.push.frames import text_frame
from stoppress.push.messages import event as event_message
from stoppress.shared import eventloop
from stoppress.shared.codec import encode
from stoppress.shared.kafka import durable_producer, group_free_consumer
from stoppress.shared.topics import TopicSpec

PARTITIONS = 6
"""Partitions of every hop's topic, as ``headlines.raw`` and ``ticker.events`` have by default."""
WARMUP_EVENTS = 10
HANDSHAKE = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
)
GREETING = text_frame(b'{"type":"welcome"}') + text_frame(b'{"type":"snapshot","stories":[]}')
"""What the readers wait for before they count as connected (their ``--initial 2``)."""


def _reading(bootstrap: str, topic: str, client_id: str) -> AIOKafkaConsumer:
    consumer = group_free_consumer(bootstrap, client_id)
    consumer.subscribe([topic])
    return consumer


async def relay(bootstrap: str, source: str, sink: str) -> None:
    """Copy every record of ``source`` to ``sink``, one at a time, as a service would."""
    consumer = _reading(bootstrap, source, "floor-relay")
    producer = durable_producer(bootstrap, "floor-relay", linger_ms=0)
    await consumer.start()
    await producer.start()
    print("ready", flush=True)
    async for record in consumer:
        await producer.send(sink, record.value, key=record.key)


class _Reader(asyncio.Protocol):
    """One reader's socket: answers the upgrade, then only receives the shared frames."""

    def __init__(self, live: list[asyncio.WriteTransport]) -> None:
        self._live = live
        self._head = b""
        self._transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.WriteTransport, transport)  # uvloop's transports are not its subclasses

    def data_received(self, data: bytes) -> None:
        if self._transport is None or self._transport in self._live:
            return
        self._head += data
        if b"\r\n\r\n" in self._head:
            self._transport.write(HANDSHAKE + GREETING)
            self._live.append(self._transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport in self._live:
            self._live.remove(self._transport)


async def fan_out(bootstrap: str, source: str, port: int) -> None:
    """Serve WebSocket upgrades on ``port``; write each record of ``source``, framed once, to every socket."""
    live: list[asyncio.WriteTransport] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Reader(live), "127.0.0.1", port, backlog=4096)
    consumer = _reading(bootstrap, source, "floor-fan-out")
    await consumer.start()
    print("ready", flush=True)
    async with server:
        async for record in consumer:
            frame = text_frame(event_message(f"0-{record.offset}", record.value or b"", True))
            for transport in live:
                transport.write(frame)


async def _write(bootstrap: str, topic: str, tag: str, offsets: list[float]) -> dict[int, float]:
    """Write one new-story event per offset (s from now); return sequence number → when it was sent."""
    producer = durable_producer(bootstrap, f"floor-writer-{tag}", linger_ms=0)
    await producer.start()
    sent: dict[int, float] = {}
    try:
        start = time.monotonic()
        for seq, offset in enumerate(offsets):
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            event = new_story(tag, seq)
            sent[seq] = time.time()
            await producer.send_and_wait(topic, encode(event), key=event.story.story_id.encode())
    finally:
        await producer.stop()
    return sent


async def _child(*argv: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.e2e.floor", *argv, cwd=ROOT,
                                                   stdout=asyncio.subprocess.PIPE)  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
    if line != "ready":
        raise RuntimeError(f"floor {argv[0]} did not start: {line!r}")
    return process


async def measure_hops(bootstrap: str, hops: int, clients: int, offsets: list[float], drain_s: float,
                       *, event_loop: eventloop.EventLoopKind = eventloop.DEFAULT_EVENT_LOOP) -> dict[str, Any]:
    """Latency from the write to each reader over ``hops`` topics: one event per offset (s from the start).

    The relays and the fan-out run on ``event_loop``, as the services do (``STOPPRESS_EVENT_LOOP``), so
    the floor stays the least the same tools can do.
    """
    run = uuid.uuid4().hex[:8]
    topics = [f"floor-{run}-{n}" for n in range(hops)]
    await create_topics(bootstrap, [TopicSpec(name, PARTITIONS) for name in topics])  # replicated as Stop Press's
    (port,) = free_ports(1)
    children = [await _child("relay", bootstrap, source, sink, event_loop)
                for source, sink in itertools.pairwise(topics)]  # fmt: skip
    children.append(await _child("fan-out", bootstrap, topics[-1], str(port), event_loop))
    tag = f"floor{run}"
    readers = ReaderProcesses(f"ws://127.0.0.1:{port}/v1/ws", clients, 1, tag)
    try:
        await readers.start(timeout_s=600)
        await _write(bootstrap, topics[0], f"warmup{run}", [0.2 * n for n in range(WARMUP_EVENTS)])
        print(f"floor, {hops} Kafka hop(s): writing {len(offsets)} events over {offsets[-1]:.0f} s", file=sys.stderr)
        sent = await _write(bootstrap, topics[0], tag, offsets)
        await asyncio.sleep(drain_s)
        reports = await readers.reports(sent)
    finally:
        readers.kill()
        for child in children:
            child.kill()
            await child.wait()
    histogram = merge(report["histogram"] for report in reports)
    return {
        "hops": hops,
        "events": len(sent),
        "missed_events": sum(sum(report["missed"]) for report in reports),
        "latency_ms": {f"p{q}": percentile_ms(histogram, q) for q in (50, 95, 99, 100)},
    }


async def measure(arguments: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="stoppress-bench-floor-") as folder:
        async with own_broker(Path(folder)) as bootstrap:
            offsets = post_offsets(arguments.duration, arguments.rate)
            return [await measure_hops(bootstrap, hops, arguments.clients, offsets, arguments.drain,
                                       event_loop=arguments.event_loop)
                    for hops in arguments.hops]  # fmt: skip


def table(rows: list[dict[str, Any]], clients: int, rate: float) -> str:
    lines = [f"floor: {clients:,} readers, {rate:g} events/s, write → reader (ms)",
             f"{'hops':>4}  {'p50':>6}  {'p95':>6}  {'p99':>6}  {'max':>6}  missed"]  # fmt: skip
    for row in rows:
        latency = row["latency_ms"]
        cells = "  ".join(f"{latency[q]:6.1f}" if latency[q] is not None else f"{'-':>6}"
                          for q in ("p50", "p95", "p99", "p100"))  # fmt: skip
        lines.append(f"{row['hops']:>4}  {cells}  {row['missed_events']}")
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e.floor", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket readers (default 1000, one C swarm)")
    parser.add_argument("--rate", type=float, default=2.0, help="events per second (default 2)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per hop count (default 60)")
    parser.add_argument("--hops", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 3],
                        help="Kafka topics between writer and readers, comma-separated (default 1,2,3)")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late events (default 3)")
    parser.add_argument("--event-loop", choices=["uvloop", "asyncio"], default=eventloop.DEFAULT_EVENT_LOOP,
                        help="the relays' and fan-out's loop, as the services' STOPPRESS_EVENT_LOOP (default uvloop)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "e2e-floor.json",
                        help="where to write the JSON (default bench/results/e2e-floor.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] in ("relay", "fan-out"):
        role, bootstrap, source, target, kind = sys.argv[1:6]
        eventloop.install("asyncio" if kind == "asyncio" else "uvloop")
        asyncio.run(relay(bootstrap, source, target) if role == "relay" else fan_out(bootstrap, source, int(target)))
        return
    arguments = parse(argv)
    rows = asyncio.run(measure(arguments))
    print(table(rows, arguments.clients, arguments.rate))
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()}
    document = {"command": "python -m bench.e2e.floor " + " ".join(sys.argv[1:] if argv is None else argv),
                "settings": {"clients": arguments.clients, "rate": arguments.rate, "duration": arguments.duration,
                             "event_loop": arguments.event_loop},
                "machine": machine, "rows": rows}  # fmt: skip
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"wrote {arguments.output.relative_to(ROOT) if arguments.output.is_relative_to(ROOT) else arguments.output}")


if __name__ == "__main__":
    main()

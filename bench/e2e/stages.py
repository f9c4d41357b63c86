"""Where the end-to-end time goes, stage by stage: one reader, the services' stamps and Kafka's record times.

::

    python -m bench.e2e.stages                        # 200 headlines at 4/s (after 40 to warm up)
    python -m bench.e2e.stages --headlines 500 --rate 2

Starts a broker and the three services as ``python -m bench.e2e`` does, one
WebSocket reader, and a plain consumer of ``headlines.raw``, the ticker's
desk topic and ``ticker.events``. For each headline it posts it records when
the POST was sent and answered, the create time of the headline's record on
each topic (stamped by the producer as it sent it; ms resolution), the desk's
decision (the event's ``processed_at``), when the consumer had each record
and when the reader had the event. A record's create time is when its
producer's ``send`` took it, not when it left the process: the three "sent →
plain consumer" rows compare one hop from each writer (ingest, the intake
agent, the desk agent), so work a writer does after ``send`` and before it
yields shows there. One reader, so the fan-out is not in these figures
(``python -m bench.e2e`` has it). Prints p50/p90/p99 per stage and writes
``bench/results/e2e-stages.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import websockets
from aiokafka import AIOKafkaConsumer

from bench.e2e.load import headline
from bench.e2e.procs import ROOT, own_stack
from stoppress.cli.stack import StackConfig
from stoppress.ingest.client import IngestClient
from stoppress.shared.topics import HEADLINES_RAW, TICKER_EVENTS
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.topics import desk_topic_name

DESK = desk_topic_name(TickerSettings())
STAGES = (
    ("POST → record sent to headlines.raw", "post", "raw"),
    ("POST → 202", "post", "answered"),
    ("headlines.raw → sent to the desk topic", "raw", "desk"),
    ("desk topic → desk decision", "desk", "decided"),
    ("decision → event sent", "decided", "event"),
    ("event sent → plain consumer has it", "event", "consumed"),
    ("raw sent (ingest) → plain consumer has it", "raw", "raw_consumed"),
    ("desk record sent (intake) → plain consumer has it", "desk", "desk_consumed"),
    ("event sent → reader has it", "event", "read"),
    ("POST → reader has it", "post", "read"),
)
"""(name, from, to): the moments (``time.time()`` clock, s) each stage runs between."""
WARMUP_HEADLINES = 40


def _text(value: Any) -> str | None:
    """The headline text in a ``Headline``, a ``TickerEvent`` or an ``event`` message."""
    if not isinstance(value, dict):
        return None
    for candidate in (value, value.get("story"), (value.get("event") or {}).get("story")):
        if isinstance(candidate, dict) and isinstance(candidate.get("headline"), str):
            return str(candidate["headline"])
    return None


async def _watch_topics(bootstrap: str, tag: str, moments: dict[str, dict[str, float]]) -> None:
    consumer = AIOKafkaConsumer(HEADLINES_RAW, DESK, TICKER_EVENTS, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="latest", fetch_max_wait_ms=100)  # fmt: skip
    names = {HEADLINES_RAW: "raw", DESK: "desk", TICKER_EVENTS: "event"}
    await consumer.start()
    try:
        async for record in consumer:
            now = time.time()
            try:
                document = orjson.loads(record.value or b"")
            except orjson.JSONDecodeError:
                continue
            for value in document if isinstance(document, list) else [document]:  # a list: a bundle of headlines
                text = _text(value)
                if text is None or tag not in text:
                    continue
                seen = moments.setdefault(text, {})
                seen[names[record.topic]] = record.timestamp / 1000
                seen[f"{names[record.topic]}_consumed"] = now
                if record.topic == TICKER_EVENTS:
                    seen["consumed"] = now
                    seen["decided"] = datetime.fromisoformat(value["processed_at"]).timestamp()
    finally:
        await consumer.stop()


async def _read(ws_url: str, origin: str, tag: str, moments: dict[str, dict[str, float]]) -> None:
    async with websockets.connect(ws_url, origin=websockets.Origin(origin), max_size=None) as reader:
        async for message in reader:
            now = time.time()
            value = orjson.loads(message)
            text = _text(value)
            if value.get("type") == "event" and text is not None and tag in text:
                moments.setdefault(text, {}).setdefault("read", now)


async def _post(config: StackConfig, tag: str, count: int, rate: float, moments: dict[str, dict[str, float]]) -> None:
    async with IngestClient(config.ingest_url, config.demo_key) as ingest:
        for seq in range(count):
            text = headline(tag, seq)
            seen = moments.setdefault(text, {})
            seen["post"] = time.time()
            answer = await ingest.post({"guid": f"{tag}-{seq}", "headline": text, "urgency": 2})
            if answer.status != 202:
                raise SystemExit(f"ingest answered {answer.status} to headline {seq}")
            seen["answered"] = time.time()
            await asyncio.sleep(1 / rate)


async def _round(config: StackConfig, count: int, rate: float) -> dict[str, dict[str, float]]:
    tag = f"stages{uuid.uuid4().hex[:8]}"
    moments: dict[str, dict[str, float]] = {}
    watchers = [asyncio.create_task(_watch_topics(config.bootstrap, tag, moments)),
                asyncio.create_task(_read(config.ws_url, config.push_url, tag, moments))]  # fmt: skip
    await asyncio.sleep(2.0)  # both have joined their topics and the stream
    try:
        await _post(config, tag, count, rate, moments)
        await asyncio.sleep(2.0)
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
    return moments


def stage_figures(moments: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """p50/p90/p99 (ms) of each stage over the headlines that have both its moments."""
    rows = []
    for name, start, end in STAGES:
        spans = sorted(1e3 * (seen[end] - seen[start]) for seen in moments.values() if start in seen and end in seen)
        quantiles = {f"p{q}": spans[min(len(spans) - 1, q * len(spans) // 100)] if spans else None
                     for q in (50, 90, 99)}  # fmt: skip
        rows.append({"stage": name, "headlines": len(spans), **quantiles})
    return rows


async def measure(arguments: argparse.Namespace) -> list[dict[str, Any]]:
    async with own_stack(None) as stack:
        await _round(stack.config, WARMUP_HEADLINES, arguments.rate)
        print(f"posting {arguments.headlines} headlines at {arguments.rate:g}/s", file=sys.stderr)
        return stage_figures(await _round(stack.config, arguments.headlines, arguments.rate))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e.stages", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--headlines", type=int, default=200, help="headlines measured (default 200)")
    parser.add_argument("--rate", type=float, default=4.0, help="headlines per second (default 4)")
    parser.add_argument("--event-loop", choices=["uvloop", "asyncio"], default="uvloop",
                        help="the services' STOPPRESS_EVENT_LOOP (default uvloop)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "e2e-stages.json",
                        help="where to write the JSON (default bench/results/e2e-stages.json)")
    arguments = parser.parse_args()
    os.environ["STOPPRESS_EVENT_LOOP"] = arguments.event_loop  # the services started here inherit it
    rows = asyncio.run(measure(arguments))
    print(f"{'stage':42} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for row in rows:
        cells = " ".join(f"{row[q]:8.2f}" if row[q] is not None else f"{'-':>8}" for q in ("p50", "p90", "p99"))
        print(f"{row['stage']:42} {row['headlines']:>5} {cells}")
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()}
    document = {"command": "python -m bench.e2e.stages " + " ".join(sys.argv[1:]),
                "settings": {"headlines": arguments.headlines, "rate": arguments.rate,
                             "event_loop": arguments.event_loop}, "machine": machine,
                "stages": rows}  # fmt: skip
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"wrote {arguments.output.relative_to(ROOT) if arguments.output.is_relative_to(ROOT) else arguments.output}")


if __name__ == "__main__":
    main()

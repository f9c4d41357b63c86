"""Editor's action → all readers, against a headline update in the same run (issue 12).

::

    python -m bench.desk                                # 1,000 readers, 300 editor actions + 300 headline updates
    python -m bench.desk --readers 1000 --rounds 500 --interval 0.5
    python -m bench.desk --pairs level,kill             # which actions: level/clear, pin/unpin, kill/restore
    python -m bench.desk --bootstrap 127.0.0.1:9092     # start the services on a running broker

Like ``python -m bench.e2e`` it starts a Kafka broker and the stack (ingest,
ticker, push, desk; :func:`bench.e2e.procs.own_stack`) unless given a broker,
and connects the readers as separate processes: the C swarm of
``bench/push/swarm.c`` in its ``--events`` mode, which notes when each reader
had each event, by event id. The stack runs with its defaults, including the
ticker's ``update_interval_s`` (30 s; it follows ``$STOPPRESS_TICKER_UPDATE_INTERVAL_S``).

It publishes a few stories for the editor (``--desk-stories``) and one fresh
story per headline round through ingest, waits until the ticker would
publish an update of them at once, then runs the rounds of
:mod:`bench.desk.plan` one every ``--interval`` seconds, editor action and
headline update in turn, each only after the previous one's event is out:

- an editor's action: ``POST /v1/desk/stories/{id}/{action}`` with the demo
  editor's key (:class:`stoppress.desk.client.DeskClient`); the answer
  names the events the ticker published for it;
- a headline update: version 2 of the story's only item, with a new headline,
  posted to ingest; its event is the story's next ``story.update``, which
  the driver's own reader (:mod:`bench.desk.observer`) names.

Measured from the moment the request was sent: every reader's receipt of the
round's event (p50/p99 over all receipts), the last of the N readers per
round (p50/p99/max over rounds: the issue's "all readers see it"), the API's
own answer (desk 200 / ingest 202), and where the time goes, hop by hop, from
the Kafka records the round left (:mod:`bench.desk.hops`). Prints the tables,
writes ``bench/results/desk.json``, and exits 1 if a round failed or a reader
missed or repeated an event.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench.desk.hops import command_key, event_key, item_key, record_moments
from bench.desk.observer import Observer, published
from bench.desk.plan import PAIRS, Round, rounds
from bench.desk.report import Done, failures, figures, table, verdict
from bench.e2e.load import headline
from bench.e2e.procs import ROOT, ReaderProcesses, own_stack
from stoppress.cli.stack import Stack, StackConfig
from stoppress.desk.client import DeskClient
from stoppress.ingest.client import IngestClient
from stoppress.ticker.settings import TickerSettings

RESULTS = ROOT / "bench" / "results"
URGENCY = 2
"""IPTC urgency of the benchmark's headlines: the ticker makes them ``breaking``."""
PER_PROCESS = 1000
PUBLISH_PER_S = 20.0
STORY_TIMEOUT_S = 60.0


class Driver:
    """Runs the rounds against one stack: one desk client, one ingest client, one observing reader."""

    def __init__(self, config: StackConfig, tag: str, observer: Observer, arguments: argparse.Namespace) -> None:
        self.config = config
        self.tag = tag
        self.observer = observer
        self.arguments = arguments
        self.update_interval_s = TickerSettings().update_interval_s
        self.desk_stories: list[str] = []
        self.headline_stories: list[str] = []

    def item(self, seq: int) -> str:
        return f"{self.tag}-{seq}"

    async def publish(self, ingest: IngestClient) -> None:
        """One story per desk story and per headline round; their ids, from each one's ``story.new``."""
        count = self.arguments.desk_stories + self.arguments.rounds + self.arguments.warmup
        texts = [headline(self.tag, seq) for seq in range(count)]
        for seq, text in enumerate(texts):
            answer = await ingest.post({"guid": self.item(seq), "headline": text, "urgency": URGENCY})
            if answer.status != 202:
                raise SystemExit(f"ingest refused a story: {answer.problem_text}")
            await asyncio.sleep(1 / PUBLISH_PER_S)
        ids = []
        for text in texts:
            seen = await self.observer.wait_for(published(text), STORY_TIMEOUT_S)
            if seen is None:
                raise SystemExit(f"the ticker did not publish {text!r} within {STORY_TIMEOUT_S:g} s")
            ids.append(seen.story_id)
        self.desk_stories = ids[: self.arguments.desk_stories]
        self.headline_stories = ids[self.arguments.desk_stories :]

    async def run(self, planned: Sequence[Round], desk: DeskClient, ingest: IngestClient) -> list[Done]:
        """Every round, one each ``--interval`` seconds (later if the previous one's event is not out yet)."""
        done = []
        next_at = time.monotonic()
        for step in planned:
            if not step.editor:
                await self.untouched(self.headline_stories[step.story])
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            done.append(await (self.act(step, desk) if step.editor else self.update(step, ingest)))
            next_at = max(next_at + self.arguments.interval, time.monotonic())
            if (step.number + 1) % 50 == 0:
                print(f"  {step.number + 1} of {len(planned)} rounds", file=sys.stderr)
        return done

    async def untouched(self, story_id: str) -> None:
        """Wait until the ticker would publish a change of ``story_id`` at once (``update_interval_s`` passed)."""
        last = self.observer.last_by_story.get(story_id, 0.0)
        await asyncio.sleep(max(0.0, last + self.update_interval_s + 1.0 - time.time()))

    async def act(self, step: Round, desk: DeskClient) -> Done:
        story_id = self.desk_stories[step.story]
        command_id = uuid.uuid4().hex
        body = {"command_id": command_id, "reason": f"bench.desk round {step.number}", **step.body}
        sent = time.time()
        started = time.perf_counter()
        answer = await desk.command(story_id, step.kind, body)
        answer_ms = 1e3 * (time.perf_counter() - started)
        done = Done(step, story_id, sent, answer_ms, answer.status, records=command_key(command_id))
        if answer.status != 200:
            done.problem = answer.problem_text
            return done
        done.events = list(answer.body.get("events") or [])
        if not done.events:
            done.problem = f"{step.kind} caused no event: {answer.body.get('message')}"
        elif not await self.observer.wait_ids(done.events, self.arguments.round_timeout):
            done.problem = f"events {done.events} not out within {self.arguments.round_timeout:g} s"
        return done

    async def update(self, step: Round, ingest: IngestClient) -> Done:
        seq = self.arguments.desk_stories + step.story
        story_id = self.headline_stories[step.story]
        text = f"Update: {headline(self.tag, seq)}"
        sent = time.time()
        started = time.perf_counter()
        answer = await ingest.post({"guid": self.item(seq), "version": 2, "headline": text, "urgency": URGENCY})
        answer_ms = 1e3 * (time.perf_counter() - started)
        item_id = (answer.body or {}).get("id", "")
        done = Done(step, story_id, sent, answer_ms, answer.status, records=item_key(item_id, 2))
        if answer.status != 202:
            done.problem = answer.problem_text
            return done
        seen = await self.observer.wait_for(
            lambda s: s.story_id == story_id and s.type == "story.update" and s.headline == text,
            self.arguments.round_timeout,
        )
        if seen is None:
            done.problem = f"no story.update within {self.arguments.round_timeout:g} s"
        else:
            done.events = [seen.event_id]
        return done


async def sample_cpu(stack: Stack, samples: dict[str, list[float]]) -> None:
    """Every second: CPU % of one core of each service process (psutil)."""
    processes = {service.name: psutil.Process(service.proc.pid) for service in stack.services if service.proc}
    for process in processes.values():
        process.cpu_percent(None)
    while True:
        await asyncio.sleep(1.0)
        for name, process in processes.items():
            samples.setdefault(name, []).append(process.cpu_percent(None))


async def measure(arguments: argparse.Namespace) -> dict[str, Any]:
    tag = f"desk{uuid.uuid4().hex[:8]}"
    planned = rounds(arguments.rounds, arguments.warmup, arguments.pairs, arguments.desk_stories)
    load_at_start = os.getloadavg()
    cpu: dict[str, list[float]] = {}
    async with own_stack(arguments.bootstrap) as stack:
        config = stack.config
        assert config.demo_editor_key is not None
        processes = math.ceil(arguments.readers / PER_PROCESS)
        readers = ReaderProcesses(config.ws_url, arguments.readers, processes, tag, options=["--events"])
        observer = Observer(config.ws_url)
        driver = Driver(config, tag, observer, arguments)
        try:
            print(f"connecting {arguments.readers:,} readers in {processes} processes", file=sys.stderr)
            await readers.start(timeout_s=600)
            await observer.start()
            async with (
                IngestClient(config.ingest_url, config.demo_key) as ingest,
                DeskClient(config.desk_url, config.demo_editor_key) as desk,
            ):
                print(
                    f"publishing {arguments.desk_stories} stories for the editor and {len(planned) // 2} "
                    "for the headline updates",
                    file=sys.stderr,
                )
                await driver.publish(ingest)
                print(
                    f"{len(planned)} rounds, one every {arguments.interval:g} s (the first "
                    f"{2 * arguments.warmup} not counted), once the stories are {driver.update_interval_s:g} s "
                    "old",
                    file=sys.stderr,
                )
                since = time.time()
                sampler = asyncio.create_task(sample_cpu(stack, cpu))
                done = await driver.run(planned, desk, ingest)
                sampler.cancel()
            await asyncio.sleep(arguments.drain)
            wanted = {event_id: d.sent for d in done if not d.round.warmup for event_id in d.events}
            reports = await readers.reports(wanted)
        finally:
            readers.kill()
            await observer.stop()
        keys = {d.records for d in done} | {event_key(event_id) for d in done for event_id in d.events}
        moments = await record_moments(config.bootstrap, since - 1.0, keys)
    result = figures(done, reports, moments)
    result["update_interval_s"] = driver.update_interval_s
    result["load_average"] = {"start": load_at_start, "end": os.getloadavg()}
    result["cpu_percent_mean"] = {name: statistics.fmean(values) for name, values in cpu.items() if values}
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.desk", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--readers", type=int, default=1000, help="WebSocket readers (default 1000)")
    parser.add_argument(
        "--rounds", type=int, default=300, help="editor actions measured, and as many headline updates (default 300)"
    )
    parser.add_argument("--warmup", type=int, default=10, help="rounds of each kind run first, not counted (10)")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between rounds, editor and headline in turn (default 0.5)"
    )
    parser.add_argument(
        "--pairs",
        type=lambda text: [p.strip() for p in text.split(",") if p.strip()],
        default=list(PAIRS),
        help=f"editor actions, by pair (default {','.join(PAIRS)})",
    )
    parser.add_argument("--desk-stories", type=int, default=6, help="stories the editor acts on, in turn (6)")
    parser.add_argument(
        "--round-timeout",
        type=float,
        default=10.0,
        help="longest wait for one round's event before it counts as failed (s, default 10)",
    )
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late receipts (default 3)")
    parser.add_argument("--bootstrap", help="start the stack on this broker instead of a new one")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default bench/results/desk.json)")
    arguments = parser.parse_args(argv)
    if any(pair not in PAIRS for pair in arguments.pairs) or not arguments.pairs:
        parser.error(f"--pairs: choose among {', '.join(PAIRS)}")
    if arguments.rounds < 1 or arguments.desk_stories < 1 or arguments.interval <= 0:
        parser.error("--rounds and --desk-stories must be at least 1, --interval above 0")
    return arguments


def main(argv: list[str] | None = None) -> None:
    arguments = parse(argv)
    settings = {
        name: getattr(arguments, name) for name in ("readers", "rounds", "warmup", "interval", "pairs", "desk_stories")
    }
    result = asyncio.run(measure(arguments))
    problems = failures(result)
    print(table(result))
    print(verdict(result))
    print("verdict: " + ("; ".join(problems) if problems else "every reader got every event once, no errors"))
    output = arguments.output or RESULTS / "desk.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    document = {
        "command": "python -m bench.desk " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": settings,
        "machine": machine,
        "verdict": verdict(result),
        "failures": problems,
        "result": result,
    }
    output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    sys.exit(1 if problems else 0)

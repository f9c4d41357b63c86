"""The benchmark's separate processes: Kafka (one node or a cluster) and the stack of its own, reader swarms."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench.push.native import swarm_command
from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.processes import free_ports
from stoppress.cli.stack import Stack, StackConfig

ROOT = Path(__file__).resolve().parents[2]
PER_ADDRESS = 40
"""Clients per source address: within the gateway's default per-address burst (50) and cap (200)."""


@asynccontextmanager
async def own_broker(folder: Path, brokers: int = 1) -> AsyncIterator[str]:
    """Kafka of the benchmark's own (``brokers`` nodes), its state in ``folder``, on free ports; yields its
    bootstrap list."""
    ports = free_ports(2 * brokers)
    broker = LocalKafkaCluster(folder / "kafka", brokers, ports=list(zip(ports[::2], ports[1::2], strict=True)))
    await asyncio.to_thread(broker.launch)
    try:
        yield broker.bootstrap
    finally:
        await asyncio.to_thread(broker.stop)


@asynccontextmanager
async def own_stack(
    bootstrap: str | None, push_env: Mapping[str, str] | None = None, brokers: int = 1
) -> AsyncIterator[Stack]:
    """The stack's services as processes in a temporary folder, on ``bootstrap`` or on Kafka of their own
    (``brokers`` nodes).

    Every service listens on a free port (the desk too: its default 8082 may be another stack's), and the desk
    has a ``demo-editor`` with a fresh key (``stack.config.demo_editor_key``).
    """
    with tempfile.TemporaryDirectory(prefix="stoppress-bench-") as folder:
        async with AsyncExitStack() as exits:
            if bootstrap is None:
                bootstrap = await exits.enter_async_context(own_broker(Path(folder), brokers))
            ingest_port, ticker_port, push_port, desk_port = free_ports(4)
            config = StackConfig(bootstrap=bootstrap, demo_key=uuid.uuid4().hex, demo_editor_key=uuid.uuid4().hex,
                                 data_dir=Path(folder) / "data", log_dir=Path(folder) / "logs",
                                 ingest_port=ingest_port, ticker_port=ticker_port, push_port=push_port,
                                 desk_port=desk_port)  # fmt: skip
            stack = Stack(config)
            if push_env:
                stack.push = dataclasses.replace(stack.push, env={**stack.push.env, **push_env})
            exits.push_async_callback(asyncio.to_thread, stack.stop)
            await asyncio.to_thread(stack.start, 180.0)
            yield stack


class ReaderProcesses:
    """The reader processes, each with its block of source addresses (127.0.<10+n>.x).

    ``options``: more command-line options of the C swarm (``["--events"]``: report by event id, bench/desk).
    """

    def __init__(
        self, ws_url: str, clients: int, processes: int, tag: str, impl: str = "c", *, options: Sequence[str] = ()
    ) -> None:
        if options and impl != "c":
            raise ValueError(f"swarm options {list(options)} need the C readers")
        self.ws_url = ws_url
        self.impl = impl
        self.options = list(options)
        per = math.ceil(clients / processes)
        self.counts = [min(per, clients - n * per) for n in range(processes) if clients - n * per > 0]
        self.tag = tag
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self, timeout_s: float) -> None:
        for n, count in enumerate(self.counts):
            sources = ",".join(f"127.0.{10 + n}.{1 + a}" for a in range(math.ceil(count / PER_ADDRESS)))
            self.procs.append(await asyncio.create_subprocess_exec(
                *self.command(), "--count", str(count), "--tag", self.tag, "--sources", sources,
                cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 24,
            ))  # fmt: skip
        lines = await asyncio.wait_for(asyncio.gather(*(_line(p) for p in self.procs)), timeout_s)
        if any(line != "ready" for line in lines):
            raise RuntimeError(f"readers could not all connect: {lines}")

    def command(self) -> list[str]:
        """One reader process: the C swarm (``bench/push/swarm.c``) or the Python ``websockets`` clients."""
        if self.impl == "python":
            return [sys.executable, "-m", "bench.e2e.readers", "--url", self.ws_url]
        url = urlsplit(self.ws_url)
        if url.hostname not in ("127.0.0.1", "localhost") or url.port is None:
            raise SystemExit(f"the C readers connect to 127.0.0.1 only; got {self.ws_url}")
        return [*swarm_command(), "--port", str(url.port), "--path", url.path, "--initial", "2", *self.options]

    async def reports(self, accepted: Mapping[int, float] | Mapping[str, float]) -> list[dict[str, Any]]:
        """Tell every reader which posts were accepted (or, with ``--events``, which event ids to report on) and
        when they were sent; collect their reports."""
        message = orjson.dumps({str(seq): at for seq, at in accepted.items()}) + b"\n"
        outputs = await asyncio.gather(*(p.communicate(message) for p in self.procs))
        return [orjson.loads(stdout.splitlines()[-1]) for stdout, _ in outputs]

    def kill(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()


async def _line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    return (await process.stdout.readline()).decode().strip()

"""Push gateway benchmark: fan-out rate, completion time, memory per connection, reconnect storm.

``python -m bench.push [--clients 1000] [--events 200] [--swarms 2] [--workers 1] [--only fanout|storm]
[--clients-impl c|python] [--bootstrap HOST:PORT]``

Runs on a real broker (started here from the Maven jars unless ``--bootstrap``
is given), with every party a separate process: the server under test, the
client swarms (``bench/push/swarm.c``, C with epoll, compiled on first use by
:mod:`bench.push.native`; ``--clients-impl python`` uses the asyncio twin
:mod:`bench.push.swarm` instead) and this driver, which writes events
into a private ``ticker.events`` topic. The gateway is compared in the same
run with ``websockets.broadcast()`` and a naive ``await send`` loop
(:mod:`bench.push.baseline`), fed from the same topic. Prints a table and
writes ``bench/results/push.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psutil
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.push.native import swarm_command
from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_port
from stoppress.shared.codec import encode
from stoppress.shared.models import StoryView, TickerEvent

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "push.json"
PYTHON = sys.executable



def event_bytes(number: int) -> bytes:
    """A realistic TickerEvent (~600 bytes of JSON)."""
    now = datetime.now(UTC)
    view = StoryView(
        story_id=f"bench-{number}", headline=f"Breaking: benchmark headline number {number} crosses the wire",
        url=f"https://news.example/{number}", level="breaking", score=5.0, sources=2, source_names=["a", "b"],
        language="en", first_seen=now, updated_at=now, revision=1,
    )
    return encode(TickerEvent(event_id=f"bench-{number}@1", type="story.new", story=view, ingested_at=now,
                              processed_at=now))


@dataclass
class SwarmProcess:
    """One swarm of clients (a process) and its command pipe."""

    process: asyncio.subprocess.Process
    count: int

    async def line(self, timeout_s: float = 120) -> str:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout_s):
            raw = await self.process.stdout.readline()
        if not raw:
            raise RuntimeError("swarm exited")
        return raw.decode().strip()

    async def command(self, text: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.line()

    async def report(self) -> dict[str, Any]:
        result: dict[str, Any] = orjson.loads(await self.command("report"))
        return result

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@dataclass
class Swarms:
    """Every client process of one scenario."""

    members: list[SwarmProcess] = field(default_factory=list)

    @classmethod
    async def start(
        cls, port: int, clients: int, processes: int, net: int, extra: list[str], *, impl: str = "c"
    ) -> Swarms:
        swarms = cls()
        share = clients // processes
        program = swarm_command() if impl == "c" else [PYTHON, "-m", "bench.push.swarm"]
        for index in range(processes):
            count = share + (clients - share * processes if index == processes - 1 else 0)
            process = await asyncio.create_subprocess_exec(
                *program, "--port", str(port), "--count", str(count),
                "--source", f"127.{net}.{index + 1}.1", *extra,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, limit=1 << 26,
            )
            swarms.members.append(SwarmProcess(process, count))
        for member in swarms.members:
            if (line := await member.line()) != "ready":
                raise RuntimeError(f"swarm said {line!r}")
        return swarms

    async def reset(self) -> None:
        await asyncio.gather(*(member.command("reset") for member in self.members))

    async def report(self) -> dict[str, list[Any]]:
        reports = await asyncio.gather(*(member.report() for member in self.members))
        merged: dict[str, list[Any]] = {}
        for report in reports:
            for key, values in report.items():
                if isinstance(values, list):
                    merged.setdefault(key, []).extend(values)
        return merged

    async def wait_for(self, frames: int, timeout_s: float) -> dict[str, list[Any]]:
        deadline = time.monotonic() + timeout_s
        while True:
            report = await self.report()
            if min(report["frames"]) >= frames or time.monotonic() > deadline:
                return report
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        await asyncio.gather(*(member.stop() for member in self.members))


class Server:
    """A server under test, as a process."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.command, self.env, self.port = name, command, env, port
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log)

    @property
    def log_path(self) -> Path:
        """Where the server's log goes (kept for a failed run)."""
        return Path(tempfile.gettempdir()) / f"bench-push-{self.name}-{self.port}.log"

    async def start(self) -> None:
        self.process = self.spawn()
        if self.name == "gateway":
            await _wait_ready(self.port)
        else:
            assert self.process.stdout is not None
            line = await asyncio.to_thread(self.process.stdout.readline)
            if line.strip() != b"ready":
                raise RuntimeError(f"{self.name} did not start")

    def rss(self) -> int:
        """Resident memory of the server and its worker processes (bytes)."""
        assert self.process is not None
        process = psutil.Process(self.process.pid)
        return sum(int(p.memory_info().rss) for p in [process, *process.children(recursive=True)])

    def cpu_seconds(self) -> float:
        """CPU time (user + system, s) used so far by the server and its worker processes."""
        assert self.process is not None
        process = psutil.Process(self.process.pid)
        return sum(p.cpu_times().user + p.cpu_times().system for p in [process, *process.children(recursive=True)])

    def waiting_seconds(self) -> float:
        """Time (s) the server's threads (workers included) have spent runnable but waiting for a core.

        The second field of ``/proc/PID/task/TID/schedstat`` (Linux, ns): a server that is busy without
        using a core is waiting here.
        """
        assert self.process is not None
        process = psutil.Process(self.process.pid)
        waited = 0
        for member in [process, *process.children(recursive=True)]:
            for task in Path(f"/proc/{member.pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    waited += int((task / "schedstat").read_text().split()[1])
        return waited / 1e9

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _wait_ready(port: int, timeout_s: float = 60) -> None:
    """Until ``/readyz`` answers 200 ten times in a row (with workers, each answer comes from any of them)."""
    deadline = time.monotonic() + timeout_s
    in_a_row = 0
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            status = await reader.readline()
            writer.close()
            in_a_row = in_a_row + 1 if b" 200 " in status else 0
            if in_a_row >= 10:
                return
        except OSError:
            in_a_row = 0
        await asyncio.sleep(0.05 if in_a_row else 0.2)
    raise RuntimeError("gateway not ready")


async def _wait_listening(port: int) -> float:
    """When (``time.monotonic()``) the port first accepted a TCP connection (polled every 10 ms)."""
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        at = time.monotonic()
        writer.close()
        return at


def gateway_env(bootstrap: str, topics: dict[str, str], port: int, clients: int, workers: int = 1) -> dict[str, str]:
    return {
        **os.environ,
        "STOPPRESS_KAFKA_BOOTSTRAP": bootstrap,
        "STOPPRESS_LOG_LEVEL": "WARNING",
        "STOPPRESS_PUSH_PORT": str(port),
        "STOPPRESS_PUSH_EVENTS_TOPIC": topics["events"],
        "STOPPRESS_PUSH_STORIES_TOPIC": topics["stories"],
        "STOPPRESS_PUSH_OPS_TOPIC": topics["ops"],
        "STOPPRESS_PUSH_MAX_CONNECTIONS": str(clients * 2 + 100),
        "STOPPRESS_PUSH_MAX_CONNECTIONS_PER_ADDRESS": str(clients + 100),
        "STOPPRESS_PUSH_CONNECT_RATE_PER_ADDRESS": "100000",
        "STOPPRESS_PUSH_CONNECT_BURST_PER_ADDRESS": "100000",
        "STOPPRESS_PUSH_HEARTBEAT_S": "600",
        "STOPPRESS_PUSH_WORKERS": str(workers),
    }


async def metrics_page(port: int) -> str:
    """The gateway's ``/metrics`` (with several workers, whichever answers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    body = (await reader.read()).decode()
    writer.close()
    return body


async def fanout_seconds(server: Server) -> float | None:
    """The gateway's own total time spent writing events to sockets (s), from /metrics; None for baselines."""
    if server.name != "gateway" or server.env.get("STOPPRESS_PUSH_WORKERS", "1") != "1":
        return None  # with several workers /metrics shows one of them
    body = await metrics_page(server.port)
    for line in body.splitlines():
        if line.startswith("stoppress_push_fanout_seconds_sum"):
            return float(line.split()[-1])
    return None


async def measure_fanout(
    server: Server, producer: AIOKafkaProducer, topic: str, arguments: argparse.Namespace, net: int
) -> dict[str, Any]:
    """Memory per idle connection, completion time of one event, sustained frames/s."""
    await server.start()
    await asyncio.sleep(1.0)
    rss_before = server.rss()
    swarms = await Swarms.start(server.port, arguments.clients, arguments.swarms, net, [], impl=arguments.clients_impl)
    try:
        await asyncio.sleep(2.0)
        rss_after = server.rss()
        completions, writes = [], []
        for round_number in range(arguments.rounds):
            await swarms.reset()
            written_before = await fanout_seconds(server)
            started = time.monotonic()
            await producer.send_and_wait(topic, event_bytes(round_number))
            report = await swarms.wait_for(1, 30)
            completions.append(max(report["last_at"]) - started)
            written_after = await fanout_seconds(server)
            if written_before is not None and written_after is not None:
                writes.append(written_after - written_before)
        await swarms.reset()
        writing_before = await fanout_seconds(server)
        started = time.monotonic()
        for number in range(arguments.events):
            await producer.send(topic, event_bytes(1000 + number))
        await producer.flush()
        report = await swarms.wait_for(arguments.events, 120)
        delivered = sum(min(frames, arguments.events) for frames in report["frames"])
        elapsed = max(report["last_at"]) - started
        writing_after = await fanout_seconds(server)
        writing = None if writing_before is None or writing_after is None else writing_after - writing_before
        return {
            "server": server.name,
            "workers": arguments.workers if server.name == "gateway" else 1,
            "clients": arguments.clients,
            "idle_bytes_per_connection": (rss_after - rss_before) / arguments.clients,
            "completion_ms_median": statistics.median(completions) * 1000,
            "completion_ms_all": [c * 1000 for c in completions],
            "completion_write_ms_all": [w * 1000 for w in writes],  # of which the gateway wrote (1 worker only)
            "events": arguments.events,
            "frames_delivered": delivered,
            "frames_expected": arguments.clients * arguments.events,
            "seconds": elapsed,
            "frames_per_s": delivered / elapsed if elapsed > 0 else 0.0,
            "server_write_frames_per_s": arguments.clients * arguments.events / writing if writing else None,
        }
    finally:
        await swarms.stop()
        server.stop()


async def measure_storm(
    bootstrap: str, topics: dict[str, str], producer: AIOKafkaProducer, arguments: argparse.Namespace
) -> dict[str, Any]:
    """Restart the gateway under every client; all must resume gap-free."""
    port = free_port()
    env = gateway_env(bootstrap, topics, port, arguments.clients, arguments.workers)
    gateway = Server("gateway", [PYTHON, "-m", "stoppress.push"], env, port)
    await gateway.start()
    offsets = [(await producer.send_and_wait(topics["events"], event_bytes(5000 + i))).offset for i in range(3)]
    swarms = await Swarms.start(port, arguments.clients, arguments.swarms, 200,
                                ["--resume", "--jitter", str(arguments.jitter)], impl=arguments.clients_impl)
    try:
        await producer.send_and_wait(topics["events"], event_bytes(5999))
        await swarms.wait_for(3, 30)
        started = time.monotonic()
        gateway.stop()
        missed = [(await producer.send_and_wait(topics["events"], event_bytes(6000 + i))).offset
                  for i in range(arguments.storm_events)]
        stopped_after = time.monotonic() - started
        listening = asyncio.create_task(_wait_listening(port))
        await gateway.start()
        ready_after = time.monotonic() - started
        listening_after = await listening - started
        deadline = time.monotonic() + 120
        while True:
            report = await swarms.report()
            done = sum(1 for at in report["recovered_at"] if at > started)
            if done == arguments.clients or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        last = max(report["recovered_at"]) - started
        recovered = sorted(at - started for at in report["recovered_at"] if at > started)
        gap_free = sum(1 for received in report["offsets"] if received[-len(missed):] == missed
                       and len(set(received)) == len(received) and received == sorted(received))
        codes: dict[str, int] = {}
        for code in report["close_codes"]:
            codes[str(code)] = codes.get(str(code), 0) + 1
        return {
            "clients": arguments.clients,
            "workers": arguments.workers,
            "close_codes_seen": codes,
            "still_connected": sum(report["connected"]),
            "events_while_down": len(missed),
            "recovered_clients": done,
            "gap_free_clients": gap_free,
            "seconds_until_last_recovered": last,
            "seconds_until_old_gateway_exited": stopped_after,
            "seconds_until_new_gateway_listening": listening_after,
            "seconds_until_new_gateway_ready": ready_after,
            "recovered_p50_s": recovered[len(recovered) // 2] if recovered else None,
            "recovered_p90_s": recovered[int(len(recovered) * 0.9)] if recovered else None,
            "restart_to_first_offset": offsets[0],
        }
    finally:
        await swarms.stop()
        gateway.stop()


async def create_topics(bootstrap: str) -> dict[str, str]:
    tag = f"bench{uuid.uuid4().hex[:8]}"
    topics = {"events": f"{tag}.ticker.events", "stories": f"{tag}.ticker.stories", "ops": f"{tag}.ops.metrics"}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1) for name in topics.values()])
    finally:
        await admin.close()
    return topics


async def run(arguments: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    topics = await create_topics(bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=0)
    await producer.start()
    results: dict[str, Any] = {"fanout": [], "storm": None}
    try:
        servers = [("gateway", [PYTHON, "-m", "stoppress.push"])]
        if not arguments.gateway_only:
            servers += [(mode, [PYTHON, "-m", "bench.push.baseline", "--mode", mode, "--bootstrap", bootstrap,
                                "--topic", topics["events"]]) for mode in ("broadcast", "naive")]
        for net, (name, command) in enumerate(servers if arguments.only != "storm" else [], start=10):
            port = free_port()
            argv = command if name == "gateway" else [*command, "--port", str(port)]
            env = gateway_env(bootstrap, topics, port, arguments.clients, arguments.workers)
            server = Server(name, argv, env, port)
            results["fanout"].append(await measure_fanout(server, producer, topics["events"], arguments, net))
            print_row(results["fanout"][-1])
        if arguments.only != "fanout":
            results["storm"] = await measure_storm(bootstrap, topics, producer, arguments)
    finally:
        await producer.stop()
    return results


def print_row(row: dict[str, Any]) -> None:
    written = row["server_write_frames_per_s"]
    name = row["server"] if row.get("workers", 1) == 1 else f"{row['server']}x{row['workers']}"
    print(f"{name:<10} {row['clients']:>7} {row['frames_per_s']:>12,.0f} "
          f"{f'{written:,.0f}' if written else 'n/a':>14} "
          f"{row['frames_delivered']:>10}/{row['frames_expected']:<10} {row['completion_ms_median']:>10.1f} "
          f"{row['idle_bytes_per_connection'] / 1024:>10.1f}", flush=True)


def _loads(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.1f}" for value in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="connected clients (10000 for the full figures)")
    parser.add_argument("--events", type=int, default=200, help="events in the sustained fan-out burst")
    parser.add_argument("--swarms", type=int, default=2, help="client processes")
    parser.add_argument("--rounds", type=int, default=5, help="single events timed for the completion figure")
    parser.add_argument("--storm-events", type=int, default=20, help="events published while the gateway is down")
    parser.add_argument("--workers", type=int, default=1, help="gateway processes on the port (SO_REUSEPORT)")
    parser.add_argument("--clients-impl", choices=["c", "python"], default="c",
                        help="client swarms in C (epoll, default) or Python (asyncio Protocol)")
    parser.add_argument("--jitter", type=float, default=2.0, help="storm: max first reconnect delay (s)")
    parser.add_argument("--only", choices=["fanout", "storm"], help="run one of the two scenarios")
    parser.add_argument("--gateway-only", action="store_true", help="skip the broadcast() and naive baselines")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    arguments = parser.parse_args()
    print(f"{'server':<10} {'clients':>7} {'frames/s':>12} {'write frames/s':>14} {'delivered':>21} "
          f"{'complete ms':>10} {'KiB/conn':>10}", flush=True)
    load_at_start = os.getloadavg()
    if arguments.bootstrap:
        results = asyncio.run(run(arguments, arguments.bootstrap))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-push-kafka-") as data, LocalKafka(
            Path(data), port=free_port(), controller_port=free_port()
        ) as kafka:
            results = asyncio.run(run(arguments, kafka.bootstrap))
    storm = results["storm"]
    if storm:
        print(f"reconnect storm: {storm['recovered_clients']}/{storm['clients']} recovered, "
              f"{storm['gap_free_clients']} gap-free, last after {storm['seconds_until_last_recovered']:.2f} s "
              f"(p50 {storm['recovered_p50_s']:.2f} s, p90 {storm['recovered_p90_s']:.2f} s; old gateway gone after "
              f"{storm['seconds_until_old_gateway_exited']:.2f} s, new one listening after "
              f"{storm['seconds_until_new_gateway_listening']:.2f} s, ready after "
              f"{storm['seconds_until_new_gateway_ready']:.2f} s; "
              f"{storm['events_while_down']} events published while down)")
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "at": datetime.now(UTC).isoformat(), "load_average_at_start": load_at_start,
                          "load_average_at_end": os.getloadavg()}
    print(f"load average (1, 5, 15 min): at start {_loads(load_at_start)}, at end {_loads(os.getloadavg())}")
    results["command"] = " ".join(["python -m bench.push", *sys.argv[1:]])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    suffix = "" if arguments.clients == 1000 else f"-{arguments.clients}"
    suffix += "" if arguments.workers == 1 else f"-w{arguments.workers}"
    suffix += "-gateway-only" if arguments.gateway_only else ""
    suffix += f"-{arguments.only}" if arguments.only else ""
    suffix += "" if arguments.clients_impl == "c" else "-pyclients"
    name = RESULTS.with_name(f"push{suffix}.json")
    name.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"results written to {name.relative_to(ROOT)}")

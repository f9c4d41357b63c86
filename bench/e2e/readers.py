"""One reader process of the end-to-end benchmark: many WebSocket clients, driven over stdin/stdout.

``python -m bench.e2e.readers --url ws://HOST:PORT/v1/ws --count N --tag TAG --sources 127.0.2.1,127.0.2.2``

Opens ``count`` clients (spread over the ``sources`` addresses, so each
address stays within the gateway's per-address limits, as distinct readers
would), prints ``ready`` once every client has its ``welcome`` and
``snapshot``, and from then on records, per client, when (``time.time()``)
each ``story.new`` whose headline carries ``TAG`` arrived. Frames without the
tag (pings, other stories) are skipped without parsing. When one JSON line
``{"SEQ": sent_at, ...}`` (the posts the driver got a 202 for) arrives on
stdin, it prints one JSON report: the latency histograms (see
:mod:`bench.e2e.stats`), per-client missed and repeated events, frames and
unexpected closes.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.e2e.stats import DIRECT_BASE, bucket_of

CONNECT_BATCH = 200
SEQ = re.compile(r" (\d+)$")


@dataclass
class Client:
    """What one client received: sequence number → arrival time (s), repeats, and how it ended."""

    arrivals: dict[int, float] = field(default_factory=dict)
    repeats: int = 0
    closed: str | None = None


async def follow(url: str, source: str, tag: str, client: Client, opened: list[int]) -> None:
    """Run one client until cancelled; ``opened[0]`` counts clients that have their snapshot."""
    marker = f" {tag} "
    try:
        async with connect(url, local_addr=(source, 0), open_timeout=120, ping_interval=None, compression=None,
                           max_size=2**24) as ws:  # fmt: skip
            await ws.recv()
            await ws.recv()
            opened[0] += 1
            async for frame in ws:
                if marker not in frame:
                    continue
                arrived = time.time()
                message = orjson.loads(frame)
                if message.get("type") != "event" or message["event"]["type"] != "story.new":
                    continue
                found = SEQ.search(message["event"]["story"]["headline"])
                if found is None:
                    continue
                seq = int(found.group(1))
                if seq in client.arrivals:
                    client.repeats += 1
                else:
                    client.arrivals[seq] = arrived
    except ConnectionClosed as exc:
        client.closed = f"closed {exc.rcvd.code if exc.rcvd else 1006}"
    except (OSError, TimeoutError) as exc:
        client.closed = f"{type(exc).__name__}: {exc}"
    except asyncio.CancelledError:
        return
    else:
        client.closed = "closed by the gateway"


def report(clients: list[Client], sent: dict[int, float]) -> dict[str, object]:
    """Latency histograms (ms buckets) over every (client, accepted post), one for the whole pipeline and one for
    events written straight to ``ticker.events`` (sequence numbers from ``DIRECT_BASE``); missed and repeated
    events, closes. ``frames`` and ``last_arrival`` count the posted headlines only."""
    pipeline: Counter[int] = Counter()
    direct: Counter[int] = Counter()
    missed = []
    for client in clients:
        missed.append(sum(1 for seq in sent if seq not in client.arrivals))
        for seq, arrived in client.arrivals.items():
            if seq in sent:
                (direct if seq >= DIRECT_BASE else pipeline)[bucket_of(arrived - sent[seq])] += 1
    arrivals = [t for client in clients for seq, t in client.arrivals.items() if seq < DIRECT_BASE]
    return {
        "clients": len(clients),
        "histogram": dict(pipeline),
        "direct_histogram": dict(direct),
        "missed": missed,
        "repeats": sum(client.repeats for client in clients),
        "frames": len(arrivals),
        "last_arrival": max(arrivals, default=0.0),
        "closes": Counter(client.closed for client in clients if client.closed),
    }


async def run(arguments: argparse.Namespace) -> None:
    sources = arguments.sources.split(",")
    clients = [Client() for _ in range(arguments.count)]
    opened = [0]
    tasks = []
    for start in range(0, arguments.count, CONNECT_BATCH):
        batch = range(start, min(start + CONNECT_BATCH, arguments.count))
        tasks += [asyncio.create_task(follow(arguments.url, sources[n % len(sources)], arguments.tag, clients[n],
                                             opened)) for n in batch]  # fmt: skip
        while True:
            if opened[0] >= batch.stop or any(c.closed for c in clients[: batch.stop]):
                break
            await asyncio.sleep(0.05)
    print("ready" if opened[0] == arguments.count else f"failed {opened[0]} of {arguments.count}", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    sent = {int(seq): at for seq, at in orjson.loads(line).items()}
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    sys.stdout.write(orjson.dumps(report(clients, sent), option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True, help="the gateway's WebSocket URL")
    parser.add_argument("--count", type=int, required=True, help="clients in this process")
    parser.add_argument("--tag", required=True, help="the run's tag, found in every headline it posts")
    parser.add_argument("--sources", required=True, help="comma-separated 127.x.y.z addresses to connect from")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

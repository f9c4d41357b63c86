"""A swarm of WebSocket clients in one process, driven by the bench over stdin/stdout.

The Python twin of ``swarm.c`` (same options, protocol and report), used with
``python -m bench.push --clients-impl python`` to compare: at 10,000 clients
the Python swarms cost the shared cores enough to show in the figures.

``python -m bench.push.swarm --port P --count N --source 127.0.0.5 [--resume]``
opens N connections (from a source address of its own, so runs do not
exhaust one address's ephemeral ports), prints ``ready`` once every
connection has its first two messages, then answers commands, one per line:

- ``reset``: forget what was received so far, print ``ok``;
- ``report``: print one JSON line with per-connection counts and times.

Clients are a minimal frame parser (no per-frame JSON in counting mode), so
the swarm costs the shared CPU as little as possible. With ``--resume`` each
client parses messages, keeps its last cursor, and on a 1012 close reconnects
after a random 0-``jitter`` s backoff with that cursor, recording the events
it received and when ``recovered`` arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import time

import orjson

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
HANDSHAKE = (
    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class Client(asyncio.Protocol):
    """Counts text frames; in resume mode also parses them and reconnects on 1012."""

    def __init__(self, swarm: Swarm, path: str) -> None:
        self.swarm = swarm
        self.path = path
        self.buffer = bytearray()
        self.upgraded = False
        self.frames = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.cursor: str | None = None
        self.offsets: list[int] = []
        self.recovered_at = 0.0
        self.recovered_count = -1
        self.close_code = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(HANDSHAKE.format(path=self.path, port=self.swarm.port).encode())

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del buffer[: end + 4]
            self.upgraded = True
        now = time.monotonic()
        position = 0
        size = len(buffer)
        while size - position >= 2:
            opcode, length, start = buffer[position] & 0x0F, buffer[position + 1] & 0x7F, position + 2
            if length == 126:
                length, start = int.from_bytes(buffer[position + 2:position + 4], "big"), position + 4
            elif length == 127:
                length, start = int.from_bytes(buffer[position + 2:position + 10], "big"), position + 10
            if size < start + length:
                break
            if opcode == 1:
                if not self.frames:
                    self.first_at = now
                self.frames += 1
                self.last_at = now
                if self.swarm.resume:
                    self.on_message(orjson.loads(bytes(buffer[start:start + length])), now)
            elif opcode == 8:
                self.close_code = int.from_bytes(buffer[start:start + 2], "big") if length >= 2 else 1005
                if self.transport is not None:
                    self.transport.close()  # like a browser: do not keep a closing server waiting
            position = start + length
        del buffer[:position]

    def on_message(self, message: dict[str, object], now: float) -> None:
        kind = message.get("type")
        if kind in ("event", "snapshot", "recovered"):
            self.cursor = str(message["cursor"])
        if kind == "event":
            self.offsets.append(int(str(message["cursor"]).split("-")[1]))
        elif kind == "snapshot" and "reason" in message:
            self.swarm.reset_reasons.append(str(message["reason"]))
        elif kind == "recovered":
            self.recovered_at = now
            self.recovered_count = int(str(message["count"]))

    def connection_lost(self, exc: Exception | None) -> None:
        # Like a widget: reconnect after any close except a refusal; a 1012 close frame can be lost
        # when the server aborts before this (busy) process has read it.
        if self.swarm.resume and not 4000 <= self.close_code < 5000:
            task = asyncio.get_running_loop().create_task(self.swarm.reconnect(self))
            self.swarm.tasks.add(task)
            task.add_done_callback(self.swarm.tasks.discard)


class Swarm:
    """N clients on one port from one source address."""

    def __init__(self, port: int, source: str, resume: bool, jitter_s: float, query: str) -> None:
        self.port = port
        self.source = source
        self.resume = resume
        self.jitter_s = jitter_s
        self.query = query
        self.clients: list[Client] = []
        self.reconnect_failures = 0
        self.reset_reasons: list[str] = []
        """Why resumes failed (snapshot with recovered: false), as the server said."""
        self.tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()
        self.initial = 0

    def check_ready(self) -> None:
        """Set :attr:`ready` once every client has its first ``initial`` messages."""
        if all(client.frames >= self.initial for client in self.clients):
            self.ready.set()

    async def open(self, path: str) -> Client:
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setblocking(False)
        # Pick the port at connect time (per destination), not at bind: reconnect storms would
        # otherwise exhaust the source address's ports with sockets in TIME_WAIT.
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((self.source, 0))
        await loop.sock_connect(sock, ("127.0.0.1", self.port))
        _, client = await loop.create_connection(lambda: Client(self, path), sock=sock)
        return client

    async def reconnect(self, old: Client) -> None:
        """Reconnect with the last cursor, with jittered exponential backoff (as a widget does)."""
        await asyncio.sleep(random.uniform(0, self.jitter_s))
        for attempt in range(30):
            try:
                client = await self.open(f"/v1/ws?cursor={old.cursor}{self.query}")
            except OSError:
                await asyncio.sleep(min(5.0, 0.25 * 2**attempt) * random.uniform(0.5, 1.5))
                continue
            client.cursor, client.offsets = old.cursor, old.offsets
            self.clients[self.clients.index(old)] = client
            return
        self.reconnect_failures += 1

    def report(self) -> dict[str, object]:
        clients = self.clients
        return {
            "frames": [c.frames for c in clients],
            "first_at": [c.first_at for c in clients],
            "last_at": [c.last_at for c in clients],
            "recovered_at": [c.recovered_at for c in clients],
            "recovered_count": [c.recovered_count for c in clients],
            "offsets": [c.offsets for c in clients] if self.resume else [],
            "reconnect_failures": self.reconnect_failures,
            "close_codes": [c.close_code for c in clients],
            "reset_reasons": self.reset_reasons,
            "connected": [c.transport is not None and not c.transport.is_closing() for c in clients],
        }


async def run(arguments: argparse.Namespace) -> None:
    swarm = Swarm(arguments.port, arguments.source, arguments.resume, arguments.jitter, arguments.query)
    path = "/v1/ws" + ("?" + arguments.query.lstrip("&") if arguments.query else "")
    for start in range(0, arguments.count, 200):
        batch = range(start, min(start + 200, arguments.count))
        swarm.clients += await asyncio.gather(*(swarm.open(path) for _ in batch))
    swarm.initial = arguments.initial
    while not swarm.ready.is_set():
        swarm.check_ready()
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line == "reset":
            for client in swarm.clients:
                client.frames, client.first_at, client.last_at = 0, 0.0, 0.0
            print("ok", flush=True)
        elif line == "report":
            sys.stdout.write(orjson.dumps(swarm.report()).decode() + "\n")
            sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--source", default="127.0.0.1", help="source address to connect from (127.x.y.z)")
    parser.add_argument("--initial", type=int, default=2, help="messages each connection gets before 'ready'")
    parser.add_argument("--resume", action="store_true", help="parse messages and resume on 1012")
    parser.add_argument("--jitter", type=float, default=1.0, help="max reconnect backoff (s)")
    parser.add_argument("--query", default="", help="extra query string, e.g. '&levels=breaking'")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

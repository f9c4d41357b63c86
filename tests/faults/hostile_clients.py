"""A hostile host, as a process of its own: clients that misbehave on purpose against one gateway.

``python -m tests.faults.hostile_clients --port P`` opens connections that
never send a request and subscribed clients that never read, prints ``ready``,
then floods the gateway with connections (100 per second: five times the
allowed rate; the gateway refuses the excess before the WebSocket upgrade, with
HTTP 429), messages, an oversized frame and garbage frames, all at once.
When a line arrives on stdin it checks which of its stalled sockets the
gateway has closed and prints one JSON report.

It runs apart from the test process so that its own work (hundreds of
handshakes) cannot be mistaken for the gateway slowing the well-behaved
readers down. It speaks raw WebSocket where the protocol library would not
let it misbehave, and uses the ``websockets`` client for the rest; each
attack comes from an address of its own (127.0.0.6x).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
from collections import Counter

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

HANDSHAKE = (
    "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
GARBAGE: tuple[str | bytes, ...] = (
    "this is not JSON",
    b"\x00\x01binary frames are not protocol v1",
    '["subscribe"]',
    '{"type": "launch_missiles"}',
    '{"type": "subscribe", "levels": ["apocalyptic"]}',
)


async def close_code_after(port: int, source: str, send: list[str | bytes]) -> int:
    """Connect, send ``send``, read until the gateway closes; return its close code (0 if it never did)."""
    try:
        async with connect(f"ws://127.0.0.1:{port}/v1/ws", local_addr=(source, 0), max_size=None,
                           open_timeout=10) as ws:  # fmt: skip
            for message in send:
                await ws.send(message)
            return await _closed_with(ws)
    except InvalidStatus as exc:
        return exc.response.status_code


async def _closed_with(ws: ClientConnection, timeout_s: float = 10.0) -> int:
    try:
        async with asyncio.timeout(timeout_s):
            async for _ in ws:
                pass
    except ConnectionClosed:
        pass
    except TimeoutError:
        return 0
    return ws.close_code or 0


async def connection_flood(
    port: int, source: str, count: int, rate_per_s: float
) -> tuple[Counter[int], int, list[ClientConnection]]:
    """Open ``count`` connections at ``rate_per_s``; return the HTTP statuses or close codes of refused ones,
    how many HTTP refusals were problem+json with a ``Retry-After``, and the admitted ones (left open)."""
    codes: Counter[int] = Counter()
    explained = 0
    admitted: list[ClientConnection] = []

    async def one(n: int) -> None:
        nonlocal explained
        await asyncio.sleep(n / rate_per_s)
        try:
            ws = await connect(f"ws://127.0.0.1:{port}/v1/ws", local_addr=(source, 0), open_timeout=10)
        except InvalidStatus as exc:
            codes[exc.response.status_code] += 1
            headers = exc.response.headers
            if headers.get("Content-Type") == "application/problem+json" and headers.get("Retry-After", "").isdigit():
                explained += 1
            return
        except OSError:
            codes[-1] += 1
            return
        try:
            await ws.recv()  # welcome, or the error before a refusal's close
            await ws.recv()
            admitted.append(ws)
        except ConnectionClosed:
            codes[ws.close_code or 0] += 1

    await asyncio.gather(*(one(n) for n in range(count)))
    return codes, explained, admitted


async def message_flood(port: int, source: str, count: int) -> int:
    """Send ``count`` pings as fast as possible; return the close code."""
    return await close_code_after(port, source, ['{"type": "ping"}'] * count)


async def never_reading(port: int, source: str) -> socket.socket:
    """A subscribed client that never reads a byte (its receive buffer as small as the kernel allows)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.setblocking(False)
    sock.bind((source, 0))
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, HANDSHAKE.format(port=port).encode())
    return sock


async def silent_connection(port: int, source: str) -> socket.socket:
    """A TCP connection that never sends its request head (slowloris)."""
    sock = socket.socket()
    sock.setblocking(False)
    sock.bind((source, 0))
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


def is_closed_by_peer(sock: socket.socket) -> bool:
    """Whether the gateway has closed or reset this socket (reads what is left without blocking)."""
    try:
        while True:
            data = sock.recv(65536, socket.MSG_DONTWAIT)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def close_all(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


async def attack(port: int, flood: int, flood_rate: float, stalled_count: int, silent_count: int) -> dict[str, object]:
    """Every attack at once; the report once a line arrives on stdin."""
    silent = [await silent_connection(port, "127.0.0.61") for _ in range(silent_count)]
    stalled = [await never_reading(port, "127.0.0.62") for _ in range(stalled_count)]
    print("ready", flush=True)
    flooding = asyncio.create_task(connection_flood(port, "127.0.0.63", flood, flood_rate))
    flooded, oversized, *garbage = await asyncio.gather(
        message_flood(port, "127.0.0.64", 100),
        close_code_after(port, "127.0.0.65", ["x" * 10_000]),
        *(close_code_after(port, f"127.0.0.{70 + n}", [frame]) for n, frame in enumerate(GARBAGE)),
    )
    flood_codes, explained, admitted = await flooding
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    report = {
        "flood_admitted": len(admitted),
        "flood_refused": {str(code): count for code, count in flood_codes.items()},
        "flood_refusals_explained": explained,
        "message_flood": flooded,
        "oversized": oversized,
        "garbage": garbage,
        "stalled_closed": sum(is_closed_by_peer(sock) for sock in stalled),
        "silent_closed": sum(is_closed_by_peer(sock) for sock in silent),
    }
    for ws in admitted:
        await ws.close()
    close_all(silent + stalled)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--flood", type=int, default=300, help="connections opened in the flood")
    parser.add_argument("--flood-rate", type=float, default=100.0, help="new connections per second in the flood")
    parser.add_argument("--stalled", type=int, default=10, help="subscribed clients that never read")
    parser.add_argument("--silent", type=int, default=10, help="connections that never send a request")
    arguments = parser.parse_args()
    report = asyncio.run(
        attack(arguments.port, arguments.flood, arguments.flood_rate, arguments.stalled, arguments.silent)
    )
    print(orjson.dumps(report).decode(), flush=True)


if __name__ == "__main__":
    main()

"""A TCP load balancer in the test process, standing in for nginx in front of the push replicas.

Each new client connection goes to the next backend in turn; a backend that
refuses the connection is skipped (nginx's ``proxy_next_upstream error``).
When either side closes or breaks, the other side is closed too, so a killed
replica drops its clients the way it would behind a real proxy, and the
clients' own reconnect logic brings them back through the balancer. Each
client is seen by the backend from its own loopback address (127.0.1.x), as
nginx would pass each reader's address along, so the gateways' per-address
limits treat the clients as different readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter

CHUNK_BYTES = 64 * 1024


class Balancer:
    """Round-robin over ``backends`` (ports on 127.0.0.1); :attr:`live` counts open connections per backend."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.live: Counter[int] = Counter()
        self.opened: Counter[int] = Counter()
        self._turn = itertools.cycle(range(len(backends)))
        self._sources = itertools.cycle(f"127.0.1.{n}" for n in range(1, 255))
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        first = next(self._turn)
        for step in range(len(self.backends)):
            backend = self.backends[(first + step) % len(self.backends)]
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", backend, local_addr=(next(self._sources), 0)
                )
            except OSError:
                continue
            self.live[backend] += 1
            self.opened[backend] += 1
            try:
                pipes = [asyncio.create_task(_pipe(client_reader, writer)),
                         asyncio.create_task(_pipe(reader, client_writer))]  # fmt: skip
                self._pipes.update(pipes)
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
                for pipe in pipes:
                    pipe.cancel()
                    self._pipes.discard(pipe)
            finally:
                self.live[backend] -= 1
                for side in (writer, client_writer):
                    side.close()
            return
        client_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK_BYTES):
            writer.write(data)
            await writer.drain()

"""One client's write side, and the websockets connection class that feeds it flow control.

An :class:`Outlet` writes pre-encoded bytes (a WebSocket frame, or SSE text)
straight onto the connection's asyncio transport — the same ``bytes`` object
for every client — so fan-out costs one ``transport.write`` per client, no
per-client encoding or framing. While the socket's write buffer is above its
high-water mark, messages wait in the bounded :class:`OutboundQueue`; the
transport's ``resume_writing`` callback drains it. Overflow closes the
client as a slow consumer (4008) without ever making the others wait.

Writing frames around ``websockets`` is safe because server frames are never
masked and every write is one complete frame from the one event-loop thread;
``websockets`` itself still handles the handshake, client frames, control
frames and the closing handshake. Writes stop as soon as the protocol leaves
the OPEN state, and once websockets has half-closed the socket (after that
asyncio raises on every write).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Literal

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.protocol import State

from stoppress.push.filters import Filter
from stoppress.push.instruments import SendTally
from stoppress.push.outbound import Offer, OutboundQueue

log = logging.getLogger(__name__)

Transport = Literal["ws", "sse"]
_DONE_REQUEST = Request("/", Headers())
_DONE_RESPONSE = Response(101, "Switching Protocols", Headers())


class GatewayConnection(ServerConnection):
    """A websockets server connection that tells its :class:`Outlet` about flow control and closing.

    Also aborts connections that send no request head within
    ``handshake_timeout_s`` (the server runs with ``open_timeout=None`` so that
    SSE streams, which live inside the HTTP handshake hook, are not cut), and
    turns on TCP keepalive so dead peers are eventually noticed by the kernel
    (and sets ``SO_SNDBUF`` when configured).
    """

    handshake_timeout_s: float = 10.0
    send_buffer_bytes: int | None = None
    release: Callable[[str, Literal["ws", "sse"]], None] | None = None
    """Gives an admitted WebSocket's slot back (:meth:`stoppress.push.gateway.Gateway.release`)."""
    outlet: Outlet | None = None
    admitted_address: str | None = None
    """Set once the WebSocket is admitted; its slot is released when the TCP connection is lost, exactly once."""

    def forget_handshake(self) -> None:
        """Drop the handshake request and response (their headers cost ~1.5 KiB per idle connection).

        websockets only checks that ``request`` is set once the handshake is
        done, so a shared empty placeholder keeps it working.
        """
        self.request = _DONE_REQUEST
        self.response = _DONE_RESPONSE

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.admitted_address = None  # set on every connection, in the same order: instances keep sharing dict keys
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # not every socket family supports these
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                if self.send_buffer_bytes is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer_bytes)
        self.loop.call_later(self.handshake_timeout_s, self._abort_without_request)

    def _abort_without_request(self) -> None:
        if self.request is None:
            self.transport.abort()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.outlet is not None:
            self.outlet.flush()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.outlet is not None and self.outlet.transport_kind == "ws" and self.protocol.state is not State.OPEN:
            self.outlet.closed = True

    def send_data(self) -> None:
        super().send_data()
        if self.protocol.eof_sent and self.outlet is not None:
            # websockets half-closed our side (the client's FIN, or the end of a closing handshake), and asyncio
            # raises on any write after that: it would come from the hub, in the middle of a fan-out.
            self.outlet.closed = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.outlet is not None:
            self.outlet.closed = True
        if self.admitted_address is not None and self.release is not None:
            self.release(self.admitted_address, "ws")
            self.admitted_address = None
        super().connection_lost(exc)
        self._break_cycles()

    def _break_cycles(self) -> None:
        """Leave nothing for the cyclic garbage collector: reference counting frees us once the handler ends.

        Without this every closed connection (about 30 objects) hung in cycles
        until the next full collection, which stops the event loop for every
        reader while it walks them and every live connection. The cycles: this
        connection and its outlet, and the protocol and its parser generator
        (its frame refers to the protocol; so does the traceback of the
        ``EOFError`` kept when a client vanished without a closing handshake).
        """
        self.outlet = None
        self.protocol.parser.close()
        if self.protocol.parser_exc is not None:
            self.protocol.parser_exc.__traceback__ = None


class Outlet:
    """Writes one client's messages, queueing while its socket is full; see the module docstring."""

    __slots__ = (
        "address",
        "closed",
        "connection",
        "on_overflow",
        "position",
        "queue",
        "subscription",
        "tally",
        "transport",
        "transport_kind",
    )

    def __init__(
        self,
        connection: GatewayConnection,
        *,
        transport_kind: Transport,
        queue_max_bytes: int,
        address: str,
        on_overflow: Callable[[Outlet], None],
        tally: SendTally,
    ) -> None:
        self.connection = connection
        self.transport: asyncio.Transport = connection.transport
        self.transport_kind: Transport = transport_kind
        self.queue = OutboundQueue(queue_max_bytes)
        self.address = address
        self.on_overflow = on_overflow
        self.subscription: Filter | None = None
        self.position: int | None = None
        """While attached to the hub (receiving live events): the number of the last event it was written
        (:class:`~stoppress.push.backlog.Backlog`); ``None`` otherwise."""
        self.closed = False
        self.tally = tally
        connection.outlet = self

    def send(self, data: bytes, key: str | None) -> None:
        """Write ``data`` now, or queue it (coalescing by ``key``) while the socket is full."""
        if self.closed:
            return
        if not self.queue.size and not self.connection.paused:
            self.transport.write(data)
            self.tally.frames += 1
            self.tally.bytes += len(data)
            return
        dropped = self.queue.dropped
        outcome = self.queue.push(data, key)
        if outcome is Offer.OVERFLOW:
            self.closed = True
            self.on_overflow(self)
        elif outcome is Offer.COALESCED:
            self.tally.coalesced += self.queue.dropped - dropped

    def send_many(self, joined: bytes, parts: Sequence[bytes], keys: Sequence[str | None]) -> None:
        """Write several messages (``joined`` is ``parts`` concatenated) in one go, or queue them one by one."""
        if self.closed:
            return
        if not self.queue.size and not self.connection.paused:
            self.transport.write(joined)
            self.tally.frames += len(parts)
            self.tally.bytes += len(joined)
            return
        for data, key in zip(parts, keys, strict=True):
            self.send(data, key)

    def flush(self) -> None:
        """Write queued messages until the socket is full again (called on ``resume_writing``)."""
        queue = self.queue
        while queue and not self.closed and not self.connection.paused:
            data = queue.pop()
            self.transport.write(data)
            self.tally.frames += 1
            self.tally.bytes += len(data)

    async def write_waiting(self, data: bytes) -> None:
        """Write ``data`` and wait while the socket is full (replays before going live)."""
        if self.closed:
            return
        self.transport.write(data)
        self.tally.frames += 1
        self.tally.bytes += len(data)
        if self.connection.paused:
            await self.connection.drain()


def close_websocket(
    connection: ServerConnection, code: int, reason: str, error_frame: bytes, grace_s: float | None
) -> None:
    """Send ``error_frame`` and a close frame now, in one write, without waiting for the client.

    ``websockets``' own ``close()`` first waits for the socket to drain, which
    never happens for a client that stopped reading; this puts both frames
    into the transport buffer and keeps the protocol state right (CLOSING), so
    a client that is merely slow still reads the reason and the code. The
    socket is aborted after ``grace_s`` if the client has not closed by then
    (``None``: the caller takes care of that, as shutdown does for all at once).
    """
    if connection.protocol.state is not State.OPEN or connection.transport.is_closing():
        return
    connection.protocol.send_close(code, reason[:120])
    chunks = connection.protocol.data_to_send()
    connection.transport.write(error_frame + b"".join(chunks))
    if grace_s is not None:
        connection.loop.call_later(grace_s, connection.transport.abort)

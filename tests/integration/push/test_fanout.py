"""Fan-out under a stalled client: a thousand others keep receiving on time; the stalled one gets 4008."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from tests.integration.push.harness import (
    RawWsClient,
    TickerStandIn,
    Topics,
    raw_client,
    running_gateway,
    settings_for,
    story,
    wait_until,
)

CLIENTS = 1000
EVENTS = 60
MAX_EVENTS = 400


async def test_a_stalled_client_never_delays_a_thousand_others(
    bootstrap: str, topics: Topics, ticker: TickerStandIn
) -> None:
    settings = settings_for(
        bootstrap,
        topics,
        queue_max_bytes=16 * 1024,
        write_buffer_bytes=4 * 1024,
        socket_send_buffer_bytes=4096,
        max_connections_per_address=CLIENTS + 10,
        connect_burst_per_address=CLIENTS + 10,
    )
    async with running_gateway(settings) as gateway:
        stalled = await raw_client(gateway.port, receive_buffer=4096)
        clients: list[RawWsClient] = []
        for start in range(0, CLIENTS, 100):
            clients += await asyncio.gather(
                *(raw_client(gateway.port) for _ in range(start, min(start + 100, CLIENTS)))
            )
        await wait_until(lambda: all(len(c.texts) >= 2 for c in [stalled, *clients]), 30)
        stalled.stall()
        published: list[tuple[int, float]] = []
        headline = "A long breaking headline to fill the stalled client's buffers " * 4
        evicted = gateway.instruments.slow_consumers.labels("ws")
        # How much the stalled client's socket and the last write before its queue took varies with the
        # events a fan-out round carried, so publish until its queue overflows (at least EVENTS events).
        assert stalled.transport is not None
        for number in range(MAX_EVENTS):
            if evicted._value.get():
                stalled.transport.resume_reading()  # within the close grace: it still reads the reason and the code
            if number >= EVENTS and evicted._value.get():
                break
            offset = await ticker.publish(story(f"e{number}", headline=f"{headline}{number}"[:300]))
            published.append((offset, time.monotonic()))
        await wait_until(lambda: all(len(c.texts) >= 2 + len(published) for c in clients), 30)
        worst_lag = 0.0
        for client in clients:
            events = client.texts[2:]
            assert [int(payload.split(b'"cursor":"1-')[1].split(b"-")[0]) for _, payload in events] == [
                offset for offset, _ in published
            ]
            worst_lag = max(worst_lag, *(got - sent for (got, _), (_, sent) in zip(events, published, strict=True)))
        assert worst_lag < 2.0, f"a reading client waited {worst_lag:.3f} s for an event"
        assert evicted._value.get() == 1
        stalled.transport.resume_reading()  # if the overflow came with the last event
        async with asyncio.timeout(10):
            await stalled.closed
        assert stalled.close_code == 4008
        assert stalled.messages()[-1]["type"] == "error" and "slow consumer" in stalled.messages()[-1]["message"]
        await wait_until(lambda: gateway.admission.total <= CLIENTS, 5)  # released once its socket is gone
        for client in clients:
            assert client.transport is not None
            client.transport.close()


class StalledSseClient(asyncio.Protocol):
    """Opens ``/v1/sse`` and never reads past the first bytes."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.started = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(b"GET /v1/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    def data_received(self, data: bytes) -> None:
        if not self.started.done():
            self.started.set_result(None)


async def stalled_client(port: int, transport: str) -> asyncio.Transport:
    """A client on ``transport`` with a 4 KiB receive buffer that has its first bytes and stopped reading."""
    if transport == "ws":
        client = await raw_client(port, receive_buffer=4096)
        await wait_until(lambda: len(client.texts) >= 2, 5)
        client.stall()
        assert client.transport is not None
        return client.transport
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    _, sse = await asyncio.get_running_loop().create_connection(StalledSseClient, sock=sock)
    await asyncio.wait_for(sse.started, 5)
    assert sse.transport is not None
    sse.transport.pause_reading()
    return sse.transport


@pytest.mark.parametrize("transport", ["ws", "sse"])
async def test_a_client_that_stops_reading_then_half_closes_hurts_no_one(
    bootstrap: str, topics: Topics, ticker: TickerStandIn, transport: str
) -> None:
    """Its socket has unsent bytes when its FIN arrives, so websockets half-closes ours and asyncio refuses
    further writes with an exception: that once stopped the gateway's Kafka feed, for every reader."""
    settings = settings_for(bootstrap, topics, write_buffer_bytes=1024 * 1024, socket_send_buffer_bytes=4096)
    async with running_gateway(settings) as gateway:
        reader = await raw_client(gateway.port)
        leaving = await stalled_client(gateway.port, transport)
        for number in range(100):
            await ticker.publish(story(f"fill{number}", headline=f"{'x' * 280} {number}"))
        await wait_until(lambda: len(reader.texts) >= 2 + 100, 10)
        leaving.get_extra_info("socket").shutdown(socket.SHUT_WR)
        await asyncio.sleep(0.3)
        await ticker.publish(story("after"))
        await ticker.publish(story("and-after"))
        await wait_until(lambda: len(reader.texts) >= 2 + 102 or gateway.failed.is_set(), 10)
        assert not gateway.failed.is_set(), "the gateway's Kafka feed stopped"
        leaving.abort()
        assert reader.transport is not None
        reader.transport.close()

"""Fan-out under a stalled client: a thousand others keep receiving on time; the stalled one gets 4008."""

from __future__ import annotations

import asyncio
import time

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
        for number in range(EVENTS):
            offset = await ticker.publish(story(f"e{number}", headline=f"{headline}{number}"[:300]))
            published.append((offset, time.monotonic()))
        await wait_until(lambda: all(len(c.texts) >= 2 + EVENTS for c in clients), 30)
        worst_lag = 0.0
        for client in clients:
            events = client.texts[2:]
            assert [int(payload.split(b'"cursor":"1-')[1].split(b"-")[0]) for _, payload in events] == [
                offset for offset, _ in published
            ]
            worst_lag = max(worst_lag, *(got - sent for (got, _), (_, sent) in zip(events, published, strict=True)))
        assert worst_lag < 2.0, f"a reading client waited {worst_lag:.3f} s for an event"
        assert gateway.instruments.slow_consumers.labels("ws")._value.get() == 1
        assert stalled.transport is not None
        stalled.transport.resume_reading()  # within the close grace: it still reads the reason and the code
        async with asyncio.timeout(10):
            await stalled.closed
        assert stalled.close_code == 4008
        assert stalled.messages()[-1]["type"] == "error" and "slow consumer" in stalled.messages()[-1]["message"]
        await wait_until(lambda: gateway.admission.total <= CLIENTS, 5)  # released once its socket is gone
        for client in clients:
            assert client.transport is not None
            client.transport.close()

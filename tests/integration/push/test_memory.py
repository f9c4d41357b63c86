"""A closed connection is freed at once by reference counting, not left for Python's cyclic collector.

Everything a connection holds (its protocol, queues, outlet, buffers: about
30 objects) used to hang in reference cycles once it closed, so each
disconnect added to the heap the next full collection must walk, and that
collection stops the event loop for every reader (hundreds of ms after
10,000 clients left at once; docs/push-gateway.md). With the collector off,
every way a connection can end must still free it (once the handshake
deadline's timer, which holds the connection, has fired: 0.5 s here).
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp

from stoppress.push.outlet import GatewayConnection
from tests.integration.push.harness import (
    Topics,
    connect_ws,
    raw_client,
    receive,
    receive_until,
    running_gateway,
    settings_for,
    wait_until,
)


@contextmanager
def cycle_collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def server_connections() -> list[weakref.ref[GatewayConnection]]:
    return [weakref.ref(o) for o in gc.get_objects() if issubclass(type(o), GatewayConnection)]


async def test_every_way_a_connection_ends_frees_it_without_the_cycle_collector(
    bootstrap: str, topics: Topics
) -> None:
    settings = settings_for(bootstrap, topics, handshake_timeout_s=0.5)
    async with running_gateway(settings) as gateway, aiohttp.ClientSession() as http:
        with cycle_collector_off():
            clean = await connect_ws(gateway_url := f"ws://127.0.0.1:{gateway.port}/v1/ws")
            await receive_until(clean, "snapshot")
            abrupt = await raw_client(gateway.port)
            await wait_until(lambda: len(abrupt.texts) >= 2, 5.0)
            refused = await connect_ws(gateway_url)
            await receive_until(refused, "snapshot")
            sse = await http.get(f"http://127.0.0.1:{gateway.port}/v1/sse")
            assert await sse.content.readline() == b"retry: 2000\n"
            await asyncio.sleep(0.2)
            connections = server_connections()
            assert len(connections) == 4

            await clean.close()  # closing handshake from the client
            assert abrupt.transport is not None
            abrupt.transport.abort()  # TCP reset, no closing handshake: a phone losing its signal
            await refused.send("not json")  # the gateway answers with error and closes (1008)
            await receive(refused)
            await refused.wait_closed()
            sse.close()

            try:
                await wait_until(lambda: all(ref() is None for ref in connections), 5.0)
            except TimeoutError:
                alive = sum(ref() is not None for ref in connections)
                gc.collect()
                in_cycles = alive - sum(ref() is not None for ref in connections)
                raise AssertionError(
                    f"{alive} of 4 closed connections still in memory, {in_cycles} of them only through cycles"
                ) from None

"""The two peers the gateway is measured against, fed from the same Kafka topic.

``python -m bench.push.baseline --mode broadcast|naive --port P --bootstrap B --topic T``

- ``broadcast``: ``websockets.broadcast()`` — the library's own fan-out
  (frames each message per connection, never waits for slow clients);
- ``naive``: ``for ws in clients: await ws.send(message)`` — the loop most
  first versions are written with.

Both use websockets' defaults otherwise (keepalive pings on, as a user would
run them), send two small messages on connect (like welcome + snapshot), and
relay each ``ticker.events`` record as one text message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from aiokafka import TopicPartition
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from stoppress.shared.kafka import group_free_consumer


async def run(arguments: argparse.Namespace) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        await ws.send('{"type":"welcome"}')
        await ws.send('{"type":"snapshot","stories":[]}')
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    consumer = group_free_consumer(arguments.bootstrap, f"bench-baseline-{arguments.mode}")
    await consumer.start()
    partition = TopicPartition(arguments.topic, 0)
    consumer.assign([partition])
    await consumer.seek_to_end(partition)
    await consumer.position(partition)
    async with serve(handler, "127.0.0.1", arguments.port, max_queue=4, compression=None):
        print("ready", flush=True)
        while True:
            batches = await consumer.getmany(timeout_ms=200)
            for record in batches.get(partition, []):
                message = record.value.decode()
                if arguments.mode == "broadcast":
                    broadcast(clients, message)
                else:
                    for ws in list(clients):
                        with contextlib.suppress(ConnectionClosed):
                            await ws.send(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["broadcast", "naive"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

"""The naive peer: an aiohttp endpoint that writes each posted item to Kafka as it came, no checks at all.

``python -m bench.ingest.naive PORT BOOTSTRAP TOPIC`` — JSON in, ``send_and_wait`` per item
with the same durable producer (``acks=all``, idempotent), 202 out. It shows what
validation, sanitising, auth and problem reporting cost on top of the unavoidable
HTTP + broker round trip.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from aiohttp import web

from stoppress.shared.kafka import durable_producer


async def serve(port: int, bootstrap: str, topic: str) -> None:
    producer = durable_producer(bootstrap, "naive-ingest")
    await producer.start()

    async def post(request: web.Request) -> web.Response:
        document = orjson.loads(await request.read())
        items = document if isinstance(document, list) else [document]
        futures = [await producer.send(topic, orjson.dumps(item), key=str(item.get("guid", "")).encode())
                   for item in items]
        await asyncio.gather(*futures)
        return web.Response(status=202, body=b'{"accepted": %d}' % len(items), content_type="application/json")

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/v1/headlines", post)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await producer.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], sys.argv[3]))

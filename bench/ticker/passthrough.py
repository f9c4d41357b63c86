"""The peer the ticker worker is measured against: a bare aiokafka consume → validate → produce loop.

``python -m bench.ticker.passthrough --bootstrap B --source T --sink T2``

It does what the ticker's intake must do for every record and nothing else:
read ``headlines.raw`` in a consumer group, decode and validate each record
as a ``Headline`` with the house codec, and produce it to another topic. No
faust, no second hop, no tables, no clustering: the floor of the work in
Python with the same client library. Prints ``processed N`` every 0.25 s.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer

from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.kafka import durable_producer
from stoppress.shared.models import Headline


async def run(arguments: argparse.Namespace) -> None:
    consumer = AIOKafkaConsumer(
        arguments.source,
        bootstrap_servers=arguments.bootstrap,
        group_id=f"bench-passthrough-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=True,
    )
    producer = durable_producer(arguments.bootstrap, "bench-passthrough", linger_ms=5)
    await consumer.start()
    await producer.start()
    processed = 0
    reported = time.monotonic()
    print("ready", flush=True)
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=1000)
            for records in batches.values():
                for record in records:
                    try:
                        decode(record.value, Headline)
                    except DecodeError:
                        continue
                    await producer.send(arguments.sink, record.value, key=record.key)
                    processed += 1
            if time.monotonic() - reported >= 0.25:
                print(f"processed {processed}", flush=True)
                reported = time.monotonic()
    finally:
        await producer.stop()
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

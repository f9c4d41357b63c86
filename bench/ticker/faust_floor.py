"""A second peer for the ticker worker: faust doing the same two hops with no desk at all.

``python -m bench.ticker.faust_floor --bootstrap B --source T --app-id A [--table-writes 0]``

The caller creates ``A-hop`` (6 partitions) first, as the worker does with
its own topics: faust would create it only after its first assignment.

Same shape as the worker: an agent reads ``headlines.raw``, validates each
record as a ``Headline`` and re-keys it into an internal 6-partition topic;
a second agent reads that and writes ``--table-writes`` keys to a faust
Table per record (the faust Table API, one changelog record per key) and
nothing else. The gap between this and the worker is what the desk costs;
the gap between this and the aiokafka passthrough is what faust costs.
It uses the worker's transport (:mod:`stoppress.ticker.transport`), so the
comparison is like for like. Prints ``processed N`` every 0.25 s.
"""

from __future__ import annotations

import argparse
import tempfile
from typing import Any

import faust

from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.models import Headline
from stoppress.ticker.transport import PromptTransport


def build(arguments: argparse.Namespace, datadir: str) -> faust.App:
    app = faust.App(
        arguments.app_id,
        datadir=datadir,
        broker=f"kafka://{arguments.bootstrap}",
        store="memory://",
        topic_partitions=6,
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        producer_acks=-1,
        producer_linger=0.005,
        autodiscover=False,
    )
    app.transport = PromptTransport(app.conf.broker_consumer, app)
    source = app.topic(arguments.source, key_type=bytes, value_type=bytes)
    hop = app.topic(f"{app.conf.id}-hop", partitions=6, internal=True, key_type=bytes, value_type=bytes)
    table = app.Table("floor", partitions=6, key_type=bytes, value_type=bytes)
    processed = [0]

    async def intake(stream: Any) -> None:
        async for event in stream.events():
            try:
                headline = decode(event.value, Headline)
            except DecodeError:
                continue
            await hop.send(key=headline.language.encode(), value=event.value)

    async def desk(stream: Any) -> None:
        async for event in stream.events():
            for write in range(arguments.table_writes):
                table[b"%d/%d" % (processed[0], write)] = event.value
            processed[0] += 1

    async def report() -> None:
        print(f"processed {processed[0]}", flush=True)

    app.agent(source, name="floor.intake")(intake)
    app.agent(hop, name="floor.desk")(desk)
    app.timer(0.25)(report)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--table-writes", type=int, default=0, help="faust Table keys written per record")
    with tempfile.TemporaryDirectory(prefix="stoppress-faust-floor-") as datadir:  # not <app-id>-data in the cwd
        app = build(parser.parse_args(), datadir)
        faust.Worker(app, loglevel="ERROR", quiet=True, redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    main()

"""``stoppress dlq``: see what the ticker parked in ``headlines.dlq``, and put back what is valid now.

  stoppress dlq list [--since ISO | --last N] [--stage S] [--json]
  stoppress dlq show OFFSET
  stoppress dlq replay (OFFSET... | --all [--stage S]) [--dry-run]

``list`` prints one line per entry: its DLQ offset, when it was parked (UTC),
the stage that refused it, where it came from (``topic/partition/offset``),
its size, why, and the start of its value. ``--json`` prints one JSON object
per line with everything (key and value as text, or base64 when they are not
UTF-8). ``show`` prints one whole entry, its value pretty-printed when it is
JSON. Nothing from the wire reaches the terminal raw: control and invisible
formatting characters are shown as escapes (``\\x1b``, ``\\u202e``).

``replay`` checks each entry's value against the contract of
``headlines.raw`` (the ticker's own check) and writes the valid ones back
there, value unchanged, keyed by the headline's id as that topic requires
(the key of a ``ticker.desk`` entry is a desk key), with ``acks=all``, and a
``stoppress-replayed-from`` header naming the DLQ entry. Use it once the
cause is gone: a mapping fixed, a transient failure over. Entries whose value
is still not a valid headline are reported with the reason and left alone;
correct those by hand and post them through ingest (``stoppress post
--file``). Replaying is safe to repeat: the ticker drops a headline whose
item id and version it has already seen, so an entry replayed twice (or one
that reached the ticker after all) makes no second story or event.

The DLQ stays as it is: replayed entries are not removed (the topic keeps
them 30 days). Exit status: 0 done, 1 an offset unknown or an entry still
invalid, 2 cannot run (broker unreachable, topic missing).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.cli.dlqentries import (
    DlqEntry,
    entry_from_record,
    entry_record,
    json_line,
    list_line,
    printable,
    replay_for,
    select,
    show_lines,
)
from stoppress.shared.codec import DecodeError
from stoppress.shared.kafka import durable_producer, group_free_consumer
from stoppress.shared.settings import DEFAULT_BOOTSTRAP
from stoppress.shared.topics import HEADLINES_DLQ, HEADLINES_RAW

READ_STALL_S = 30.0
"""A read that gets no record for this long (s) while records are due has lost the broker."""
SEND_MS = 15000
"""How long one replayed record may wait for the broker's acknowledgement (ms)."""
STAGE_HELP = "only entries refused at this stage (ticker.intake, ticker.desk)"


class DlqSettings(BaseSettings):
    """What ``stoppress dlq`` takes from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap: str = Field(DEFAULT_BOOTSTRAP, validation_alias=AliasChoices("STOPPRESS_KAFKA_BOOTSTRAP"))


class DlqUnavailableError(RuntimeError):
    """The command cannot run (broker unreachable, topic missing); the message says what to check."""


class DlqReader:
    """Reads the one partition of a DLQ topic without a consumer group; ``first`` and ``end`` bound its offsets."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.partition = TopicPartition(topic, 0)
        self.first = 0
        self.end = 0
        self.topics: set[str] = set()
        """Every topic on the broker, as listed when the reader started."""
        self._consumer: AIOKafkaConsumer | None = None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        assert self._consumer is not None, "use the reader in 'async with'"
        return self._consumer

    async def __aenter__(self) -> DlqReader:
        try:
            partitions = await self._partition_count()
            if partitions is None:
                raise DlqUnavailableError(f"topic {self.topic} does not exist on {self.bootstrap}")
            if partitions != 1:
                raise DlqUnavailableError(f"{self.topic} has {partitions} partitions; the DLQ has one (DESIGN.md)")
            self._consumer = group_free_consumer(self.bootstrap, "stoppress-dlq")
            await self._consumer.start()
            self._consumer.assign([self.partition])
            self.first = (await self._consumer.beginning_offsets([self.partition]))[self.partition]
            self.end = (await self._consumer.end_offsets([self.partition]))[self.partition]
        except KafkaError as exc:
            await self.__aexit__()
            raise DlqUnavailableError(f"cannot reach the Kafka broker at {self.bootstrap}: {exc}") from None
        except DlqUnavailableError:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def _partition_count(self) -> int | None:
        """How many partitions the DLQ topic has (``None``: it does not exist); fills in :attr:`topics`."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="stoppress-dlq")
        try:
            await admin.start()
            self.topics = set(await admin.list_topics())
            if self.topic not in self.topics:
                return None
            (described,) = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        return len(described["partitions"])

    async def offset_at(self, moment: datetime) -> int:
        """The offset of the first entry parked at or after ``moment`` (``end`` if none)."""
        found = await self.consumer.offsets_for_times({self.partition: int(moment.timestamp() * 1000)})
        at = found.get(self.partition)
        return self.end if at is None else max(self.first, at.offset)

    async def entries(self, start: int, stop: int | None = None) -> AsyncIterator[DlqEntry]:
        """The entries from offset ``start`` up to ``stop`` (default: the end when the reader started)."""
        stop = self.end if stop is None else stop
        start = max(start, self.first)
        if start >= stop:
            return
        self.consumer.seek(self.partition, start)
        last_progress = time.monotonic()
        while await self.consumer.position(self.partition) < stop:
            batch = (await self.consumer.getmany(self.partition, timeout_ms=1000)).get(self.partition, [])
            if batch:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > READ_STALL_S:
                raise DlqUnavailableError(
                    f"no records from {self.topic} on {self.bootstrap} for {READ_STALL_S:.0f} s; is the broker up?"
                )
            for record in batch:
                if start <= record.offset < stop:
                    yield entry_from_record(record)

    async def entry(self, offset: int) -> DlqEntry | None:
        """The entry at ``offset``, or ``None`` if the topic holds none there."""
        found = [entry async for entry in self.entries(offset, min(offset + 1, self.end))]
        return found[0] if found else None

    def holds(self) -> str:
        """Which offsets the topic holds, for messages: ``offsets 3-41`` or ``no entries``."""
        return f"offsets {self.first}-{self.end - 1}" if self.end > self.first else "no entries"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress dlq list|show|replay`` to the command line."""
    parser = subparsers.add_parser(
        "dlq",
        help="list, show and replay records the ticker parked in headlines.dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--bootstrap", help=f"host:port of a broker (default $STOPPRESS_KAFKA_BOOTSTRAP or {DEFAULT_BOOTSTRAP})"
    )
    common.add_argument("--topic", default=HEADLINES_DLQ, help=f"the DLQ topic (default {HEADLINES_DLQ})")

    listing = commands.add_parser("list", parents=[common], help="one line per entry (or one JSON object)")
    window = listing.add_mutually_exclusive_group()
    window.add_argument("--since", type=_moment, metavar="ISO", help="entries parked at or after this time (ISO 8601; "
                        "UTC unless it names an offset)")
    window.add_argument("--last", type=_count, metavar="N", help="only the last N entries (of --stage, if given)")
    listing.add_argument("--stage", help=STAGE_HELP)
    listing.add_argument("--json", action="store_true", help="one JSON object per line, with everything")
    listing.set_defaults(func=_run, action=_list)

    show = commands.add_parser("show", parents=[common], help="one whole entry, its value pretty-printed")
    show.add_argument("offset", type=_offset, metavar="OFFSET", help="the entry's offset in the DLQ topic")
    show.set_defaults(func=_run, action=_show)

    replay = commands.add_parser(
        "replay",
        parents=[common],
        help="write entries that are valid now back to headlines.raw (safe to repeat)",
        description="Write entries whose value is now a valid headline back to headlines.raw, keyed by the "
        "headline's id, with a stoppress-replayed-from header; report the others with the reason. Safe to "
        "repeat: the ticker drops a headline whose item id and version it has already seen.",
    )
    replay.add_argument("offsets", nargs="*", type=_offset, metavar="OFFSET", help="the entries' offsets in the DLQ")
    replay.add_argument("--all", action="store_true", help="every entry in the DLQ (of --stage, if given)")
    replay.add_argument("--stage", help=STAGE_HELP + " (with --all)")
    replay.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    replay.add_argument("--to", default=HEADLINES_RAW, help=f"where replayed records go (default {HEADLINES_RAW})")
    replay.set_defaults(func=_run, action=_replay)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2026-03-01T14:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _offset(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not an offset (a whole number, 0 or more): {text!r}")
    return int(text)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen ``dlq`` command; a broker or topic problem is one message and exit status 2."""
    if args.action is _replay and bool(args.offsets) == args.all:
        return _fail("replay takes either offsets or --all")
    if args.action is _replay and args.stage and not args.all:
        return _fail("--stage goes with --all (offsets name their entries already)")
    bootstrap = args.bootstrap or DlqSettings().kafka_bootstrap
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())  # its connection errors are in our message
    try:
        status: int = asyncio.run(args.action(DlqReader(bootstrap, args.topic), args))
    except DlqUnavailableError as exc:
        return _fail(str(exc))
    return status


async def _list(reader: DlqReader, args: argparse.Namespace) -> int:
    async with reader:
        start = reader.first
        if args.since is not None:
            start = await reader.offset_at(args.since)
        elif args.last is not None and args.stage is None:
            start = reader.end - args.last
        entries = select([e async for e in reader.entries(start)], since=args.since, last=args.last, stage=args.stage)
    for entry in entries:
        print(json_line(entry_record(entry)) if args.json else list_line(entry))
    print(f"stoppress dlq: {len(entries)} shown; {reader.topic} holds {reader.holds()}", file=sys.stderr)
    return 0


async def _show(reader: DlqReader, args: argparse.Namespace) -> int:
    async with reader:
        entry = await reader.entry(args.offset)
    if entry is None:
        return _fail(f"no entry at offset {args.offset} in {reader.topic} (it holds {reader.holds()})", status=1)
    print("\n".join(show_lines(entry)))
    return 0


async def _replay(reader: DlqReader, args: argparse.Namespace) -> int:
    async with reader:
        if not args.dry_run and args.to not in reader.topics:
            raise DlqUnavailableError(f"topic {args.to} does not exist on {reader.bootstrap}")
        if args.all:
            chosen = select([e async for e in reader.entries(reader.first)], stage=args.stage)
            wanted: list[tuple[int, DlqEntry | None]] = [(entry.offset, entry) for entry in chosen]
        else:
            wanted = [(offset, await reader.entry(offset)) for offset in dict.fromkeys(args.offsets)]
    counts = {"replayed": 0, "still invalid": 0, "unknown": 0}
    producer = None if args.dry_run else durable_producer(reader.bootstrap, "stoppress-dlq", request_timeout_ms=SEND_MS)
    try:
        if producer is not None:
            await producer.start()
        for offset, entry in wanted:
            if entry is None:
                counts["unknown"] += 1
                print(f"{offset:>6}  unknown: no entry at this offset in {reader.topic} (it holds {reader.holds()})")
                continue
            try:
                replay = replay_for(entry)
            except DecodeError as exc:
                counts["still invalid"] += 1
                print(f"{offset:>6}  still invalid: {printable(exc.reason)}")
                continue
            item = printable(f"{replay.headline.id} v{replay.headline.version}")
            if producer is None:
                print(f"{offset:>6}  would replay {item}")
            else:
                sent = await producer.send_and_wait(args.to, replay.value, key=replay.key, headers=replay.headers)
                print(f"{offset:>6}  replayed {item} -> {args.to}/{sent.partition}/{sent.offset}")
            counts["replayed"] += 1
    except KafkaError as exc:
        raise DlqUnavailableError(
            f"cannot write to {args.to} on {reader.bootstrap} after {counts['replayed']} replayed: {exc}"
        ) from None
    finally:
        if producer is not None:
            await producer.stop()
    verb = "would replay" if args.dry_run else "replayed"
    summary = ", ".join(f"{count} {what}" for what, count in counts.items() if what != "replayed")
    print(f"stoppress dlq: {verb} {counts['replayed']}, {summary}", file=sys.stderr)
    return 1 if counts["still invalid"] or counts["unknown"] else 0


def _fail(message: str, status: int = 2) -> int:
    print(f"stoppress dlq: {message}", file=sys.stderr)
    return status

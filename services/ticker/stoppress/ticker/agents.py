"""The three faust agents of the worker: thin adapters around the pure :class:`~stoppress.ticker.desk.Desk`.

``intake`` (``headlines.raw`` → desk topic) decodes and validates each
record, sends what is not a valid ``Headline`` to ``headlines.dlq`` with the
reason, and re-keys the rest by desk. ``commands`` (``desk.commands`` → desk
topic) does the same for editors' commands, which are already keyed by
their story's desk, marking them with a header. ``desk`` (desk topic →
``ticker.events``, ``ticker.stories``, ``desk.outcomes``, ``desk.stories``)
hands headlines, commands and clock ticks to the desks of their partitions
(:mod:`stoppress.ticker.desks`), which publish what they decide. No agent
ever stops on bad data: a record it cannot handle goes to the DLQ. All
handle every record of their input even where faust skips some or stops
fetching a partition (:mod:`stoppress.ticker.continuity`). ``intake`` and
``desk`` take their records in batches while a backlog drains, and one at a
time when the worker keeps up (:mod:`stoppress.ticker.batching`); intake
writes the headlines of one desk in a batch as one record
(:mod:`stoppress.ticker.bundles`), and leaves the headlines it validated for
the desk to take (:mod:`stoppress.ticker.validated`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import faust
from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata
from faust.types import TP, EventT

from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.deadletter import DeadLetter
from stoppress.shared.models import DeskCommand, Headline
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.batching import Batcher
from stoppress.ticker.book import desk_key
from stoppress.ticker.bundles import MAX_BUNDLE_BYTES, Bundler
from stoppress.ticker.continuity import Continuity, StallWatch
from stoppress.ticker.desk import DeskPolicy
from stoppress.ticker.desks import READ_BACK_TIMEOUT_S, Desks
from stoppress.ticker.gaps import GapReader, read_while_owned
from stoppress.ticker.group import GroupOffsets
from stoppress.ticker.published import EventLog
from stoppress.ticker.tables import TickerTables
from stoppress.ticker.telemetry import TickerMetrics
from stoppress.ticker.topics import COMMAND_KIND, RECORD_KIND, TickerTopics
from stoppress.ticker.validated import ValidatedRecords

log = logging.getLogger(__name__)


class TickerAgents:
    """The agents' shared state: where each input partition is, and the desks (rebuilt after each recovery)."""

    def __init__(
        self,
        app: faust.App,
        topics: TickerTopics,
        tables: TickerTables,
        *,
        authority: AuthorityBook,
        policy: DeskPolicy,
        metrics: TickerMetrics,
        published: EventLog,
        group: GroupOffsets,
        gaps: GapReader,
        stall_after_s: float,
        bundle_headlines: bool = True,
    ) -> None:
        self._topics = topics
        self._bundle_max_bytes = MAX_BUNDLE_BYTES if bundle_headlines else 0
        self._group = group
        self._gaps = gaps
        self._tables = tables
        self._metrics = metrics
        self._continuity: Continuity[TP] = Continuity()
        self._stalls: StallWatch[TP] = StallWatch(stall_after_s)
        self._validated = ValidatedRecords()
        self._desks = Desks(
            topics, tables, authority=authority, policy=policy, metrics=metrics, published=published,
            send=self._send_to, dead_letter=self._dead_letter, handled=self._handled, validated=self._validated,
        )  # fmt: skip
        self.next_offsets: dict[tuple[str, int], int] = {}
        """(topic, partition) → offset after the last record handled, for the lag gauge."""
        self._app = app

    def register(self) -> None:
        """Attach both agents to the app and rebuild desks whenever tables finish recovering."""
        app = self._app
        app.agent(self._topics.raw, name="stoppress.ticker.intake")(self.intake)
        app.agent(self._topics.commands, name="stoppress.ticker.commands")(self.commands)
        app.agent(self._topics.desk, name="stoppress.ticker.desk")(self.desk)
        self._tables.stories.on_recover(self.forget_desks)
        app.timer(self._stalls.after_s / 2, name="stoppress.ticker.stalls")(self.unstall)

    async def forget_desks(self) -> None:
        """After a rebalance: drop every desk, and expect each input partition where faust resumes it.

        Partitions may have moved, and the tables now hold the recovered
        truth; see :mod:`stoppress.ticker.continuity` for the expectations.
        """
        self._desks.forget()
        inputs = self._inputs(self._app.consumer.assignment())
        try:
            async with asyncio.timeout(READ_BACK_TIMEOUT_S):
                starts = await self._group.starts((tp.topic, tp.partition) for tp in inputs)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("cannot read where partitions start again (%r): skips at takeover go unnoticed", exc)
            starts = {}
        self._continuity.restart({tp: starts[tp.topic, tp.partition] for tp in inputs
                                  if (tp.topic, tp.partition) in starts})  # fmt: skip
        self._stalls.restart(inputs, time.monotonic())

    def _inputs(self, partitions: Iterable[TP]) -> list[TP]:
        """The partitions of the agents' input topics among ``partitions``."""
        names = {topic.get_topic_name() for topic in (self._topics.raw, self._topics.commands, self._topics.desk)}
        return [tp for tp in partitions if tp.topic in names]

    async def unstall(self, _app: object = None) -> None:
        """Resume and re-seek input partitions that have records waiting but deliver none (a faust timer)."""
        app = self._app
        if app.rebalancing or app.in_recovery:
            return
        inputs = self._inputs(app.consumer.assignment())
        if not inputs:
            return
        try:
            ends = await app.consumer.highwaters(*inputs)
        except KafkaError as exc:
            log.debug("end offsets not read: %r", exc)
            return
        expected = {tp: self._continuity.expected(tp) for tp in inputs}
        behind = {tp: offset for tp, offset in expected.items() if offset is not None and ends.get(tp, 0) > offset}
        for tp in self._stalls.stalled(behind, time.monotonic()):
            offset = behind[tp]
            log.warning(
                "partition stalled: records wait but none arrive; resuming it",
                extra={"topic": tp.topic, "partition": tp.partition, "expected": offset, "end": ends.get(tp),
                       "seconds": self._stalls.after_s},
            )
            self._metrics.stalls.labels(topic=tp.topic).inc()
            app.consumer.resume_partitions([tp])
            await app.consumer.seek(tp, offset)

    async def _with_skipped(self, message: Any) -> list[Any]:
        """``message``, preceded by any records of its partition the stream skipped (read directly)."""
        self._stalls.heard(message.tp, time.monotonic())
        missing = self._continuity.arrived(message.tp, message.offset)
        if missing is None:
            return [message]
        where = {"topic": message.topic, "partition": message.partition, "from": missing.start, "to": missing.stop}
        start, stop = missing.start, missing.stop
        skipped = await read_while_owned(
            lambda: self._gaps.read(message.topic, message.partition, start, stop),
            lambda: message.tp in self._app.consumer.assignment(),
            attempt_s=READ_BACK_TIMEOUT_S,
        )
        if skipped is None:  # no longer ours: the new owner handles the gap and this record, in order
            return []
        log.warning("records skipped by the stream: read directly", extra={**where, "records": len(skipped)})
        self._metrics.skipped.labels(topic=message.topic).inc(len(skipped))
        return [*skipped, message]

    async def intake(self, stream: faust.StreamT[bytes]) -> None:
        """Validate ``headlines.raw`` records and re-key them by desk, in batches (see :meth:`_in_batches`).

        The headlines of one desk in a batch go as one record (:mod:`stoppress.ticker.bundles`).
        """

        async def take(batch: list[EventT[bytes]]) -> None:
            bundler = Bundler(self._bundle_max_bytes)
            for event in batch:
                for message in await self._with_skipped(event.message):
                    headline = await self._take_in(message)
                    if headline is not None:
                        bundler.add(desk_key(headline.language), message.value, headline)
            for record in bundler.records():
                self._validated.remember(record.value, record.headlines)
                await self._send(self._topics.desk, record.key, record.value, headers=record.headers)

        await self._in_batches(stream, take)

    async def _take_in(self, message: Any) -> Headline | None:
        """A valid headline; ``None`` for an invalid one, which goes to the DLQ."""
        try:
            headline: Headline | None = decode(message.value, Headline)
        except DecodeError as exc:
            await self._dead_letter(message, exc.reason, "ticker.intake")
            headline = None
        self._handled(message)
        return headline

    async def commands(self, stream: faust.StreamT[bytes]) -> None:
        """Validate ``desk.commands`` records and forward them into their story's desk partition."""
        async for event in stream.events():
            for message in await self._with_skipped(event.message):
                await self._forward_command(message)

    async def _forward_command(self, message: Any) -> None:
        try:
            command = decode(message.value, DeskCommand)
        except DecodeError as exc:
            await self._dead_letter(message, exc.reason, "ticker.commands")
        else:
            headers = [(RECORD_KIND, COMMAND_KIND)]
            await self._send(self._topics.desk, command.desk.encode(), message.value, headers=headers)
        self._handled(message)

    async def desk(self, stream: faust.StreamT[bytes]) -> None:
        """Feed headlines, commands and ticks of each desk partition to its desk; publish what it returns.

        In batches (see :meth:`_in_batches`): the events of each record are
        published as the desk returns them, what editors see and the state
        once per batch.
        """

        async def take(batch: list[EventT[bytes]]) -> None:
            await self._desks.take([message for event in batch for message in await self._with_skipped(event.message)])

        await self._in_batches(stream, take)

    async def _in_batches(
        self, stream: faust.StreamT[bytes], take: Callable[[list[EventT[bytes]]], Awaitable[None]]
    ) -> None:
        """Hand the records of ``stream`` to ``take`` in batches, acknowledging each batch once ``take`` is done.

        While a backlog drains, a batch is up to a few hundred records; a
        worker that keeps up handles each record as it arrives
        (:mod:`stoppress.ticker.batching`). ``take`` hands everything the
        records cause to the producer before it returns, so a committed
        offset still implies their outputs are sent.
        """
        if not isinstance(stream, faust.Stream):
            raise TypeError(f"an agent needs a faust stream, not {stream!r}")
        records = stream.noack()

        async def take_and_ack(batch: list[EventT[bytes]]) -> None:
            await take(batch)
            for event in batch:
                await records.ack(event)

        await Batcher(take_and_ack, self._behind).run(records.events())

    def _behind(self, event: EventT[bytes]) -> bool:
        """Whether the broker holds records after ``event``'s in its partition (as of the latest fetch)."""
        message = event.message
        try:
            highwater = self._app.consumer.highwater(message.tp)
        except Exception:  # the partition is being revoked, or nothing fetched yet: assume it is caught up
            return False
        return highwater is not None and highwater > message.offset + 1

    async def _send(
        self,
        topic: faust.TopicT,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[RecordMetadata]:
        return await self._send_to(topic.get_topic_name(), key, value, None, headers)

    async def _send_to(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[RecordMetadata]:
        """Hand one record to the app's producer (faust flushes it before committing the input offsets).

        Straight to the producer rather than through faust's topic layer:
        the records are already bytes, and this path costs less per record.
        Returns the delivery, for the few callers that wait for the broker's ack.
        """
        delivery: Awaitable[RecordMetadata] = await self._app.producer.send(topic, key, value, partition, None, headers)
        return delivery

    async def _dead_letter(self, message: Any, reason: str, stage: str) -> None:
        letter = DeadLetter(
            key=message.key,
            value=message.value,
            reason=reason,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            stage=stage,
        ).copyable()
        await self._send(self._topics.dlq, letter.key, letter.value, headers=letter.headers())
        self._metrics.dead_letters.labels(stage=stage).inc()
        origin = f"{message.topic}/{message.partition}/{message.offset}"
        log.warning("record sent to the DLQ: %s", letter.reason, extra={"stage": stage, "origin": origin})

    def _handled(self, message: Any) -> None:
        self.next_offsets[(message.topic, message.partition)] = message.offset + 1



"""The three faust agents of the worker: thin adapters around the pure :class:`~stoppress.ticker.desk.Desk`.

``intake`` (``headlines.raw`` → desk topic) decodes and validates each
record, sends what is not a valid ``Headline`` to ``headlines.dlq`` with the
reason, and re-keys the rest by desk. ``commands`` (``desk.commands`` → desk
topic) does the same for editors' commands, which are already keyed by
their story's desk, marking them with a header. ``desk`` (desk topic →
``ticker.events``, ``ticker.stories``, ``desk.outcomes``, ``desk.stories``)
feeds headlines, commands and clock ticks to the desk of their partition
and publishes what it returns: each event on ``ticker.events`` and the
story's new state on the compacted ``ticker.stories`` (a tombstone after a
retraction or expiry), both keyed by story id; each command's outcome on
``desk.outcomes`` (with the cursor of the last event it caused, once the
broker has it); and what editors see of each changed story on
``desk.stories``. No agent ever stops on bad data: a record it cannot handle
goes to the DLQ. All handle every record of their input even where faust
skips some or stops fetching a partition (:mod:`stoppress.ticker.continuity`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime
from typing import Any

import faust
from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata
from faust.types import TP

from stoppress.shared.codec import DecodeError, decode, encode
from stoppress.shared.cursor import cursor_text
from stoppress.shared.deadletter import DeadLetter
from stoppress.shared.models import DeskCommand, DeskOutcome, Headline, TickerEvent
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.book import desk_key
from stoppress.ticker.continuity import Continuity, StallWatch
from stoppress.ticker.desk import CommandResult, Desk, DeskPolicy
from stoppress.ticker.gaps import GapReader, read_while_owned
from stoppress.ticker.group import GroupOffsets
from stoppress.ticker.published import EventLog, earliest_read_time, not_yet_published
from stoppress.ticker.tables import PartitionState, TickerTables
from stoppress.ticker.telemetry import TickerMetrics
from stoppress.ticker.topics import COMMAND_KIND, RECORD_KIND, TICK_KEY, TickerTopics

log = logging.getLogger(__name__)

_TOMBSTONED = frozenset({"story.retract", "story.expire"})
READ_BACK_TIMEOUT_S = 30.0
"""Longest the worker waits to read back what the broker holds (published events, committed offsets) (s)."""


class TickerAgents:
    """The agents' shared state: one desk per desk partition, rebuilt from the tables after each recovery."""

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
    ) -> None:
        self._topics = topics
        self._published = published
        self._group = group
        self._gaps = gaps
        self._tables = tables
        self._authority = authority
        self._policy = policy
        self._metrics = metrics
        self._continuity: Continuity[TP] = Continuity()
        self._stalls: StallWatch[TP] = StallWatch(stall_after_s)
        self._desks: dict[int, Desk] = {}
        self._states: dict[int, PartitionState] = {}
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
        self._desks.clear()
        self._states.clear()
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
        """Validate ``headlines.raw`` records and re-key them by desk."""
        async for event in stream.events():
            for message in await self._with_skipped(event.message):
                await self._take_in(message)

    async def _take_in(self, message: Any) -> None:
        try:
            headline = decode(message.value, Headline)
        except DecodeError as exc:
            await self._dead_letter(message, exc.reason, "ticker.intake")
        else:
            await self._send(self._topics.desk, desk_key(headline.language).encode(), message.value)
        self._handled(message)

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
        """Feed headlines, commands and ticks of each desk partition to its desk; publish what it returns."""
        async for event in stream.events():
            for message in await self._with_skipped(event.message):
                await self._take_to_desk(message)

    async def _take_to_desk(self, message: Any) -> None:
        if message.partition not in self._desks:
            await self._open_desk(message.partition, message.offset)
        try:
            if message.key == TICK_KEY:
                events = self._tick(message)
            elif _is_command(message):
                events = []
                await self._command(message)
            else:
                events = self._handle(message)
        except _RecordRefusedError as exc:
            await self._dead_letter(message, exc.reason, "ticker.desk")
        else:
            # The events last: the producer ships nothing before this agent yields, so work handed over
            # after them (views, changelogs) would delay them on the wire.
            await self._publish_views(message.partition)
            await self._states[message.partition].flush()
            for ticker_event in events:
                await self._publish(ticker_event)
        self._handled(message)

    async def _command(self, message: Any) -> None:
        """Apply one command; publish its events (waiting for the broker, for the cursor), then its outcome."""
        try:
            command = decode(message.value, DeskCommand)
        except DecodeError as exc:
            raise _RecordRefusedError(exc.reason) from None
        desk = self._desks[message.partition]
        try:
            result = desk.command(command, datetime.now(UTC), message.offset)
        except Exception as exc:  # as for headlines: never stop; rebuild this desk, park the record
            log.exception("desk failed on a command", extra={"command_id": command.command_id})
            self._forget_desk(message.partition)
            raise _RecordRefusedError(f"desk failed on this command: {exc!r}") from exc
        outcome = await self._confirmed(desk, result)
        await self._send(self._topics.outcomes, command.command_id.encode(), encode(outcome))
        if not outcome.repeat:
            self._metrics.commands.labels(action=command.action, code=str(outcome.code)).inc()
            if outcome.applied and outcome.feedback is not None:
                self._metrics.corrections.labels(kind=outcome.feedback.kind).inc()
        log.info(
            "desk command %s by %s: %s %s",
            command.action, command.editor, outcome.code, outcome.message,
            extra={"story_id": command.story_id, "command_id": command.command_id, "repeat": outcome.repeat},
        )  # fmt: skip

    async def _confirmed(self, desk: Desk, result: CommandResult) -> DeskOutcome:
        """Publish the events of a command, waiting for the broker's ack; the outcome with their cursor."""
        metadata = None
        for ticker_event in result.events:
            metadata = await self._publish(ticker_event, confirm=True)
        if metadata is None:
            return result.outcome
        last = result.events[-1].event_id
        return desk.confirm(result.outcome.command_id, cursor_text(metadata.offset, metadata.timestamp, last))

    async def _publish_views(self, partition: int) -> None:
        """What editors see of the stories that changed, on ``desk.stories`` (a tombstone for those that ended)."""
        desk = self._desks.get(partition)
        if desk is None:
            return
        for story_id, view in desk.views():
            await self._send(self._topics.desk_stories, story_id.encode(), None if view is None else encode(view))

    def _handle(self, message: Any) -> list[TickerEvent]:
        try:
            headline = decode(message.value, Headline)
        except DecodeError as exc:
            raise _RecordRefusedError(exc.reason) from None
        desk = self._desks[message.partition]
        started = time.perf_counter()
        try:
            events = desk.handle(headline, datetime.now(UTC), message.offset)
        except Exception as exc:  # a bug must not stop the ticker: rebuild this desk, park the record
            log.exception("desk failed on a headline", extra={"item_id": headline.id})
            self._forget_desk(message.partition)
            raise _RecordRefusedError(f"desk failed on this headline: {exc!r}") from exc
        finished = time.perf_counter()
        self._metrics.observe_headline(finished - started, time.time() - headline.received_at.timestamp())
        return events

    def _tick(self, message: Any) -> list[TickerEvent]:
        try:
            now = datetime.fromtimestamp(float(message.value), UTC)
        except (TypeError, ValueError, OverflowError):
            raise _RecordRefusedError(f"clock tick value is not a POSIX time: {message.value!r:.80}") from None
        desk = self._desks[message.partition]
        try:
            return desk.tick(now, message.offset)
        except Exception as exc:  # as above: never stop; rebuild the desk from its tables
            log.exception("desk failed on a clock tick")
            self._forget_desk(message.partition)
            raise _RecordRefusedError(f"desk failed on a clock tick: {exc!r}") from exc

    async def _open_desk(self, partition: int, offset: int) -> None:
        """Rebuild the desk of ``partition`` from the tables, its input resuming at ``offset``.

        Events caused by records at ``offset`` or later may be recorded in
        the tables without having reached the broker (the previous owner may
        have died before flushing them); those missing from ``ticker.events``
        are published again, same ids (see :mod:`stoppress.ticker.published`).
        """
        started = time.perf_counter()
        state = self._tables.for_partition(partition, self._send_to)
        desk = Desk(state.tables, self._authority, self._policy)
        self._desks[partition] = desk
        self._states[partition] = state
        unconfirmed = desk.unconfirmed(offset)
        missing = await self._not_yet_published(unconfirmed)
        for ticker_event in missing:
            await self._publish(ticker_event)
        took_ms = round((time.perf_counter() - started) * 1e3)
        log.info(
            "desk rebuilt from tables",
            extra={
                "partition": partition, "stories": len(desk), "unconfirmed": len(unconfirmed),
                "republished": len(missing), "ms": took_ms,
            },
        )

    async def _not_yet_published(self, events: list[TickerEvent]) -> list[TickerEvent]:
        """``events`` that ``ticker.events`` does not hold; all of them if that cannot be read (never lose one)."""
        since = earliest_read_time(events)
        if since is None:
            return []
        try:
            async with asyncio.timeout(READ_BACK_TIMEOUT_S):
                present = await self._published.ids_since(since)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("cannot read back ticker events (%r): publishing all %d unconfirmed again", exc, len(events))
            return events
        return not_yet_published(events, present)

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

    def _forget_desk(self, partition: int) -> None:
        """Drop a desk whose state may be half-changed, with its held-back writes; it is rebuilt from the tables."""
        self._desks.pop(partition, None)
        self._states.pop(partition, None)

    async def _publish(self, event: TickerEvent, *, confirm: bool = False) -> RecordMetadata | None:
        """Publish ``event`` and the story's state; with ``confirm``, wait for ``ticker.events``' ack and return it."""
        key = event.story.story_id.encode()
        delivery = await self._send(self._topics.events, key, encode(event))
        await self._send(self._topics.stories, key, None if event.type in _TOMBSTONED else encode(event.story))
        self._metrics.events.labels(type=event.type).inc()
        log.log(
            logging.DEBUG if event.type == "story.update" else logging.INFO,
            "%s: %s",
            event.type,
            event.story.headline,
            extra={"story_id": event.story.story_id, "level": event.story.level},
        )
        return await delivery if confirm else None

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


def _is_command(message: Any) -> bool:
    """Whether a desk-topic record is an editor's command (see :data:`~stoppress.ticker.topics.COMMAND_KIND`)."""
    return any(name == RECORD_KIND and value == COMMAND_KIND for name, value in message.headers or ())


class _RecordRefusedError(Exception):
    """A desk-topic record that goes to the DLQ with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

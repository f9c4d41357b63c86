"""The desks of the desk partitions this worker owns: opened from the tables, fed desk-topic records in order.

The desk agent (:mod:`stoppress.ticker.agents`) hands :class:`Desks` the
records of a batch: headlines (alone, or in bundles, :mod:`stoppress.ticker.bundles`),
editors' commands and clock ticks. Each goes to the :class:`~stoppress.ticker.desk.Desk`
of its partition, opened from the tables the first time (and again after a
rebalance or a failure); what it decides is published as it comes: each
event on ``ticker.events`` and the story's new state on the compacted
``ticker.stories`` (a tombstone after a retraction or expiry), both keyed by
story id, and each command's outcome on ``desk.outcomes`` (with the cursor of
the last event it caused, once the broker has it); then the state that
records them goes to the changelogs (:mod:`stoppress.ticker.tables`), record
by record: handed to the producer in that order without a pause, a batch's
records leave in few produce requests, and a crash cuts at most into one
record's outputs. Once per batch, what editors see of each changed story
goes to ``desk.stories``. A record the desk cannot handle goes to the DLQ; a
desk that fails on one is rebuilt from the tables.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata

from stoppress.shared.codec import DecodeError, decode, encode, validate
from stoppress.shared.cursor import cursor_text
from stoppress.shared.models import DeskCommand, DeskOutcome, Headline, TickerEvent
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.bundles import BundledHeadline, unbundle
from stoppress.ticker.desk import CommandResult, Desk, DeskPolicy
from stoppress.ticker.published import EventLog, earliest_read_time, not_yet_published
from stoppress.ticker.tables import PartitionState, TickerTables
from stoppress.ticker.telemetry import TickerMetrics
from stoppress.ticker.topics import BUNDLE_KIND, COMMAND_KIND, RECORD_KIND, TICK_KEY, TickerTopics
from stoppress.ticker.validated import ValidatedRecords

__all__ = ["READ_BACK_TIMEOUT_S", "Desks", "Send"]

log = logging.getLogger(__name__)

_TOMBSTONED = frozenset({"story.retract", "story.expire"})
READ_BACK_TIMEOUT_S = 30.0
"""Longest the worker waits to read back what the broker holds (published events, committed offsets) (s)."""


class Send(Protocol):
    """Hands one record to the app's producer (topic, key, value, partition, headers); returns its delivery."""

    async def __call__(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[RecordMetadata]: ...


class Desks:
    """One desk per desk partition this worker handles records of; all forgotten after a rebalance."""

    def __init__(
        self,
        topics: TickerTopics,
        tables: TickerTables,
        *,
        authority: AuthorityBook,
        policy: DeskPolicy,
        metrics: TickerMetrics,
        published: EventLog,
        send: Send,
        dead_letter: Callable[[Any, str, str], Awaitable[None]],
        handled: Callable[[Any], None],
        validated: ValidatedRecords,
    ) -> None:
        self._topics = topics
        self._tables = tables
        self._authority = authority
        self._policy = policy
        self._metrics = metrics
        self._published = published
        self._send_to = send
        self._dead_letter = dead_letter
        self._handled = handled
        self._validated = validated
        self._desks: dict[int, Desk] = {}
        self._states: dict[int, PartitionState] = {}

    def forget(self) -> None:
        """Drop every desk (partitions may have moved; the tables hold the recovered truth)."""
        self._desks.clear()
        self._states.clear()

    async def take(self, records: list[Any]) -> None:
        """Handle a batch of desk-topic records in order, publishing the state of each and then its events;
        then, once per desk, publish what editors see of the stories that changed."""
        for message in records:
            await self._take_record(message)
        for partition in sorted({message.partition for message in records}):
            await self._publish_views(partition)

    async def _take_record(self, message: Any) -> None:
        """One desk-topic record: a clock tick, a command, a headline, or a bundle of headlines, each in turn."""
        if _kind(message) != BUNDLE_KIND:
            await self._take(message, message.offset)
            return
        try:
            headlines = unbundle(message, self._validated.take(message.value))
        except DecodeError as exc:
            await self._dead_letter(message, exc.reason, "ticker.desk")
            self._handled(message)
            return
        for index, headline in enumerate(headlines):
            # A desk rebuilt after failing on one of these resumes after the bundle: the events of the
            # headlines before are with the producer, and reading them back would not find them yet.
            await self._take(headline, message.offset + 1 if index else message.offset)

    async def _take(self, message: Any, resume_at: int) -> None:
        if message.partition not in self._desks:
            await self._open_desk(message.partition, resume_at)
        state = self._states[message.partition]
        try:
            if message.key == TICK_KEY:
                events = self._tick(message)
            elif _is_command(message):
                events = []
                await self._command(message)
            else:
                events = self._handle(message)
        except _RecordRefusedError as exc:
            if isinstance(exc, _DeskFailedError):  # its state may be half-changed: rebuild it from the tables
                self._forget_desk(message.partition)
            await self._dead_letter(message, exc.reason, "ticker.desk")
        else:
            # The state before the events, which go out last (measured faster at p99, docs/benchmarks.md);
            # not a matter of safety: recovery re-publishes events the state records but ticker.events lacks.
            await state.flush()
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
            raise _DeskFailedError(f"desk failed on this command: {exc!r}") from exc
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
            headline = self._validated_headline(message)
        except DecodeError as exc:
            raise _RecordRefusedError(exc.reason) from None
        desk = self._desks[message.partition]
        started = time.perf_counter()
        try:
            events = desk.handle(headline, datetime.now(UTC), message.offset)
        except Exception as exc:  # a bug must not stop the ticker: rebuild this desk, park the record
            log.exception("desk failed on a headline", extra={"item_id": headline.id})
            raise _DeskFailedError(f"desk failed on this headline: {exc!r}") from exc
        finished = time.perf_counter()
        self._metrics.observe_headline(finished - started, time.time() - headline.received_at.timestamp())
        return events

    def _validated_headline(self, message: Any) -> Headline:
        """The headline of a record or bundled headline, validated here unless this worker's intake did."""
        if isinstance(message, BundledHeadline):
            return validate(message.item, Headline) if message.validated is None else message.validated
        known = self._validated.take(message.value)
        return known[0] if known is not None and len(known) == 1 else decode(message.value, Headline)

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
            raise _DeskFailedError(f"desk failed on a clock tick: {exc!r}") from exc

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
        self, topic: Any, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> Awaitable[RecordMetadata]:
        return await self._send_to(topic.get_topic_name(), key, value, None, headers)

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



def _kind(message: Any) -> bytes | None:
    """What a desk-topic record is when it is not a headline (:data:`~stoppress.ticker.topics.RECORD_KIND`)."""
    return next((value for name, value in message.headers or () if name == RECORD_KIND), None)


def _is_command(message: Any) -> bool:
    """Whether a desk-topic record is an editor's command (see :data:`~stoppress.ticker.topics.COMMAND_KIND`)."""
    return _kind(message) == COMMAND_KIND


class _RecordRefusedError(Exception):
    """A desk-topic record that goes to the DLQ with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _DeskFailedError(_RecordRefusedError):
    """The desk itself failed on the record: its state may be half-changed, so it is rebuilt from the tables."""

"""The Kafka edge of the desk service: the three ``desk.*`` topics read into the board, commands written out.

One group-free consumer reads ``desk.stories``, ``desk.commands`` and
``desk.outcomes`` from the beginning (every replica reads everything; none
rebalances), applying each record to the :class:`~stoppress.desk.board.Board`,
resolving waiting requests (:class:`~stoppress.desk.answers.Answers`) and
telling the consoles (:class:`~stoppress.desk.live.Watchers`). The service is
ready once it has read up to the ends it found at start.

Commands go out through an idempotent ``acks=all`` producer, keyed by the
story's desk; a send that the broker does not acknowledge within
``ack_timeout_s`` fails with :class:`BrokerUnavailableError` and the producer
is replaced (a fresh one after an outage), so a command is never promised
that the broker does not hold. A record the service cannot read is skipped
with a warning: the ticker wrote it, and the DLQ is for records readers
refuse to act on, which the ticker does for commands itself.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from stoppress.desk.answers import Answers
from stoppress.desk.board import Board
from stoppress.desk.live import Watchers
from stoppress.desk.metrics import DeskMetrics
from stoppress.desk.settings import DeskSettings
from stoppress.shared.codec import DecodeError, decode, encode
from stoppress.shared.kafka import durable_producer, group_free_consumer, stop_producer_within
from stoppress.shared.models import DeskCommand, DeskOutcome, DeskStory

log = logging.getLogger(__name__)

STOP_PRODUCER_S = 2.0
"""How long a given-up or stopping producer may flush (s)."""


class BrokerUnavailableError(Exception):
    """The broker did not acknowledge a command in time; nothing was promised."""


class DeskFeed:
    """Reads the desk topics into the board and sends commands (see the module docstring)."""

    def __init__(
        self, settings: DeskSettings, board: Board, answers: Answers, watchers: Watchers, metrics: DeskMetrics
    ) -> None:
        self._settings = settings
        self._board = board
        self._answers = answers
        self._watchers = watchers
        self._metrics = metrics
        self._consumer: AIOKafkaConsumer = group_free_consumer(settings.kafka_bootstrap, f"{settings.instance}-feed")
        self._stories = TopicPartition(settings.stories_topic, 0)
        self._commands = TopicPartition(settings.commands_topic, 0)
        self._outcomes = TopicPartition(settings.outcomes_topic, 0)
        self._targets: dict[TopicPartition, int] = {}
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Connect and note how far to read before the board is complete."""
        await self._consumer.start()
        partitions = [self._stories, self._commands, self._outcomes]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        ends = await self._consumer.end_offsets(partitions)
        self._targets = {tp: offset for tp, offset in ends.items() if offset > 0}
        if not self._targets:
            self.ready.set()

    async def run(self) -> None:
        """Apply records as they come, until cancelled."""
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=1000)
            for tp, records in batches.items():
                for record in records:
                    self._apply(tp, record)
                if not self.ready.is_set() and records:
                    self._reached(tp, records[-1].offset + 1)
            self._metrics.stories.set(len(self._board.stories))

    def _reached(self, tp: TopicPartition, position: int) -> None:
        if self._targets.get(tp, 0) <= position:
            self._targets.pop(tp, None)
        if not self._targets:
            log.info("desk state loaded", extra={"stories": len(self._board.stories)})
            self.ready.set()

    def _apply(self, tp: TopicPartition, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            if tp == self._stories:
                self._apply_story(record)
            elif tp == self._commands:
                entry = self._board.apply_command(decode(record.value, DeskCommand))
                self._watchers.broadcast("log", entry.as_json())
            else:
                outcome = decode(record.value, DeskOutcome)
                self._answers.resolve(outcome)
                logged = self._board.apply_outcome(outcome)
                if logged is not None:
                    self._watchers.broadcast("log", logged.as_json())
        except DecodeError as exc:
            log.warning("skipping an unreadable record", extra={"topic": tp.topic, "offset": record.offset,
                                                                 "reason": exc.reason})  # fmt: skip

    def _apply_story(self, record: ConsumerRecord[bytes, bytes]) -> None:
        story_id = (record.key or b"").decode(errors="replace")
        if record.value is None:
            if self._board.apply_story(story_id, None):
                self._watchers.broadcast("gone", {"story_id": story_id})
            return
        story = decode(record.value, DeskStory)
        if self._board.apply_story(story.story_id, story):
            self._watchers.broadcast("story", story.model_dump(mode="json"))

    async def send(self, command: DeskCommand) -> None:
        """Write ``command`` to ``desk.commands``; return once the broker acknowledged it."""
        timeout_s = self._settings.ack_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                producer = await self._current_producer()
                delivery = await producer.send(
                    self._settings.commands_topic, encode(command), key=command.desk.encode()
                )
                await delivery
        except (TimeoutError, KafkaError, OSError) as exc:
            await self._drop_producer()
            reason = f"no acknowledgement within {timeout_s:g} s" if isinstance(exc, TimeoutError) else str(exc)
            raise BrokerUnavailableError(f"the broker did not take the command: {reason}") from None

    async def _current_producer(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            if self._producer is None:
                producer = durable_producer(
                    self._settings.kafka_bootstrap, f"{self._settings.instance}-commands",
                    request_timeout_ms=int(self._settings.ack_timeout_s * 1000) + 2000,
                )  # fmt: skip
                try:
                    await producer.start()
                except BaseException:
                    await stop_producer_within(producer, STOP_PRODUCER_S)
                    raise
                self._producer = producer
            return self._producer

    async def _drop_producer(self) -> None:
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            log.warning("replacing the Kafka producer: a command was not acknowledged")
            await stop_producer_within(producer, STOP_PRODUCER_S)

    async def stop(self) -> None:
        """Disconnect (pending sends are flushed for a bounded time)."""
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await stop_producer_within(producer, STOP_PRODUCER_S)
        await self._consumer.stop()

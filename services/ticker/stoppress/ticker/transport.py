"""The worker's Kafka transport: faust's aiokafka transport with a short fetch wait and an idempotent producer.

faust creates its consumer with ``fetch_max_wait_ms=1500`` and offers no
setting for it. aiokafka keeps one fetch request in flight per broker, for
the partitions that have nothing buffered; when those are quiet (most desk
partitions are: a desk is a language) the request waits the full 1.5 s,
and records arriving meanwhile on the other partitions wait with it.
Measured on the worker at 500 headlines/s: stalls of 1-2 s and a p50
latency of about a second; with 100 ms, the worker keeps up and stays
under its commit interval.

The consumer also never lets a fetched changelog record go unread. faust's
``getmany`` drops the rest of a fetched batch when the consumer group's
generation changes or the flow stops while the batch is being handed out,
and the partitions' positions have already moved past those records. For a
stream partition faust seeks back to the committed offset after the
rebalance; a changelog partition it does not: after a takeover the surviving
worker's table recovery then waited forever for records already fetched and
dropped ("No event received for active tp …": 1 of 7, 1 of 6 and 1 of 13
looped runs of ``tests/integration/deploy/test_scale_out.py``). :class:`PromptConsumer`
rewinds such a partition to the first record it dropped (14 of 14 runs
passed with it, one of them logging the rewind).

Its producer (:class:`DurableProducer`) is idempotent, like every other
producer of Stop Press (:func:`stoppress.shared.kafka.durable_producer`):
faust turns idempotence on only for ``exactly_once``. When a partition
leader dies with a write in flight, the producer sends it again to the new
leader; idempotence makes the broker keep one copy, in order, where a plain
producer may leave a duplicate in ``ticker.events``, ``ticker.stories`` or a
changelog.

Failover timeouts (see :mod:`stoppress.shared.kafka` for the rest): faust's
defaults wait 20 minutes for a produce request and 90 s for a fetch. A
crashed broker closes its connections, so that never mattered for a kill -9;
but behind a leader that hangs (SIGSTOP in a test) ``ticker.events`` stood
still for the whole 60 s the broker was stopped (8.4 s with these values). Requests now time out after
:data:`PRODUCER_REQUEST_TIMEOUT_S` and :data:`CONSUMER_REQUEST_TIMEOUT_S`,
then go to the new leader. aiokafka also uses the producer's request timeout
as the time it keeps a record whose partition has *no* leader before
dropping it, and faust would then commit past the lost event; so the
producer keeps such records for :data:`LEADERLESS_PATIENCE_S`, as before.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

log = logging.getLogger(__name__)

FETCH_MAX_WAIT_MS = 100
"""Longest a fetch request may wait at the broker for data (ms)."""
PRODUCER_REQUEST_TIMEOUT_S = 5.0
"""Longest wait for a broker's answer to a produce request before sending it to the (new) leader again (s)."""
CONSUMER_REQUEST_TIMEOUT_S = 10.0
"""Longest wait for an answer to a fetch or group request (s). aiokafka also waits this long for a JoinGroup,
which the coordinator holds until the group's members have rejoined (a dead one leaves after the session
timeout, 10 s); a JoinGroup that times out is sent again. At least the session timeout (faust requires it)."""
LEADERLESS_PATIENCE_S = 1200.0
"""How long the producer keeps a record whose partition has no leader at all (s): faust's default, 20 min."""
PRODUCER_BATCH_BYTES = 128 * 1024
"""Most bytes the producer puts in one partition's batch. aiokafka keeps one open batch per partition, and a
send that finds it full waits until the sender has taken it (one produce request in flight per broker). At
faust's 16 KiB the changelog of a busy desk fills a batch every 30 or so records: draining the bench's backlog,
sends waited 574 to 621 times (0.45 to 1.06 s in all), against 68 times (0.17 s) at 128 KiB; 32 to 512 KiB
drained about equally fast. Well under Kafka's default ``message.max.bytes`` (1 MiB). A worker that keeps up
sends batches of one record, so this adds no latency."""


class PromptConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """faust's consumer thread, creating its consumer with ``FETCH_MAX_WAIT_MS``."""

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts
        return consumer


class Record(Protocol):
    """What :func:`undelivered` needs of a fetched record."""

    @property
    def offset(self) -> int: ...


def undelivered(
    batch: Mapping[TP, Sequence[Record]], delivered: Mapping[TP, int], watched: Callable[[TP], bool]
) -> dict[TP, int]:
    """For each ``watched`` partition of a fetched ``batch``: the first offset past the last one delivered.

    ``delivered`` maps a partition to the offset of the last record handed
    out from this batch; partitions absent from it had none handed out.
    """
    starts: dict[TP, int] = {}
    for tp, records in batch.items():
        if not watched(tp):
            continue
        last = delivered.get(tp)
        left = [record.offset for record in records if last is None or record.offset > last]
        if left:
            starts[tp] = min(left)
    return starts


class PromptConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer with :class:`PromptConsumerThread`; rewinds changelog records faust dropped."""

    _batch: Mapping[TP, Sequence[Record]] | None = None

    def _new_consumer_thread(self) -> PromptConsumerThread:
        return PromptConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _wait_next_records(self, timeout: float) -> tuple[Any, Any]:  # noqa: ASYNC109 -- faust's signature
        records, active_partitions = await super()._wait_next_records(timeout)
        self._batch = records
        return records, active_partitions

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:  # noqa: ASYNC109 -- faust's signature
        delivered: dict[TP, int] = {}
        async for tp, message in super().getmany(timeout):
            delivered[tp] = message.offset
            yield tp, message
        batch, self._batch = self._batch, None
        if batch:
            for tp, offset in undelivered(batch, delivered, self._is_changelog_tp).items():
                await self._rewind(tp, offset)

    async def _rewind(self, tp: TP, offset: int) -> None:
        """Seek ``tp`` back to ``offset`` unless its position already is there or before (someone seeked)."""
        subscription = self._thread._ensure_consumer()._subscription.subscription
        assignment = subscription.assignment if subscription is not None else None
        state = assignment.state_value(tp) if assignment is not None else None
        if state is None or not state.has_valid_position or state.position <= offset:
            return
        log.warning(
            "changelog records fetched but dropped by faust; reading them again",
            extra={"topic": tp.topic, "partition": tp.partition, "from": offset, "position": state.position},
        )
        await self.seek(tp, offset)


class DurableProducer(faust_aiokafka.Producer):
    """faust's aiokafka producer with idempotence on (it already writes with ``acks=all``: ``producer_acks=-1``)
    and :data:`LEADERLESS_PATIENCE_S` for records waiting for a leader."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "enable_idempotence": True}

    def _new_producer(self, transactional_id: str | None = None) -> aiokafka.AIOKafkaProducer:
        producer = super()._new_producer(transactional_id)
        producer._message_accumulator._batch_ttl = LEADERLESS_PATIENCE_S  # aiokafka: its request timeout
        return producer


class PromptTransport(faust_aiokafka.Transport):
    """faust's aiokafka transport with :class:`PromptConsumer` and :class:`DurableProducer`."""

    Consumer: ClassVar[Any] = PromptConsumer
    Producer: ClassVar[Any] = DurableProducer

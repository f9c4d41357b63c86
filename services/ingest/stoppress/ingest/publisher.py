"""Writing headlines to ``headlines.raw``, and knowing when the broker has them.

A write counts only once the broker acknowledged it (``acks=all``,
idempotent producer: a retried send cannot land twice or out of order per
key). Every wait is bounded by ``ack_timeout_s``: past it the caller gets
:class:`BrokerUnavailableError` and tells its client to retry, so nothing is
ever promised that the broker does not hold.

When a write fails, the producer is replaced: the old one is stopped (its
unacknowledged records were answered 503, so nothing promised is lost) and
a new one connects in the background with exponential backoff. Until it
has, writes fail at once instead of piling records into a producer that
cannot deliver them (aiokafka spins on metadata refreshes while records
wait for an unreachable leader). A fresh producer after an outage also
means a fresh producer id, so a broker that lost its state cannot wedge
the idempotent sequence numbers.

A record whose ack did not come in time may still be delivered later; a
client retrying the same ``guid``/``version`` then produces a repeat that
the ticker drops, so "503, retry" can duplicate but never lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from stoppress.ingest.problems import BrokerUnavailableError
from stoppress.shared.codec import encode
from stoppress.shared.kafka import durable_producer, stop_producer_within
from stoppress.shared.models import Headline
from stoppress.shared.topics import HEADLINES_RAW

log = logging.getLogger(__name__)

CONNECT_RETRY_FIRST_S = 0.2
CONNECT_RETRY_MAX_S = 2.0
READINESS_PROBE_TIMEOUT_S = 1.0
WATCH_INTERVAL_S = 2.0
"""How often an idle producer's broker is probed, so an outage is noticed without traffic (s)."""
STOP_PRODUCER_S = 5.0
"""How long stopping the producer at shutdown may flush; with the broker away it would wait forever (s)."""
DROP_PRODUCER_S = 1.0
"""How long a given-up producer may flush: its writers were already answered 503 (s)."""


class HeadlinePublisher:
    """The producer of an ingest replica: connects, publishes with a bounded wait, replaces itself on failure."""

    def __init__(self, bootstrap: str, client_id: str, ack_timeout_s: float) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._ack_timeout_s = ack_timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._connected = asyncio.Event()
        self._trouble = asyncio.Event()
        self._maintainer: asyncio.Task[None] | None = None

    @property
    def producer(self) -> AIOKafkaProducer | None:
        """The current producer, or ``None`` while (re)connecting."""
        return self._producer

    def start(self) -> None:
        """Begin connecting in the background (returns at once)."""
        self._maintainer = asyncio.create_task(self._maintain(), name="kafka-producer")

    async def wait_connected(self) -> AIOKafkaProducer:
        """The producer, once connected (waits as long as that takes)."""
        while True:
            await self._connected.wait()
            if self._producer is not None:
                return self._producer

    async def wait_given_up(self) -> None:
        """Return once the current producer has been given up (after a failed write)."""
        await self._trouble.wait()

    async def _maintain(self) -> None:
        while True:
            producer = await self._connect()
            self._producer = producer
            self._trouble.clear()
            self._connected.set()
            await self._watch(producer)
            log.warning("replacing the Kafka producer: the broker stopped answering")
            await stop_producer_within(producer, DROP_PRODUCER_S)

    async def _watch(self, producer: AIOKafkaProducer) -> None:
        """Return once ``producer`` is given up: by a failed write, or by a failed probe while idle."""
        while not self._trouble.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WATCH_INTERVAL_S):
                    await self._trouble.wait()
            if not self._trouble.is_set() and not await self.broker_reachable():
                self._give_up_on(producer)

    def _give_up_on(self, producer: AIOKafkaProducer) -> None:
        """Stop using ``producer`` at once (if still current); the maintainer replaces it."""
        if producer is self._producer:
            self._producer = None
            self._connected.clear()
            self._trouble.set()

    async def _connect(self) -> AIOKafkaProducer:
        delay_s = CONNECT_RETRY_FIRST_S
        while True:
            producer = durable_producer(
                self._bootstrap, self._client_id, request_timeout_ms=int(self._ack_timeout_s * 1000) + 2000
            )
            try:
                await producer.start()
            except (KafkaError, OSError) as exc:
                log.warning("broker not reachable at %s (%s); retrying in %.1f s", self._bootstrap, exc, delay_s)
                await stop_producer_within(producer, DROP_PRODUCER_S)
                await asyncio.sleep(delay_s)
                delay_s = min(CONNECT_RETRY_MAX_S, delay_s * 2)
                continue
            log.info("connected to the broker at %s", self._bootstrap)
            return producer

    async def publish(self, headline: Headline) -> None:
        """Write one headline; return once acknowledged, or raise :class:`BrokerUnavailableError`."""
        [failure] = await self.publish_all([headline])
        if failure is not None:
            raise failure

    async def publish_all(self, headlines: Sequence[Headline]) -> list[BrokerUnavailableError | None]:
        """Write headlines in order; per headline ``None`` (acknowledged) or why not, within one ack timeout.

        Records are handed to the producer one after another (not as
        concurrent tasks: a full producer batch would make every one of them
        wait and retry), then their acks are awaited together.
        """
        producer = self._producer
        if producer is None:
            return [BrokerUnavailableError("not connected to the broker (reconnecting)")] * len(headlines)
        deliveries: list[asyncio.Future[object]] = []
        reason = ""
        try:
            async with asyncio.timeout(self._ack_timeout_s):
                for headline in headlines:
                    delivery = await producer.send(HEADLINES_RAW, encode(headline), key=headline.id.encode())
                    delivery.add_done_callback(_retrieve_outcome)
                    deliveries.append(delivery)
                await asyncio.wait(deliveries)
        except TimeoutError:
            reason = f"the broker did not acknowledge within {self._ack_timeout_s:g} s"
        except KafkaError as exc:
            reason = f"the broker refused the write: {exc}"
        failures = [_failure(delivery) for delivery in deliveries]
        failures += [reason] * (len(headlines) - len(deliveries))
        if any(failures):
            self._give_up_on(producer)
        return [BrokerUnavailableError(failure) if failure else None for failure in failures]

    async def broker_reachable(self) -> bool:
        """Whether the broker answers a metadata request right now (readiness probes)."""
        producer = self._producer
        if producer is None:
            return False
        try:
            async with asyncio.timeout(READINESS_PROBE_TIMEOUT_S):
                await producer.client.fetch_all_metadata()
        except (TimeoutError, KafkaError, OSError):
            return False
        return True

    async def stop(self) -> None:
        """Stop reconnecting, flush what is in flight (bounded), disconnect."""
        if self._maintainer is not None:
            self._maintainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintainer
        if self._producer is not None:
            await stop_producer_within(self._producer, STOP_PRODUCER_S)
            self._producer = None


def _failure(delivery: asyncio.Future[object]) -> str:
    """Why ``delivery`` was not acknowledged, or ``""`` if it was."""
    if not delivery.done():
        return "no acknowledgement in time"
    if delivery.cancelled():
        return "the write was cancelled"
    failure = delivery.exception()
    return "" if failure is None else f"the broker refused the write: {failure}"


def _retrieve_outcome(delivery: asyncio.Future[object]) -> None:
    """Mark a delivery's late failure as seen: its client already got a 503."""
    if not delivery.cancelled():
        delivery.exception()

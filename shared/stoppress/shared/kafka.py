"""Producer and consumer factories with the house defaults.

Every write that a client was promised is durable uses :func:`durable_producer`:
``acks=all`` and idempotence, so a retried send can neither be lost nor land
twice, and records with one key stay in order.

When a partition's leader goes away (a crash, a rolling restart, a machine
gone), a client must notice, learn the new leader and go on within seconds.
What decides that, and why each value:

- **the broker side does most of it**: the controller fences a broker that
  stopped heartbeating after 3 s and moves its leaderships and ISR
  memberships (``stoppress.cli.localkafka.BROKER_SESSION_TIMEOUT_MS``); a
  broker stopped with SIGTERM hands them over before it exits;
- **a broken connection** (a crashed broker: its kernel closes the sockets)
  makes aiokafka refresh the metadata at once, and a request answered "not
  the leader" does too. But a refresh asks only the brokers the client
  already knows (aiokafka never goes back to the bootstrap list), and a
  broker that was away when the list was last fetched stays unknown until
  the next periodic refresh: with aiokafka's 5 minutes, a gateway that had
  seen two nodes of three restart in a rolling restart knew only the third,
  and read nothing while that one restarted in turn (6.9 s). Every client
  refreshes every :data:`METADATA_MAX_AGE_MS` instead;
- **a connection that stays open but answers nothing** (a hung JVM, a
  machine that lost power on a real network) is given up only when a request
  on it times out: :data:`REQUEST_TIMEOUT_MS` for the group-free consumers,
  the producer's ``request_timeout_ms`` (5 s, also the longest a broker may
  wait for its followers before answering) and the ticker's own
  (:mod:`stoppress.ticker.transport`). Measured behind a leader SIGSTOPped
  for 60 s, with aiokafka's and faust's defaults (40 s, 90 s, 20 min) events
  stood still 69 s; with 10-15 s, 21 s; with these 5-10 s, 8.4 s. A
  connection attempt to such a node also waits this long, and a metadata
  refresh may try it first;
- **retries** happen with aiokafka's ``retry_backoff_ms`` (100 ms) between
  attempts, and an idempotent producer retries a sent record until it is
  acknowledged, so a leader change never drops or doubles a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

METADATA_MAX_AGE_MS = 5_000
"""How often every client fetches the cluster's metadata even when nothing failed (ms): a broker that comes
back is known to every client within this time. One small request per client each time."""
REQUEST_TIMEOUT_MS = 5_000
"""How long a group-free consumer waits for a broker's answer before it drops the connection, refreshes the
metadata and asks the partition's new leader (ms). A fetch is answered within ``fetch_max_wait_ms`` (100 ms),
so this never cuts a healthy one short."""


def durable_producer(
    bootstrap: str, client_id: str, *, request_timeout_ms: int = 5000, linger_ms: int = 0
) -> AIOKafkaProducer:
    """An idempotent ``acks=all`` producer; ``request_timeout_ms`` bounds how long a send may wait (ms)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        request_timeout_ms=request_timeout_ms,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        compression_type=None,
    )


def group_free_consumer(bootstrap: str, client_id: str) -> AIOKafkaConsumer:
    """A consumer with no group and no auto-commit: the caller assigns partitions and seeks.

    Gateway replicas each read the whole stream this way, so they never
    rebalance against each other.
    """
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
    )


async def stop_producer_within(producer: AIOKafkaProducer, timeout_s: float) -> None:
    """Stop ``producer``, flushing for at most ``timeout_s``; then abort what is left.

    aiokafka has no abort: an idempotent producer retries records for an
    unreachable leader forever, so its sender task is cancelled by hand.
    Callers use it for a producer whose writers were already told "not
    acknowledged" (or at shutdown), so dropping its records loses no promise.
    """
    try:
        async with asyncio.timeout(timeout_s):
            await producer.stop()
        return
    except TimeoutError:
        log.warning("Kafka producer did not flush within %.0f s; dropping its unacknowledged records", timeout_s)
    except (KafkaError, OSError) as exc:
        log.warning("Kafka producer stopped with an error: %s", exc)
    sender_task = getattr(getattr(producer, "_sender", None), "sender_task", None)
    if sender_task is not None:
        sender_task.cancel()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(timeout_s):
            if sender_task is not None:
                await asyncio.wait([sender_task])
            await producer.client.close()

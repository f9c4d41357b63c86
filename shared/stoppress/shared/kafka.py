"""Producer and consumer factories with the house defaults.

Every write that a client was promised is durable uses :func:`durable_producer`:
``acks=all`` and idempotence, so a retried send can neither be lost nor land
twice, and records with one key stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


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

"""Producer and consumer factories with the house defaults.

Every write that a client was promised is durable uses :func:`durable_producer`:
``acks=all`` and idempotence, so a retried send can neither be lost nor land
twice, and records with one key stay in order.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


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

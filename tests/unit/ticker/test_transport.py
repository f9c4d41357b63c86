"""The prompt transport relies on one aiokafka attribute; fail loudly if aiokafka renames it."""

from __future__ import annotations

import aiokafka

from stoppress.ticker.transport import FETCH_MAX_WAIT_MS, PromptConsumer, PromptConsumerThread, PromptTransport


async def test_aiokafka_keeps_the_fetch_wait_where_the_transport_sets_it() -> None:
    consumer = aiokafka.AIOKafkaConsumer(bootstrap_servers="127.0.0.1:9", fetch_max_wait_ms=1500)
    assert consumer._fetch_max_wait_ms == 1500
    assert FETCH_MAX_WAIT_MS < 1500


def test_the_transport_builds_prompt_consumers() -> None:
    assert PromptTransport.Consumer is PromptConsumer
    assert PromptConsumer._new_consumer_thread.__annotations__["return"] in (
        "PromptConsumerThread",
        PromptConsumerThread,
    )

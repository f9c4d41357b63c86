"""The prompt transport: aiokafka attributes it relies on (fail loudly if renamed), and what it rewinds."""

from __future__ import annotations

from dataclasses import dataclass

import aiokafka
from faust.types import TP
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.transport import (
    FETCH_MAX_WAIT_MS,
    PromptConsumer,
    PromptConsumerThread,
    PromptTransport,
    undelivered,
)


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


@dataclass(frozen=True)
class Fetched:
    offset: int


CHANGELOG = TP("app-stories-changelog", 0)
OTHER_CHANGELOG = TP("app-stories-changelog", 1)
STREAM = TP("headlines.raw", 0)


def is_changelog(tp: TP) -> bool:
    return tp.topic.endswith("-changelog")


def test_a_batch_handed_out_whole_leaves_nothing_to_rewind() -> None:
    batch = {CHANGELOG: [Fetched(4), Fetched(5)]}
    assert undelivered(batch, {CHANGELOG: 5}, is_changelog) == {}


def test_the_rest_of_a_batch_cut_short_is_rewound_per_changelog_partition() -> None:
    batch = {CHANGELOG: [Fetched(4), Fetched(5), Fetched(6)], OTHER_CHANGELOG: [Fetched(10)], STREAM: [Fetched(7)]}
    assert undelivered(batch, {CHANGELOG: 4}, is_changelog) == {CHANGELOG: 5, OTHER_CHANGELOG: 10}


@given(st.lists(st.integers(0, 1_000), min_size=1, unique=True), st.data())
def test_the_rewind_starts_at_the_first_record_not_handed_out(offsets: list[int], data: st.DataObject) -> None:
    offsets.sort()
    handed_out = data.draw(st.integers(0, len(offsets)))
    delivered = {CHANGELOG: offsets[handed_out - 1]} if handed_out else {}
    batch = {CHANGELOG: [Fetched(offset) for offset in offsets], STREAM: [Fetched(offset) for offset in offsets]}
    expected = {CHANGELOG: offsets[handed_out]} if handed_out < len(offsets) else {}
    assert undelivered(batch, delivered, is_changelog) == expected


async def test_the_rewind_reads_the_position_where_aiokafka_keeps_it() -> None:
    consumer = aiokafka.AIOKafkaConsumer(bootstrap_servers="127.0.0.1:9")
    consumer.assign([aiokafka.TopicPartition("t", 0)])
    state = consumer._subscription.subscription.assignment.state_value(aiokafka.TopicPartition("t", 0))
    assert state is not None and state.has_valid_position is False

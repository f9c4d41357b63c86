"""The compose topology without Docker: ingest ×2, ticker ×2, push ×2 as separate local processes on the real broker.

Headlines are posted to both ingest replicas, in six languages chosen so that
every partition of the ticker's desk topic (6 by default) gets some: both
ticker workers of one consumer group share the work. Readers on both push
replicas must see every event, in the same order, once. Then one ticker
worker is killed with -9 and more headlines are posted: the other worker
takes over its partitions (after the ticker's ``session_timeout_s``, 10 s) and
every headline still becomes a story, for every reader.

An editor works through the kill: right after it, each story of the first
round (one per desk partition, so half of them on partitions being taken
over) is pinned through a desk replica, retried with its command id while
the desk answers 503. Every command must be applied once, and every reader
must get its event once.

Isolation: ingest always writes the real ``headlines.raw``, so the workers
read it, but in a consumer group of their own whose offsets are first moved
to the end of the topic (they skip what other tests posted), and they write
to private output topics that only these push replicas read.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import murmur2
from aiokafka.structs import OffsetAndMetadata

from stoppress.cli.localkafka import LocalKafka
from stoppress.desk.client import DeskClient
from stoppress.ingest.client import IngestClient
from stoppress.shared.client import Stream
from stoppress.shared.topics import HEADLINES_RAW
from stoppress.ticker.settings import TickerSettings
from tests.conftest import DEMO_KEY, EDITOR_KEY
from tests.faults.fleet import Fleet, Replica
from tests.faults.newswire import distinct_headline
from tests.faults.readers import ClientLog, follow, wait_until
from tests.support.kafka import PrivateTopics, partition_count, read_topic

LANGUAGES = ("es", "en", "pl", "it", "nl", "ar")
"""One language per desk partition: murmur2(language) % 6 is 0, 1, 2, 3, 4, 5 (checked below)."""
PER_ROUND = 36
READERS_PER_GATEWAY = 5
DELIVERY_S = 60.0


async def start_group_at_the_end(bootstrap: str, group: str) -> None:
    """Commit the current end of every ``headlines.raw`` partition for ``group``, so it starts from now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(HEADLINES_RAW, p) for p in range(await partition_count(bootstrap, HEADLINES_RAW))]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()


async def trace(bootstrap: str, group: str, missing: set[str]) -> str:
    """Where the headlines no reader got are: in ``headlines.raw``, in the desk topic, and the group's offsets."""
    lines = [f"{len(missing)} headlines never reached a reader (all of them were accepted with 202):"]
    raw = await read_topic(bootstrap, HEADLINES_RAW, quiet_s=0.5, timeout_s=10)
    desk = await read_topic(bootstrap, f"{group}-desk", quiet_s=0.5, timeout_s=10)
    for text in sorted(missing):
        found_raw = [f"{r.partition}/{r.offset}" for r in raw if text.encode() in (r.value or b"")]
        found_desk = [f"{r.partition}/{r.offset}" for r in desk if text.encode() in (r.value or b"")]
        lines.append(f"  {text!r}: headlines.raw {found_raw}, desk topic {found_desk}")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    lines.append("  committed: " + ", ".join(f"{tp.topic}/{tp.partition}={meta.offset}"
                                             for tp, meta in sorted(committed.items())))  # fmt: skip
    return "\n".join(lines)


async def processed(worker: Replica) -> float:
    async with aiohttp.ClientSession() as session, session.get(f"{worker.url}/metrics") as response:
        text = await response.text()
    return sum(float(line.split()[1]) for line in text.splitlines()
               if line.startswith("stoppress_ticker_headlines_processed_total "))  # fmt: skip


async def pin_each(desk: Replica, headlines: set[str]) -> list[Any]:
    """Pin the story of each of ``headlines`` (found on the desk), retrying while the desk cannot confirm."""
    async with DeskClient(desk.url, EDITOR_KEY, timeout_s=30) as client:
        listed = await client.get("/v1/desk/stories", {"limit": "5000"})
        story_ids = [story["story_id"] for story in listed.body["stories"] if story["headline"] in headlines]
        assert len(story_ids) == len(headlines), "the desk lists every story of the round"
        return list(await asyncio.gather(*(
            client.command_until_decided(story_id, "pin", {"reason": "scale-out test"}, attempts=40)
            for story_id in story_ids)))  # fmt: skip


async def post_round(ingests: list[Replica], tag: str, round_name: str) -> set[str]:
    """Post :data:`PER_ROUND` headlines of their own stories, alternating replicas and languages; return them."""
    posted = set()
    for n in range(PER_ROUND):
        text = distinct_headline(n, f"{tag}{round_name}")
        async with IngestClient(ingests[n % 2].url, DEMO_KEY) as ingest:
            answer = await ingest.post({"guid": f"{tag}-{round_name}-{n}", "headline": text, "urgency": 2,
                                        "language": LANGUAGES[n % len(LANGUAGES)]})  # fmt: skip
        assert answer.status == 202, answer.problem_text
        posted.add(text)
    return posted


@pytest.mark.slow
async def test_two_of_each_share_the_work_and_survive_a_ticker_kill(kafka: LocalKafka, tmp_path: Path) -> None:
    partitions = TickerSettings().desk_partitions
    assert sorted((murmur2(lang.encode()) & 0x7FFFFFFF) % partitions for lang in LANGUAGES) == list(range(partitions))
    tag = f"scale{uuid.uuid4().hex[:8]}"
    topics = PrivateTopics(tag)
    await start_group_at_the_end(kafka.bootstrap, tag)
    fleet = Fleet(kafka.bootstrap, tmp_path)
    try:
        ticker_env = topics.ticker_env(read_shared_raw=True)
        tickers = [fleet.ticker(f"ticker-{n}", tag, ticker_env, wait=False) for n in (1, 2)]
        gateways = [fleet.push(f"push-{n}", topics.push_env(), wait=False) for n in (1, 2)]
        ingests = [fleet.ingest(f"ingest-{n}", wait=False) for n in (1, 2)]
        desk = fleet.desk("desk", topics.desk_env(), wait=False)
        everyone = [*tickers, *gateways, *ingests, desk]
        await asyncio.gather(*(asyncio.to_thread(r.process.wait_healthy, 120) for r in everyone))

        logs = [ClientLog() for _ in range(2 * READERS_PER_GATEWAY)]
        streams = [Stream(gateways[n % 2].ws_url) for n in range(len(logs))]
        readers = [asyncio.create_task(follow(s, log)) for s, log in zip(streams, logs, strict=True)]
        try:
            await wait_until(lambda: all(log.first_cursor for log in logs), 30.0, "every reader has its snapshot")
            first = await post_round(ingests, tag, "first")
            one_per_desk = {distinct_headline(n, f"{tag}first") for n in range(len(LANGUAGES))}
            await wait_until(lambda: all(first <= set(log.headlines) for log in logs), DELIVERY_S,
                             "every reader has every headline of the first round")  # fmt: skip
            shares = [await processed(worker) for worker in tickers]
            assert all(share > 0 for share in shares), f"both workers handle headlines: {shares}"

            tickers[0].process.kill()
            killed_at = time.monotonic()
            second, pins = await asyncio.gather(post_round(ingests, tag, "second"), pin_each(desk, one_per_desk))
            assert [answer.status for answer in pins] == [200] * len(pins), [answer.body for answer in pins]
            pinned = {event_id for answer in pins for event_id in answer.body["events"]}
            await wait_until(lambda: all(pinned <= set(log.event_ids) for log in logs), DELIVERY_S,
                             "every reader has every pin")  # fmt: skip
            try:
                await wait_until(lambda: all(second <= set(log.headlines) for log in logs), DELIVERY_S,
                                 "every reader has every headline posted after the kill")  # fmt: skip
            except AssertionError as lost:
                missing = second - {text for log in logs for text in log.headlines}
                survivor = tickers[1].process.log_tail(12)
                raise AssertionError(f"{lost}\n{await trace(kafka.bootstrap, tag, missing)}\n"
                                     f"  the surviving worker's last lines:\n{survivor}") from None
            caught_up_s = time.monotonic() - killed_at
            assert tickers[1].process.returncode is None, "the surviving worker is still running"
        finally:
            for stream in streams:
                await stream.close()
            await asyncio.gather(*readers)
    finally:
        fleet.stop_all()

    print(f"headlines handled per worker before the kill: {shares}; every reader had every headline posted "
          f"after the kill {caught_up_s:.1f} s after it")  # fmt: skip
    assert all(log.failure is None for log in logs)
    assert all(log.event_ids == logs[0].event_ids for log in logs), "every reader, on either gateway, same order"
    repeated = sorted({event_id for event_id in logs[0].event_ids if logs[0].event_ids.count(event_id) > 1})
    assert not repeated, (
        f"{len(repeated)} events reached every reader twice (the surviving worker republished them with their "
        f"ids when it took over; a gateway must not send one event twice on a connection): {repeated[:3]}"
    )

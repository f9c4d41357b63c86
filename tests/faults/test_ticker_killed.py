"""Ticker killed: kill -9 the faust worker while 1,000 real headlines stream in, restart it, and compare
with a worker that ran the same stream uninterrupted.

Both workers read one private input topic (one partition, so both see the
headlines in the same order) in consumer groups of their own and write to
output topics of their own, at the same time. ``update_interval_s`` is 0 in
both, so every change of a story is published when its headline arrives and
the two runs can be compared change by change; the update rate limit is a
presentation rule, tested with the ticker. The default processing guarantee
(``at_least_once``) is the one under test: it is what production runs.

Checked on the killed worker's ``ticker.events``, by ``event_id``:

- every story of the uninterrupted run is there (same story ids), and no other;
- no duplicate ``story.new``: no story is announced under two event ids;
- no lost update: each story's revisions run 1, 2, … N without a gap, and its
  events are the uninterrupted run's events (same ``event_id``, same content).

At least once means an event may be written twice after a crash (the worker
republishes what it cannot prove reached the broker); such a copy carries the
same ``event_id`` and the same content, so readers can recognise it. The test
allows those copies, counts them, and checks they are identical. That no
reader *receives* a copy twice is the gateway's promise, checked in
``tests/integration/deploy/test_scale_out.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import aiohttp
import pytest

from stoppress.shared.models import Headline, TickerEvent
from tests.faults.fleet import Fleet, Replica
from tests.faults.newswire import raw_record, uci_headlines
from tests.support.kafka import PrivateTopics, Record, create_topics, produce, read_topic, ticker_events

HEADLINES = 1000
KILL_AFTER = 300
KILL_WHILE_WRITTEN = 600
"""The worker is killed as soon as it has handled :data:`KILL_AFTER` headlines, while the first 600 are
still being written or wait for it; the other 400 follow only once it was started again. So the kill
always falls mid-stream, with headlines in flight, however fast or slow the machine is."""
STREAM_PAUSE_S = 0.02
"""Between two headlines on the input topic: about 30 s for the stream on this machine."""
SENTINEL = "Sentinel: lighthouse keepers of Skerryvore close the fault suite stream"


def worker_settings(topics: PrivateTopics) -> dict[str, str]:
    return {**topics.ticker_env(), "STOPPRESS_TICKER_UPDATE_INTERVAL_S": "0"}


async def processed(worker: Replica) -> float:
    """Headlines the worker's desks have handled since it started (0 while it is not answering)."""
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{worker.url}/metrics") as response:
            text = await response.text()
    except aiohttp.ClientError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("stoppress_ticker_headlines_processed_total "):
            return float(line.split()[1])
    return 0.0


async def kill_when_busy(worker: Replica) -> float:
    """kill -9 the worker once it has handled :data:`KILL_AFTER` headlines; return how many it had."""
    while True:
        done = await processed(worker)
        if done >= KILL_AFTER:
            worker.process.kill()
            return done
        await asyncio.sleep(0.1)


def sentinel_announced(records: Sequence[Record]) -> bool:
    return any(SENTINEL.encode() in (record.value or b"") for record in records)


def by_story(events: list[TickerEvent]) -> dict[str, list[TickerEvent]]:
    stories: dict[str, list[TickerEvent]] = defaultdict(list)
    for event in events:
        stories[event.story.story_id].append(event)
    return stories


def shown(event: TickerEvent) -> tuple[object, ...]:
    """What a reader sees of an event, without the times that differ between runs."""
    story = event.story
    return (event.type, story.headline, story.url, story.level, story.sources, tuple(story.source_names))


@pytest.mark.slow
async def test_kill_9_mid_stream_loses_nothing_and_announces_no_story_twice(
    fleet: Fleet, topics: PrivateTopics
) -> None:
    bootstrap = fleet.bootstrap
    steady_topics = PrivateTopics(f"{topics.tag}-steady")
    await create_topics(bootstrap, topics, raw_partitions=1)
    crashing = fleet.ticker("crashing", f"{topics.tag}-crashing", worker_settings(topics), wait=False)
    steady = fleet.ticker("steady", f"{topics.tag}-steady", {**worker_settings(steady_topics),
                          "STOPPRESS_TICKER_HEADLINES_TOPIC": topics.raw}, wait=False)  # fmt: skip
    await asyncio.gather(*(asyncio.to_thread(w.process.wait_healthy, 120) for w in (crashing, steady)))

    now = datetime.now(UTC)
    stream = [raw_record(h) for h in uci_headlines(HEADLINES)]
    stream.append(raw_record(Headline(id="wire:sentinel", source="wire", headline=SENTINEL,
                                      first_created=now, version_created=now, received_at=now)))  # fmt: skip
    before, after = stream[:KILL_WHILE_WRITTEN], stream[KILL_WHILE_WRITTEN:]
    writing = asyncio.create_task(produce(bootstrap, topics.raw, before, pause_s=STREAM_PAUSE_S))
    handled_before_kill = await kill_when_busy(crashing)
    killed_at = time.monotonic()
    crashing.process.start()
    await writing
    await produce(bootstrap, topics.raw, after, pause_s=STREAM_PAUSE_S)
    print(f"killed after {handled_before_kill:.0f} handled headlines; restarted worker "
          f"healthy after {await asyncio.to_thread(_healthy_after, crashing, killed_at):.1f} s")  # fmt: skip

    crashed_log, steady_log = await asyncio.gather(
        read_topic(bootstrap, topics.events, until=sentinel_announced, quiet_s=3.0, timeout_s=240.0),
        read_topic(bootstrap, steady_topics.events, until=sentinel_announced, quiet_s=3.0, timeout_s=240.0),
    )
    crashed, uninterrupted = by_story(ticker_events(crashed_log)), by_story(ticker_events(steady_log))
    print(f"events: {len(crashed_log)} after the kill, {len(steady_log)} uninterrupted; "
          f"stories: {len(crashed)} and {len(uninterrupted)}")  # fmt: skip

    assert len(uninterrupted) > 50, "the stream should form dozens of stories"
    assert set(crashed) == set(uninterrupted), "every story present, and no other"
    redelivered = 0
    for story_id, events in crashed.items():
        first_copies = {e.event_id: e for e in reversed(events)}
        assert all(shown(e) == shown(first_copies[e.event_id]) for e in events), f"{story_id}: one id, two contents"
        distinct = sorted(first_copies.values(), key=lambda e: e.story.revision)
        redelivered += len(events) - len(distinct)
        assert [e.type for e in distinct].count("story.new") == 1, f"{story_id}: announced more than once"
        revisions = [e.story.revision for e in distinct]
        assert revisions == list(range(1, len(revisions) + 1)), f"{story_id}: revisions {revisions} have a gap"
        expected = [(e.event_id, shown(e)) for e in uninterrupted[story_id]]
        assert [(e.event_id, shown(e)) for e in distinct] == expected, f"{story_id} differs from the uninterrupted run"
    print(f"{redelivered} events redelivered with their original id (at least once)")


def _healthy_after(worker: Replica, since: float) -> float:
    worker.process.wait_healthy(120)
    return time.monotonic() - since

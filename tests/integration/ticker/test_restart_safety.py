"""kill -9 mid-stream, restart, and compare with an uninterrupted run on the same input.

The worker runs with its default guarantee (at-least-once, see
docs/ranking.md): a replay may repeat an event, under the same id.

The same stories (each made-up story of the input is one ticker story in
both runs), no story announced by two different ``story.new`` events, and
as many stories left on the compacted topic. Story ids themselves may differ
between the runs: a story is named after the item that founded it, and the
two runs see the input partitions interleaved differently. Under ``exactly_once`` a
``read_committed`` reader sees no duplicate event at all.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import pytest

from stoppress.shared.models import TickerEvent
from tests.integration.ticker.harness import TickerProcess, Topics, headline_record
from tests.support.kafka import Record, produce, read_topic, ticker_events

OUTLETS = ("reuters", "ap", "afp", "bbc", "dpa")
SYLLABLES = ("ka", "zo", "mi", "tu", "re", "vo", "lan", "sek", "dor", "bri", "gul", "nem")
SENTINEL = "Sentinel headline marking the end of the restart-safety stream"
STORIES = 70
BATCHES = 10


def word(n: int, slot: int) -> str:
    """A made-up word unique to story ``n`` and slot ``slot``, so stories share no vocabulary."""
    a, b, c = SYLLABLES[n % 12], SYLLABLES[(n // 12 + slot * 5) % 12], SYLLABLES[slot + 3]
    return f"{a}{b}{c}{n}".capitalize()


def stream() -> list[tuple[bytes, bytes]]:
    """About 280 headlines: 70 stories, each covered by 3-5 outlets in slightly different words."""
    records = []
    for n in range(STORIES):
        names = " ".join(word(n, slot) for slot in range(3))
        wordings = (names, f"{names}, officials say", f"Officials: {names}")
        for k, outlet in enumerate(OUTLETS[: 3 + n % 3]):
            records.append(headline_record(outlet, f"{n}-{k}", wordings[k % 3], urgency=2 + (n + k) % 5))
    return records


def label(event: TickerEvent) -> str:
    """Which made-up story a ticker story is, whatever its lead's wording."""
    words = (w.strip(",:") for w in event.story.headline.split())
    return " ".join(sorted(w for w in words if w[-1].isdigit()))


def news_by_story(events: list[TickerEvent]) -> dict[str, set[str]]:
    """Made-up story → the ids of the ``story.new`` events announcing it."""
    news: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.type == "story.new":
            news[label(event)].add(event.event_id)
    return news


def shown_at_end(records: list[Record]) -> set[bytes]:
    last: dict[bytes, bytes | None] = {}
    for record in records:
        last[record.key] = record.value
    return {key for key, value in last.items() if value is not None}


async def finished(bootstrap: str, topics: Topics) -> list[Record]:
    def sentinel_seen(records: list[Record]) -> bool:
        return any(SENTINEL.encode() in (r.value or b"") for r in records)

    return await read_topic(bootstrap, topics.events, until=sentinel_seen, quiet_s=3.0, timeout_s=120.0)


@pytest.mark.slow
async def test_kill_9_mid_stream_changes_nothing(
    bootstrap: str, topics: Topics, ticker_process: Callable[..., TickerProcess]
) -> None:
    records = stream()
    batch = len(records) // BATCHES + 1

    killed_after = len(records)
    crashing = ticker_process(topics)
    await crashing.start()
    for index in range(0, len(records), batch):
        await produce(bootstrap, topics.headlines, records[index : index + batch])
        if index == 4 * batch:
            await crashing.wait_processed(3 * batch)
            crashing.kill()
            killed_after = index + batch
        await asyncio.sleep(0.2)
    await produce(bootstrap, topics.headlines, [headline_record("reuters", "sentinel", SENTINEL, urgency=1)])
    await crashing.start()
    crashed_run = await finished(bootstrap, topics)
    crashed_states = await read_topic(bootstrap, topics.stories, until=bool, quiet_s=0.5)
    crashing.stop()

    steady_topics = topics.with_outputs("steady")
    steady = ticker_process(steady_topics)
    await steady.start()
    steady_run = await finished(bootstrap, steady_topics)
    steady_states = await read_topic(bootstrap, steady_topics.stories, until=bool, quiet_s=0.5)
    steady.stop()

    crashed, uninterrupted = news_by_story(ticker_events(crashed_run)), news_by_story(ticker_events(steady_run))
    assert killed_after < len(records)
    assert len(uninterrupted) > 20
    assert set(crashed) == set(uninterrupted), "the same stories"
    assert all(len(ids) == 1 for ids in crashed.values()), "no story has two different story.new events"
    assert len(shown_at_end(crashed_states)) == len(shown_at_end(steady_states)) == len(crashed)
    types_by_id: dict[str, set[str]] = defaultdict(set)
    for event in ticker_events(crashed_run):
        types_by_id[event.event_id].add(event.type)
    assert all(len(types) == 1 for types in types_by_id.values()), "a repeated event id is a replay of one event"

"""The ticker worker as a process on the real broker: events, repeats across restarts, retractions, DLQ."""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson

from stoppress.shared.deadletter import ORIGIN_HEADER, REASON_HEADER, STAGE_HEADER
from stoppress.shared.models import StoryView
from stoppress.ticker.topics import BUNDLE_KIND, RECORD_KIND, TICK_KEY
from tests.integration.ticker.harness import TickerProcess, Topics, headline_record
from tests.support.kafka import Record, produce, read_topic, ticker_events

QUAKE = "Earthquake of magnitude 7.1 strikes northern Japan"


async def test_breaking_story_and_repeats_stay_quiet_across_a_restart(
    bootstrap: str, topics: Topics, ticker_process: Callable[..., TickerProcess]
) -> None:
    worker = ticker_process(topics)
    await worker.start()
    sent = time.monotonic()
    await produce(bootstrap, topics.headlines, [headline_record("reuters", "q1", QUAKE, urgency=2)])
    records = await read_topic(bootstrap, topics.events, until=lambda r: len(r) >= 1, quiet_s=0)
    took_s = time.monotonic() - sent
    [new] = ticker_events(records)
    assert (new.type, new.story.level, new.story.headline, new.story.revision) == ("story.new", "breaking", QUAKE, 1)
    assert took_s < 2.0, f"story.new took {took_s:.2f}s"
    [state] = await read_topic(bootstrap, topics.stories, until=lambda r: len(r) >= 1, quiet_s=0)
    assert state.key == new.story.story_id.encode()
    assert StoryView.model_validate_json(state.value) == new.story

    await produce(bootstrap, topics.headlines, [headline_record("reuters", "q1", QUAKE, urgency=2)])
    await worker.wait_processed(2)
    assert worker.stop() == 0

    await worker.start()
    await produce(bootstrap, topics.headlines, [headline_record("reuters", "q1", QUAKE, urgency=2)])
    await worker.wait_processed(1)
    await produce(
        bootstrap, topics.headlines, [headline_record("reuters", "q1", QUAKE + ", tsunami feared", version=2)]
    )
    records = await read_topic(bootstrap, topics.events, until=lambda r: len(r) >= 2, quiet_s=2.0)
    assert [(e.type, e.story.revision) for e in ticker_events(records)] == [("story.new", 1), ("story.update", 2)]
    assert ticker_events(records)[1].story.headline == QUAKE + ", tsunami feared"
    metrics = await worker.metrics()
    assert metrics['stoppress_ticker_events_total{type="story.update"}'] == 1.0
    assert f'stoppress_ticker_consumer_lag{{topic="{topics.headlines}"}}' in metrics
    assert worker.stop() == 0


async def test_a_retracted_story_leaves_a_tombstone(
    bootstrap: str, topics: Topics, ticker_process: Callable[..., TickerProcess]
) -> None:
    worker = ticker_process(topics)
    await worker.start()
    await produce(bootstrap, topics.headlines, [headline_record("ap", "k1", QUAKE)])
    await read_topic(bootstrap, topics.events, until=lambda r: len(r) >= 1, quiet_s=0)
    await produce(bootstrap, topics.headlines, [headline_record("ap", "k1", QUAKE, version=2, pubstatus="canceled")])
    events = ticker_events(await read_topic(bootstrap, topics.events, until=lambda r: len(r) >= 2, quiet_s=0))
    assert [e.type for e in events] == ["story.new", "story.retract"]
    states = await read_topic(bootstrap, topics.stories, until=lambda r: len(r) >= 2, quiet_s=0)
    assert [s.key for s in states] == [events[0].story.story_id.encode()] * 2
    assert states[0].value is not None and states[1].value is None


async def test_records_that_are_not_headlines_go_to_the_dlq_with_the_reason(
    bootstrap: str, topics: Topics, ticker_process: Callable[..., TickerProcess]
) -> None:
    worker = ticker_process(topics)
    await worker.start()
    _, valid = headline_record("bbc", "p1", QUAKE)
    poison: list[tuple[bytes | None, bytes | None]] = [
        (b"bad:1", b"not json at all"),
        (b"bad:2", b"[1, 2, 3]"),
        (b"bad:3", orjson.dumps({**orjson.loads(valid), "urgency": 12})),
        (b"bad:4", orjson.dumps({**orjson.loads(valid), "schema_version": "2.0"})),
        (b"bad:5", None),
    ]
    await produce(bootstrap, topics.headlines, [*poison, headline_record("bbc", "p1", QUAKE, urgency=1)])
    events = ticker_events(await read_topic(bootstrap, topics.events, until=lambda r: len(r) >= 1, quiet_s=0))
    assert [(e.type, e.story.level) for e in events] == [("story.new", "flash")]
    letters = await read_topic(bootstrap, topics.dlq, until=lambda r: len(r) >= len(poison), quiet_s=0.5)
    by_key = {r.key: r for r in letters}
    assert len(letters) == len(poison)
    for key, value in poison:
        letter = by_key[key]
        headers = dict(letter.headers)
        assert letter.value == value
        assert headers[STAGE_HEADER] == b"ticker.intake"
        assert headers[ORIGIN_HEADER].startswith(f"{topics.headlines}/".encode())
    reasons = {key: dict(by_key[key].headers)[REASON_HEADER].decode() for key, _ in poison}
    assert "not valid JSON" in reasons[b"bad:1"]
    assert "expected a JSON object" in reasons[b"bad:2"]
    assert "urgency" in reasons[b"bad:3"]
    assert "major version 2" in reasons[b"bad:4"]
    assert "no value" in reasons[b"bad:5"]
    metrics = await worker.metrics()
    assert metrics['stoppress_ticker_dead_letters_total{stage="ticker.intake"}'] == len(poison)
    assert worker.stop() == 0


async def test_a_backlog_reaches_the_desk_in_bundles_and_each_story_is_announced_once(
    bootstrap: str, topics: Topics, ticker_process: Callable[..., TickerProcess]
) -> None:
    worker = ticker_process(topics)
    await worker.start()
    assert worker.stop() == 0  # its topics exist now; what follows waits for it as a backlog
    syllables = ("ka", "zo", "mi", "tu", "re", "vo", "lan", "sek", "dor", "bri", "gul", "nem")
    stories = {" ".join(f"{syllables[n % 12]}{syllables[n // 12 + slot]}{syllables[slot + 6]}".capitalize()
                        for slot in range(3)) for n in range(60)}  # fmt: skip
    backlog = [headline_record(outlet, f"{n}-{outlet}", f"{text}, {outlet} says")
               for n, text in enumerate(sorted(stories)) for outlet in ("reuters", "ap", "afp")]  # fmt: skip
    await produce(bootstrap, topics.headlines, backlog)
    await worker.start()

    def announced(records: list[Record]) -> set[str]:
        return {e.story.headline.rpartition(",")[0] for e in ticker_events(records) if e.type == "story.new"}

    events = await read_topic(bootstrap, topics.events, until=lambda r: announced(r) == stories, quiet_s=2.0)
    news = [e for e in ticker_events(events) if e.type == "story.new"]
    assert len(news) == len(stories), "every story announced once"
    desk = await read_topic(bootstrap, f"{worker.app_id}-desk", quiet_s=0.5)
    bundles = [r for r in desk if (RECORD_KIND, BUNDLE_KIND) in (r.headers or ())]
    assert bundles, "a backlog crosses the second hop in bundles"
    assert sum(len(orjson.loads(r.value)) for r in bundles) + sum(
        1 for r in desk if r.key != TICK_KEY and not r.headers
    ) == len(backlog), "each headline once, bundled or not"
    assert worker.stop() == 0
